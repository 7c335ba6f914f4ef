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
//! no longer lists it, never listed by two accounts; the node frees it when
//! NATS is back (`accounts::releases`, memory only). A key naming an
//! account that is gone (dropped, or a later account of that name) is
//! stale: the next claim of it takes it over. So is a key its account's
//! record has not listed for [`UNLISTED_GRACE`] after it was written (a
//! CERT ADD lists it within seconds or gives it back): the release was
//! lost (the node stopped before NATS came back) or never made, and
//! whoever adds the certificate next, on any node, gets it.

use super::slot::{Slot, unreachable};
use super::store::AccountBucket;
use crate::accounts::{AccountError, AccountRecord};
use crate::cluster::contention::Backoff;
use crate::cluster::subject::token;
use crate::cluster::{ClusterError, bucket};
use serde::{Deserialize, Serialize};
use std::time::{Duration, SystemTime};

/// How long a certificate's key may name an account whose record does not
/// list it before another account may take it over: far longer than a
/// CERT ADD takes between claiming the key and listing the certificate
/// (eight attempts of one compare-and-set, seconds even when NATS is slow).
pub const UNLISTED_GRACE: Duration = Duration::from_secs(300);

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
            let holder = match &held {
                Some(held) if held.owner != *owner => self.holder(held, hex).await?,
                _ => Holder::Gone,
            };
            let written = match step(held.as_ref().map(|held| &held.owner), owner, holder) {
                Step::Create => match self.certs.create(&key, value.clone()).await {
                    Ok(revision) => Ok(revision),
                    Err(error) if bucket::exists(&error) => continue,
                    Err(error) => return Err(unreachable(error)),
                },
                Step::Held => return Ok(CertClaim::Held),
                Step::Taken => return Err(AccountError::CertTaken),
                Step::TakeOver => {
                    let revision = held.map_or(0, |held| held.revision);
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
        let Some(held) = self.read_cert(&key).await? else {
            return Ok(());
        };
        if held.owner.account != folded {
            return Ok(());
        }
        match self
            .certs
            .delete_expect_revision(&key, Some(held.revision))
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

    /// What the account the key `held` names says of the certificate
    /// `hex`: gone, listing it, or not listing it (since how long the key
    /// was written, by the NATS server's clock).
    async fn holder(&self, held: &HeldKey, hex: &str) -> Result<Holder, AccountError> {
        let slot = self.get(&held.owner.account).await.map_err(unreachable)?;
        Ok(match slot {
            Some(Slot::Account(record))
                if record.created_ms == held.owner.created_ms
                    && record.folded() == held.owner.account =>
            {
                if record.certs.iter().any(|listed| listed == hex) {
                    Holder::Lists
                } else {
                    let age = held.written.elapsed().unwrap_or_default();
                    Holder::Unlisted(age >= self.unlisted_grace)
                }
            }
            _ => Holder::Gone,
        })
    }

    async fn read_cert(&self, key: &str) -> Result<Option<HeldKey>, AccountError> {
        let Some(entry) = bucket::value(&self.certs, key).await.map_err(|error| {
            unreachable(ClusterError::jetstream("reading a certificate", error))
        })?
        else {
            return Ok(None);
        };
        let owner = bucket::decode("certificate", &entry.value).map_err(unreachable)?;
        Ok(Some(HeldKey {
            owner,
            revision: entry.revision,
            written: SystemTime::from(entry.created),
        }))
    }
}

/// A certificate's key as read: whom it names, its revision (for the next
/// compare-and-set) and when it was written.
struct HeldKey {
    owner: CertOwner,
    revision: u64,
    written: SystemTime,
}

/// What the account a certificate's key names says of the certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Holder {
    /// The account is gone (dropped, or a later account of the name).
    Gone,
    /// Its record lists the certificate.
    Lists,
    /// Its record does not list it; `true` once the key is older than
    /// [`UNLISTED_GRACE`].
    Unlisted(bool),
}

/// What a claim does, given what the certificate's key holds (`held`) and
/// what the account it names says of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// Nothing holds it: create the key.
    Create,
    /// It names the claiming account already.
    Held,
    /// Another account that exists holds it (its record lists it, or may
    /// be about to): refuse.
    Taken,
    /// It names an account that is gone, or one that has not listed it
    /// for [`UNLISTED_GRACE`]: take it over at its revision.
    TakeOver,
}

fn step(held: Option<&CertOwner>, owner: &CertOwner, holder: Holder) -> Step {
    match (held, holder) {
        (None, _) => Step::Create,
        (Some(held), _) if held == owner => Step::Held,
        (Some(_), Holder::Lists | Holder::Unlisted(false)) => Step::Taken,
        (Some(_), Holder::Gone | Holder::Unlisted(true)) => Step::TakeOver,
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
        assert_eq!(step(None, &alice, Holder::Gone), Step::Create);
        assert_eq!(step(Some(&alice), &alice, Holder::Lists), Step::Held);
        // Bob, who exists, holds it: refused (of two racing claims, the
        // second finds the first's key).
        assert_eq!(
            step(Some(&owner("bob", 1)), &alice, Holder::Lists),
            Step::Taken
        );
        // Bob was dropped, or the alice holding it was an earlier account
        // of the name: stale, taken over.
        assert_eq!(
            step(Some(&owner("bob", 1)), &alice, Holder::Gone),
            Step::TakeOver
        );
        assert_eq!(
            step(Some(&owner("alice", 4)), &alice, Holder::Gone),
            Step::TakeOver
        );
    }

    #[test]
    fn a_key_its_account_has_not_listed_for_a_while_is_taken_over() {
        let alice = owner("alice", 5);
        let bob = owner("bob", 1);
        // Bob's CERT ADD claimed it a moment ago and is about to list it.
        assert_eq!(
            step(Some(&bob), &alice, Holder::Unlisted(false)),
            Step::Taken
        );
        // Bob deleted it and its key was never freed (his node stopped
        // before NATS came back): whoever adds it next gets it.
        assert_eq!(
            step(Some(&bob), &alice, Holder::Unlisted(true)),
            Step::TakeOver
        );
        // Bob adding it again is his claim as before.
        assert_eq!(step(Some(&bob), &bob, Holder::Unlisted(true)), Step::Held);
    }

    #[test]
    fn an_owner_round_trips() {
        let alice = owner("alice", 5);
        let bytes = encode(&alice).unwrap_or_default();
        let decoded: Result<CertOwner, _> = bucket::decode("certificate", &bytes);
        assert_eq!(decoded.ok(), Some(alice));
    }
}
