//! Accounts shared by every server of a network (a cluster), not one
//! server's alone.
//!
//! In a cluster the truth about accounts is a store all nodes share (the
//! cluster's account bucket, see `crate::cluster::accounts`), which this
//! module only knows as [`SharedAccounts`]: lower layers never import the
//! cluster. Every change (REGISTER, SET PASSWORD, CERT ADD/DEL, DROP) is
//! first written there by compare-and-set, so two servers can never give
//! one name (or two look-alike names) to two people; then into this
//! server's copy. Changes made on other servers arrive through
//! [`Accounts::apply_shared`] and [`Accounts::apply_dropped`]. The local
//! database stays this server's cache: it still starts, and logs people
//! in, while the shared store is out of reach; only changes are refused
//! then ([`AccountError::Unreachable`]). A single server never sets any of
//! this and pays one check of an empty cell per change.

use super::{Account, AccountError, Accounts, Entry, store};
use chrono::DateTime;
use futures::future::BoxFuture;
use natter_protocol::{Casemapping, Fingerprint, Skeleton};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// An account as the servers of a network share it: never a password, only
/// its argon2id hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountRecord {
    /// The name as registered.
    pub name: String,
    /// When it was registered, in Unix milliseconds: with the folded name,
    /// what tells one account from a later one of the same name.
    pub created_ms: i64,
    /// The argon2id PHC string.
    pub password_hash: String,
    /// The client certificates that log in to it (SHA-256 hex), sorted.
    #[serde(default)]
    pub certs: Vec<String>,
}

impl AccountRecord {
    /// The name case-folded (RFC 8265): the account's identity.
    pub fn folded(&self) -> String {
        Casemapping::Rfc8265.fold(&self.name)
    }

    /// Whether `other` is the same account (same name and creation), even
    /// if its password or certificates changed since.
    pub fn same_account(&self, other: &AccountRecord) -> bool {
        self.created_ms == other.created_ms && self.folded() == other.folded()
    }
}

/// A change of one stored account; it may run more than once (each time a
/// concurrent writer got in first), so it must only compute.
pub type RecordChange<'a> =
    &'a (dyn Fn(&mut AccountRecord) -> Result<(), AccountError> + Send + Sync);

/// The store every server of a network shares (the cluster's bucket).
/// Implementations arbitrate with compare-and-set and answer
/// [`AccountError::Unreachable`] when they cannot be reached.
pub trait SharedAccounts: Send + Sync + std::fmt::Debug {
    /// Creates `record`; [`AccountError::Exists`] or
    /// [`AccountError::LooksLike`] if its name, or one that looks like it,
    /// is taken.
    fn create<'a>(&'a self, record: &'a AccountRecord) -> BoxFuture<'a, Result<(), AccountError>>;

    /// Applies `change` to the account `folded` as stored; returns the
    /// record written ([`AccountError::Gone`]: no such account any more).
    fn update<'a>(
        &'a self,
        folded: &'a str,
        change: RecordChange<'a>,
    ) -> BoxFuture<'a, Result<AccountRecord, AccountError>>;

    /// Drops the account `folded` created at `created_ms` (nothing if that
    /// account is gone already), freeing its certificates.
    fn drop_account<'a>(
        &'a self,
        folded: &'a str,
        created_ms: i64,
    ) -> BoxFuture<'a, Result<(), AccountError>>;

    /// Makes the certificate `hex` (SHA-256) the account's (`folded`,
    /// created at `created_ms`) by compare-and-set, before it is added to
    /// the account's record: `true` if it was free (or held by an account
    /// that is gone), `false` if this account held it already;
    /// [`AccountError::CertTaken`] if another account holds it.
    fn claim_cert<'a>(
        &'a self,
        hex: &'a str,
        folded: &'a str,
        created_ms: i64,
    ) -> BoxFuture<'a, Result<bool, AccountError>>;

    /// Frees the certificate `hex` if the account `folded` holds it (after
    /// it was taken out of the record, or when adding it failed).
    fn release_cert<'a>(
        &'a self,
        hex: &'a str,
        folded: &'a str,
    ) -> BoxFuture<'a, Result<(), AccountError>>;
}

impl Accounts {
    /// This server is a cluster node: from now on accounts change only
    /// through the shared store, refused until [`Accounts::attach_shared`].
    pub fn expect_shared(&self) {
        self.inner.clustered.store(true, Ordering::Release);
    }

    /// Makes every later change go through `shared` first.
    pub fn attach_shared(&self, shared: Arc<dyn SharedAccounts>) {
        self.inner.clustered.store(true, Ordering::Release);
        let _ = self.inner.shared.set(shared);
    }

    /// The shared store changes must go through (`None`: a single server).
    pub(super) fn shared(&self) -> Result<Option<Arc<dyn SharedAccounts>>, AccountError> {
        if let Some(shared) = self.inner.shared.get() {
            return Ok(Some(Arc::clone(shared)));
        }
        if self.inner.clustered.load(Ordering::Acquire) {
            return Err(AccountError::Unreachable(
                "not joined to the network yet".into(),
            ));
        }
        Ok(None)
    }

    /// Every account of this server's copy, with hash and certificates
    /// (published to the shared store when a node joins), sorted by name.
    pub fn records(&self) -> Vec<AccountRecord> {
        let directory = self.directory();
        let mut records: Vec<AccountRecord> = directory
            .by_folded
            .values()
            .map(|entry| record_of(entry, &directory.certs_hex(&entry.account.folded)))
            .collect();
        records.sort_by(|a, b| a.name.cmp(&b.name));
        records
    }

    /// Registers through the shared store, then keeps the account here.
    pub(super) async fn register_shared(
        &self,
        shared: &dyn SharedAccounts,
        account: Account,
        hash: String,
    ) -> Result<Account, AccountError> {
        let record = AccountRecord {
            name: account.name.clone(),
            created_ms: account.created.timestamp_millis(),
            password_hash: hash,
            certs: Vec::new(),
        };
        shared.create(&record).await?;
        self.apply_shared(record).await;
        tracing::info!(account = %account.name, "account registered across the network");
        Ok(account)
    }

    /// Makes `record` (as the shared store holds it) this server's account
    /// of that name: it replaces whatever account had the name or a
    /// look-alike here, with its certificates. Returns whether anything
    /// changed. A failing disk is logged: the account is in memory all the
    /// same, and the store sends it again after a restart.
    pub async fn apply_shared(&self, record: AccountRecord) -> bool {
        let folded = record.folded();
        let certs: Vec<Fingerprint> = record
            .certs
            .iter()
            .filter_map(|hex| match hex.parse() {
                Ok(fingerprint) => Some(fingerprint),
                Err(error) => {
                    tracing::warn!(account = %record.name, %hex, %error, "unreadable shared certificate skipped");
                    None
                }
            })
            .collect();
        let mut wanted: Vec<String> = certs.iter().map(Fingerprint::hex).collect();
        wanted.sort();
        let unchanged = {
            let directory = self.directory();
            directory.by_folded.get(&folded).is_some_and(|entry| {
                entry.account.name == record.name
                    && entry.account.created.timestamp_millis() == record.created_ms
                    && entry.hash == record.password_hash
                    && directory.certs_hex(&folded) == wanted
            })
        };
        if unchanged {
            return false;
        }
        let account = Account {
            name: record.name.clone(),
            folded: folded.clone(),
            created: DateTime::from_timestamp_millis(record.created_ms).unwrap_or_default(),
        };
        let row = store::Row {
            account: account.clone(),
            password_hash: record.password_hash.clone(),
        };
        let skeleton = Skeleton::of(&record.name);
        let hexes = wanted;
        let now_ms = chrono::Utc::now().timestamp_millis();
        let key = skeleton.as_str().to_owned();
        if let Err(error) = self
            .write(move |conn| store::replace(conn, &row, &key, &hexes, now_ms))
            .await
        {
            let error = error.into_error();
            tracing::warn!(account = %record.name, %error, "a shared account could not be cached on disk");
        }
        let mut directory = self.directory();
        directory.remove(&folded);
        if let Some(other) = directory.by_skeleton.get(&skeleton).cloned() {
            directory.remove(&other);
        }
        for fingerprint in &certs {
            directory.by_cert.insert(*fingerprint, folded.clone());
        }
        directory.insert(Entry {
            account,
            hash: record.password_hash,
        });
        true
    }

    /// The account `folded` created at `created_ms` was dropped (on any
    /// server): forgets it here with its certificates. Returns whether this
    /// server had it (a later account of the same name is left alone).
    pub async fn apply_dropped(&self, folded: &str, created_ms: i64) -> bool {
        let held = self
            .directory()
            .by_folded
            .get(folded)
            .is_some_and(|entry| entry.account.created.timestamp_millis() == created_ms);
        if !held {
            return false;
        }
        let key = folded.to_owned();
        let written = self
            .write(move |conn| {
                let tx = conn.unchecked_transaction()?;
                store::delete(&tx, &key)?;
                super::certs::delete_all(&tx, &key)?;
                tx.commit()
            })
            .await;
        if let Err(error) = written {
            let error = error.into_error();
            tracing::warn!(account = %folded, %error, "a dropped account could not be removed from disk");
        }
        self.directory().remove(folded);
        tracing::info!(account = %folded, "account dropped");
        true
    }
}

impl super::Directory {
    /// The certificates of the account `folded`, as hex, sorted.
    fn certs_hex(&self, folded: &str) -> Vec<String> {
        let mut certs: Vec<String> = self
            .by_cert
            .iter()
            .filter(|(_, account)| account.as_str() == folded)
            .map(|(fingerprint, _)| fingerprint.hex())
            .collect();
        certs.sort();
        certs
    }
}

fn record_of(entry: &Entry, certs: &[String]) -> AccountRecord {
    AccountRecord {
        name: entry.account.name.clone(),
        created_ms: entry.account.created.timestamp_millis(),
        password_hash: entry.hash.clone(),
        certs: certs.to_vec(),
    }
}

#[cfg(test)]
mod tests;
