//! Accounts: registered names with argon2id password hashes, stored in
//! history.db (schema migration 2) and mirrored in memory, so that the hub
//! can ask "is this nick registered, and to whom?" under its lock without
//! touching the disk. Hashing, verifying and writing run on the blocking pool,
//! never on the runtime threads or under the hub lock.
//!
//! An account's name is a nickname: registering `alice` makes the nick
//! `alice` (and every nick that folds or looks like it) alice's. Besides its
//! password, an account may be logged in to with TLS client certificates
//! ([`certs`], SASL EXTERNAL).
//!
//! In a cluster the accounts are the cluster's ([`shared`]): this database
//! is then the node's cache of them.

pub mod certs;
pub mod config;
mod directory;
mod error;
pub mod limiter;
pub mod password;
mod releases;
pub mod shared;
mod store;

pub use config::AccountsConfig;
pub use error::AccountError;
pub use limiter::{Limiter, Limits, Window};
pub use password::{MAX_PASSWORD_BYTES, MIN_PASSWORD_CHARS};
pub use shared::{AccountRecord, SharedAccounts};

use directory::{Directory, Entry};
use password::{check_password, hash_off_runtime};

use chrono::{DateTime, Utc};
use natter_protocol::{Casemapping, Fingerprint, Skeleton};
use rusqlite::{Connection, ErrorCode};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// A registered account as everyone may see it (no hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The name as registered.
    pub name: String,
    /// The name case-folded (RFC 8265): the key.
    pub folded: String,
    /// When it was registered.
    pub created: DateTime<Utc>,
}

struct Inner {
    path: PathBuf,
    conn: Mutex<Connection>,
    directory: Mutex<Directory>,
    limiter: Limiter,
    /// Set when this server is a cluster node: changes must go through
    /// `shared` ([`Accounts::expect_shared`]).
    clustered: AtomicBool,
    /// The cluster's account store, once joined ([`Accounts::attach_shared`]).
    shared: OnceLock<Arc<dyn SharedAccounts>>,
    /// Certificates taken off accounts but not freed in `shared` yet.
    releases: releases::PendingReleases,
}

/// The account store; clones share it.
#[derive(Clone)]
pub struct Accounts {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Accounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Accounts")
            .field("path", &self.inner.path)
            .finish_non_exhaustive()
    }
}

impl Accounts {
    /// Opens the accounts of the (already migrated) database at `path`.
    pub fn open(path: &Path) -> Result<Accounts, String> {
        let conn = Connection::open(path).map_err(|error| error.to_string())?;
        conn.busy_timeout(Duration::from_secs(5))
            .map_err(|error| error.to_string())?;
        let mut directory = Directory::default();
        for row in store::load_all(&conn).map_err(|error| error.to_string())? {
            directory.insert(Entry {
                account: row.account,
                hash: row.password_hash,
            });
        }
        for (hex, folded) in certs::load_all(&conn).map_err(|error| error.to_string())? {
            let fingerprint: Fingerprint = hex
                .parse()
                .map_err(|error| format!("account_certs of {folded}: {error}"))?;
            directory.by_cert.insert(fingerprint, folded);
        }
        tracing::info!(
            accounts = directory.by_folded.len(),
            certificates = directory.by_cert.len(),
            "accounts loaded"
        );
        Ok(Accounts {
            inner: Arc::new(Inner {
                path: path.to_path_buf(),
                conn: Mutex::new(conn),
                directory: Mutex::new(directory),
                limiter: Limiter::default(),
                clustered: AtomicBool::new(false),
                shared: OnceLock::new(),
                releases: releases::PendingReleases::default(),
            }),
        })
    }

    fn directory(&self) -> std::sync::MutexGuard<'_, Directory> {
        self.inner
            .directory
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// When the account `folded` was created: in a cluster the shared record's
    /// identity, so a change never lands on a later account of the same name.
    fn created_ms(&self, folded: &str) -> Result<i64, AccountError> {
        self.directory()
            .by_folded
            .get(folded)
            .map(|entry| entry.account.created.timestamp_millis())
            .ok_or(AccountError::Gone)
    }

    /// The account named `name` (any case), if registered.
    pub fn lookup(&self, name: &str) -> Option<Account> {
        let folded = Casemapping::Rfc8265.fold(name);
        self.directory()
            .by_folded
            .get(&folded)
            .map(|entry| entry.account.clone())
    }

    /// The account owning the nick `nick`: the one it folds to, or else the
    /// one it looks like (same confusable skeleton).
    pub fn owner_of(&self, nick: &str) -> Option<Account> {
        if let Some(account) = self.lookup(nick) {
            return Some(account);
        }
        let directory = self.directory();
        let folded = directory.by_skeleton.get(&Skeleton::of(nick))?;
        directory
            .by_folded
            .get(folded)
            .map(|entry| entry.account.clone())
    }

    /// The failed-login limiter.
    pub fn limiter(&self) -> &Limiter {
        &self.inner.limiter
    }

    /// Registers `name` (a valid nickname) with `password`.
    pub async fn register(&self, name: &str, password: &str) -> Result<Account, AccountError> {
        check_password(password)?;
        if let Some(owner) = self.owner_of(name) {
            return Err(if Casemapping::Rfc8265.eq(&owner.name, name) {
                AccountError::Exists(owner.name)
            } else {
                AccountError::LooksLike(owner.name)
            });
        }
        let shared = self.shared()?;
        let hash = hash_off_runtime(password.to_owned()).await?;
        let account = Account {
            name: name.to_owned(),
            folded: Casemapping::Rfc8265.fold(name),
            created: store::now(),
        };
        if let Some(shared) = shared {
            return self.register_shared(shared.as_ref(), account, hash).await;
        }
        let row = store::Row {
            account: account.clone(),
            password_hash: hash.clone(),
        };
        let skeleton = Skeleton::of(name);
        self.write(move |conn| store::insert(conn, &row, skeleton.as_str()))
            .await
            .map_err(|error| match error {
                Write::Constraint => AccountError::Exists(name.to_owned()),
                Write::Failed(reason) => AccountError::Unavailable(reason),
            })?;
        self.directory().insert(Entry {
            account: account.clone(),
            hash,
        });
        tracing::info!(account = %account.name, "account registered");
        Ok(account)
    }

    /// Checks `password` for the account `name`; the same error whether the
    /// account is unknown or the password wrong.
    pub async fn authenticate(&self, name: &str, password: &str) -> Result<Account, AccountError> {
        let folded = Casemapping::Rfc8265.fold(name);
        let entry = self.directory().by_folded.get(&folded).cloned();
        let password = password.to_owned();
        let (stored, account) = match entry {
            Some(entry) => (Some(entry.hash), Some(entry.account)),
            None => (None, None),
        };
        let matches = tokio::task::spawn_blocking(move || match stored {
            Some(stored) => password::verify(&password, &stored),
            None => {
                // As slow as a real check, so timing does not tell which names exist.
                let _ = password::hash(&password);
                false
            }
        })
        .await
        .map_err(|error| AccountError::Unavailable(error.to_string()))?;
        match (matches, account) {
            (true, Some(account)) => Ok(account),
            _ => Err(AccountError::BadCredentials),
        }
    }

    /// Replaces the password of the account `folded`.
    pub async fn set_password(&self, folded: &str, password: &str) -> Result<(), AccountError> {
        check_password(password)?;
        let shared = self.shared()?;
        let hash = hash_off_runtime(password.to_owned()).await?;
        if let Some(shared) = shared {
            let change = |record: &mut AccountRecord| {
                record.password_hash.clone_from(&hash);
                Ok(())
            };
            let record = shared.update(folded, &change).await?;
            self.apply_shared(record).await;
            return Ok(());
        }
        let (key, stored) = (folded.to_owned(), hash.clone());
        self.write(move |conn| store::set_password(conn, &key, &stored))
            .await
            .map_err(Write::into_error)?;
        if let Some(entry) = self.directory().by_folded.get_mut(folded) {
            entry.hash = hash;
        }
        Ok(())
    }

    /// Deletes the account `folded`.
    pub async fn unregister(&self, folded: &str) -> Result<(), AccountError> {
        if let Some(shared) = self.shared()? {
            let created_ms = self.created_ms(folded)?;
            shared.drop_account(folded, created_ms).await?;
            self.apply_dropped(folded, created_ms).await;
            return Ok(());
        }
        let key = folded.to_owned();
        self.write(move |conn| {
            // One transaction: an heir of the name must not inherit certificates.
            let tx = conn.unchecked_transaction()?;
            store::delete(&tx, &key)?;
            certs::delete_all(&tx, &key)?;
            tx.commit()
        })
        .await
        .map_err(Write::into_error)?;
        self.directory().remove(folded);
        tracing::info!(account = %folded, "account dropped");
        Ok(())
    }

    async fn write(
        &self,
        operation: impl FnOnce(&Connection) -> rusqlite::Result<()> + Send + 'static,
    ) -> Result<(), Write> {
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || {
            let conn = inner.conn.lock().unwrap_or_else(|p| p.into_inner());
            operation(&conn).map_err(|error| match error.sqlite_error_code() {
                Some(ErrorCode::ConstraintViolation) => Write::Constraint,
                _ => {
                    tracing::warn!(path = %inner.path.display(), %error, "account write failed");
                    Write::Failed(error.to_string())
                }
            })
        })
        .await
        .map_err(|error| Write::Failed(error.to_string()))?
    }
}

/// How a write failed.
enum Write {
    /// A UNIQUE index refused it (the name was taken meanwhile).
    Constraint,
    /// Anything else.
    Failed(String),
}

impl Write {
    fn into_error(self) -> AccountError {
        match self {
            Write::Constraint => AccountError::Unavailable("constraint".into()),
            Write::Failed(reason) => AccountError::Unavailable(reason),
        }
    }
}
