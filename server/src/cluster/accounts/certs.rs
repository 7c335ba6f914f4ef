//! Which account each client certificate logs in to, cluster-wide: one key
//! per certificate fingerprint in its own bucket, created by
//! compare-and-set, so of two accounts adding one certificate on two nodes
//! at the same instant exactly one gets it.
//!
//! The key is the authority; an account's record lists a certificate only
//! after its key names that account (CERT ADD claims the key, then adds it
//! to the record, and frees the key again if that fails). CERT DEL and DROP
//! take the certificate out of the record first and free the key after, so
//! a failure in between leaves the certificate claimed by an account that
//! no longer lists it (nobody else can add it), never listed by two
//! accounts; the node frees it when NATS is back (`accounts::releases`),
//! or its owner adds it again and deletes it. A key naming an account
//! that is gone (dropped, or a later account of that name) is stale: the
//! next claim of it takes it over.

use super::slot::{Slot, unreachable};
use super::store::AccountBucket;
use crate::accounts::{AccountError, AccountRecord};
use crate::cluster::bucket;
use crate::cluster::contention::Backoff;
use crate::cluster::subject::token;
use serde::{Deserialize, Serialize};

/// Attempts before a claim gives up on concurrent writers of one key,
/// each after a jittered pause ([`Backoff`]).
const ATTEMPTS: u32 = 8;

/// Who a certificate's key names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertOwner {
    /// The account (folded).
    pub account: String,
    /// When that account was created (which account of the name it is).
    pub created_ms: i64,
}

/// What a claim found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertClaim {
    /// The key names the account now (it was free or stale).
    Claimed,
    /// The key named this account already.
    Held,
}

impl AccountBucket {
    /// Makes the certificate `hex` the account `owner`'s, unless another
    /// account that still exists holds it ([`AccountError::CertTaken`]).
    pub async fn claim_certificate(
        &self,
        hex: &str,
        owner: &CertOwner,
    ) -> Result<CertClaim, AccountError> {
        let key = token(hex);
        let value = encode(owner).map_err(unreachable)?;
        let mut backoff = Backoff::new(ATTEMPTS);
        while backoff.next_attempt().await {
            let held = self.read_cert(&key).await?;
            let held_exists = match &held {
                Some((held, _)) if held != owner => self.exists(held).await?,
                _ => false,
            };
            let written = match step(held.as_ref().map(|(held, _)| held), owner, held_exists) {
                Step::Create => match self.certs.create(&key, value.clone()).await {
                    Ok(revision) => Ok(revision),
                    Err(error) if bucket::exists(&error) => continue,
                    Err(error) => return Err(unreachable(error)),
                },
                Step::Held => return Ok(CertClaim::Held),
                Step::Taken => return Err(AccountError::CertTaken),
                Step::TakeOver => {
                    let revision = held.map_or(0, |(_, revision)| revision);
                    self.certs.update(&key, value.clone(), revision).await
                }
            };
            match written {
                Ok(_) => return Ok(CertClaim::Claimed),
                Err(error) if bucket::lost_race(&error) => continue,
                Err(error) => return Err(unreachable(error)),
            }
        }
        Err(AccountError::Unavailable(
            "too many concurrent changes; try again".into(),
        ))
    }

    /// Frees the certificate `hex` if its key names the account `folded`.
    pub async fn release_certificate(&self, hex: &str, folded: &str) -> Result<(), AccountError> {
        let key = token(hex);
        let Some((held, revision)) = self.read_cert(&key).await? else {
            return Ok(());
        };
        if held.account != folded {
            return Ok(());
        }
        match self
            .certs
            .delete_expect_revision(&key, Some(revision))
            .await
        {
            Ok(()) => Ok(()),
            Err(error) if bucket::lost_race(&error) => Ok(()),
            Err(error) => Err(unreachable(error)),
        }
    }

    /// Frees the certificates `certs` (hex) of the account `folded`, which
    /// no longer has them (dropped). A key left behind is stale and taken
    /// over by the next claim, so a failure is only logged.
    pub(super) async fn release_certs_of(&self, folded: &str, certs: &[String]) {
        for hex in certs {
            if let Err(error) = self.release_certificate(hex, folded).await {
                tracing::warn!(account = %folded, certificate = %hex, %error, "cluster: could not free a dropped account's certificate (the next claim of it takes it over)");
            }
        }
    }

    /// Claims the certificates the bucket's record of `record`'s account
    /// lists (a node joining with its own accounts, or with accounts cached
    /// before certificates had keys). One that another account holds is
    /// taken out of this account's record, with a warning.
    pub(super) async fn settle_certs(&self, record: &AccountRecord) -> Result<(), AccountError> {
        let Some(Slot::Account(stored)) = self.get(&record.name).await.map_err(unreachable)? else {
            return Ok(());
        };
        if !stored.same_account(record) {
            return Ok(());
        }
        let owner = CertOwner {
            account: stored.folded(),
            created_ms: stored.created_ms,
        };
        for hex in &stored.certs {
            match self.claim_certificate(hex, &owner).await {
                Ok(_) => {}
                Err(AccountError::CertTaken) => {
                    tracing::warn!(account = %stored.name, certificate = %hex, "cluster: a certificate of this account belongs to another account in the cluster; it is taken off this one");
                    let without = |record: &mut AccountRecord| {
                        record.certs.retain(|held| held != hex);
                        Ok(())
                    };
                    self.update_account(&owner.account, &without).await?;
                }
                Err(error) => return Err(error),
            }
        }
        Ok(())
    }

    /// Whether the account a key names still exists (same name, same creation).
    async fn exists(&self, owner: &CertOwner) -> Result<bool, AccountError> {
        let slot = self.get(&owner.account).await.map_err(unreachable)?;
        Ok(matches!(
            slot,
            Some(Slot::Account(record))
                if record.created_ms == owner.created_ms && record.folded() == owner.account
        ))
    }

    async fn read_cert(&self, key: &str) -> Result<Option<(CertOwner, u64)>, AccountError> {
        bucket::read(&self.certs, key, "reading a certificate", "certificate")
            .await
            .map_err(unreachable)
    }
}

/// What a claim does, given what the certificate's key holds (`held`) and
/// whether the account it names still exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// Nothing holds it: create the key.
    Create,
    /// It names the claiming account already.
    Held,
    /// Another account that exists holds it: refuse.
    Taken,
    /// It names an account that is gone: take it over at its revision.
    TakeOver,
}

fn step(held: Option<&CertOwner>, owner: &CertOwner, held_exists: bool) -> Step {
    match held {
        None => Step::Create,
        Some(held) if held == owner => Step::Held,
        Some(_) if held_exists => Step::Taken,
        Some(_) => Step::TakeOver,
    }
}

fn encode(owner: &CertOwner) -> Result<bytes::Bytes, crate::cluster::ClusterError> {
    bucket::encode("certificate", owner)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owner(account: &str, created_ms: i64) -> CertOwner {
        CertOwner {
            account: account.into(),
            created_ms,
        }
    }

    #[test]
    fn a_certificate_is_created_kept_refused_or_taken_over_from_a_gone_account() {
        let alice = owner("alice", 5);
        assert_eq!(step(None, &alice, false), Step::Create);
        assert_eq!(step(Some(&alice), &alice, true), Step::Held);
        // Bob, who exists, holds it: refused (of two racing claims, the
        // second finds the first's key).
        assert_eq!(step(Some(&owner("bob", 1)), &alice, true), Step::Taken);
        // Bob was dropped, or the alice holding it was an earlier account
        // of the name: stale, taken over.
        assert_eq!(step(Some(&owner("bob", 1)), &alice, false), Step::TakeOver);
        assert_eq!(
            step(Some(&owner("alice", 4)), &alice, false),
            Step::TakeOver
        );
    }

    #[test]
    fn an_owner_round_trips() {
        let alice = owner("alice", 5);
        let bytes = encode(&alice).unwrap_or_default();
        let decoded: Result<CertOwner, _> = bucket::decode("certificate", &bytes);
        assert_eq!(decoded.ok(), Some(alice));
    }
}
