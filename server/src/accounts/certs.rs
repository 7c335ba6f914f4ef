//! TLS client certificates that log in to an account (SASL EXTERNAL): the
//! `account_certs` table (schema migration 5), mirrored in the directory.
//! A certificate belongs to at most one account; an account has at most
//! [`MAX_CERTS`] of them.

use super::{Account, AccountError, AccountRecord, Accounts, Write};
use natter_protocol::Fingerprint;
use rusqlite::{Connection, params};

/// Most certificates one account may add.
pub const MAX_CERTS: usize = 16;

/// What [`Accounts::remove_cert`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertRemoved {
    /// Removed from the account, and free for any account to add.
    Freed,
    /// Removed from the account (it no longer logs in to it), but the
    /// shared store became unreachable before it was freed for other
    /// accounts: that is done when the store is reachable again
    /// (`accounts::releases`); until then no other account can add it.
    FreedLater,
}

/// Every stored certificate: `(fingerprint hex, folded account)`.
pub(super) fn load_all(conn: &Connection) -> rusqlite::Result<Vec<(String, String)>> {
    let mut statement = conn.prepare("SELECT fingerprint, account FROM account_certs")?;
    let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
    rows.collect()
}

/// Deletes every certificate of the account `folded` (when it is dropped).
pub(super) fn delete_all(conn: &Connection, folded: &str) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM account_certs WHERE account = ?1", [folded])?;
    Ok(())
}

impl Accounts {
    /// The account the certificate `fingerprint` logs in to, if any.
    pub fn account_for_cert(&self, fingerprint: &Fingerprint) -> Option<Account> {
        let directory = self.directory();
        let folded = directory.by_cert.get(fingerprint)?;
        directory
            .by_folded
            .get(folded)
            .map(|entry| entry.account.clone())
    }

    /// The certificates of the account `folded`, sorted.
    pub fn certs_of(&self, folded: &str) -> Vec<Fingerprint> {
        let mut certs: Vec<Fingerprint> = self
            .directory()
            .by_cert
            .iter()
            .filter(|(_, account)| account.as_str() == folded)
            .map(|(fingerprint, _)| *fingerprint)
            .collect();
        certs.sort_by_key(|fingerprint| *fingerprint.bytes());
        certs
    }

    /// Lets the certificate `fingerprint` log in to the account `folded`.
    pub async fn add_cert(
        &self,
        folded: &str,
        fingerprint: Fingerprint,
    ) -> Result<(), AccountError> {
        {
            let directory = self.directory();
            match directory.by_cert.get(&fingerprint) {
                Some(owner) if owner == folded => return Err(AccountError::CertAlreadyAdded),
                Some(_) => return Err(AccountError::CertTaken),
                None => {}
            }
            if directory.by_cert.values().filter(|a| *a == folded).count() >= MAX_CERTS {
                return Err(AccountError::TooManyCerts);
            }
        }
        if let Some(shared) = self.shared()? {
            return self.add_cert_shared(&*shared, folded, fingerprint).await;
        }
        let (key, hex) = (folded.to_owned(), fingerprint.hex());
        let now = chrono::Utc::now().timestamp_millis();
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO account_certs (fingerprint, account, added_ms) VALUES (?1, ?2, ?3)",
                params![hex, key, now],
            )
            .map(|_| ())
        })
        .await
        .map_err(|error| match error {
            Write::Constraint => AccountError::CertTaken,
            Write::Failed(reason) => AccountError::Unavailable(reason),
        })?;
        self.directory()
            .by_cert
            .insert(fingerprint, folded.to_owned());
        tracing::info!(account = %folded, %fingerprint, "client certificate added");
        Ok(())
    }

    /// CERT ADD through the shared store: the certificate is claimed for
    /// the account first (exactly one of several accounts adding it at
    /// once gets it), then added to its record; the claim is given back
    /// if that fails.
    async fn add_cert_shared(
        &self,
        shared: &dyn super::SharedAccounts,
        folded: &str,
        fingerprint: Fingerprint,
    ) -> Result<(), AccountError> {
        let created_ms = self.created_ms(folded)?;
        let hex = fingerprint.hex();
        let claimed = shared.claim_cert(&hex, folded, created_ms).await?;
        let change = |record: &mut AccountRecord| {
            if record.created_ms != created_ms {
                return Err(AccountError::Gone);
            }
            if record.certs.contains(&hex) {
                return Err(AccountError::CertAlreadyAdded);
            }
            if record.certs.len() >= MAX_CERTS {
                return Err(AccountError::TooManyCerts);
            }
            record.certs.push(hex.clone());
            record.certs.sort();
            Ok(())
        };
        let record = match shared.update(folded, &change).await {
            Ok(record) => record,
            Err(error) => {
                if claimed && error != AccountError::CertAlreadyAdded {
                    self.release_or_keep(shared, &hex, folded).await;
                }
                return Err(error);
            }
        };
        // Taken off this account earlier but not freed yet: wanted again.
        self.inner.releases.forget(&hex, folded);
        self.apply_shared(record).await;
        tracing::info!(account = %folded, %fingerprint, "client certificate added");
        Ok(())
    }

    /// Stops the certificate `fingerprint` logging in to the account `folded`.
    pub async fn remove_cert(
        &self,
        folded: &str,
        fingerprint: Fingerprint,
    ) -> Result<CertRemoved, AccountError> {
        if self
            .directory()
            .by_cert
            .get(&fingerprint)
            .map(String::as_str)
            != Some(folded)
        {
            return Err(AccountError::NoSuchCert);
        }
        if let Some(shared) = self.shared()? {
            let hex = fingerprint.hex();
            let change = |record: &mut AccountRecord| {
                if !record.certs.contains(&hex) {
                    return Err(AccountError::NoSuchCert);
                }
                record.certs.retain(|held| *held != hex);
                Ok(())
            };
            let record = shared.update(folded, &change).await?;
            self.apply_shared(record).await;
            tracing::info!(account = %folded, %fingerprint, "client certificate removed");
            // The record is the account's; the key is what keeps others
            // from adding it, so it is freed after (now or later), never
            // before: a certificate is never listed by two accounts.
            return Ok(if self.release_or_keep(&*shared, &hex, folded).await {
                CertRemoved::Freed
            } else {
                CertRemoved::FreedLater
            });
        }
        let (key, hex) = (folded.to_owned(), fingerprint.hex());
        self.write(move |conn| {
            conn.execute(
                "DELETE FROM account_certs WHERE fingerprint = ?1 AND account = ?2",
                params![hex, key],
            )
            .map(|_| ())
        })
        .await
        .map_err(Write::into_error)?;
        self.directory().by_cert.remove(&fingerprint);
        tracing::info!(account = %folded, %fingerprint, "client certificate removed");
        Ok(CertRemoved::Freed)
    }
}
