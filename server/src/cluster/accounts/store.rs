//! The account bucket itself: compare-and-set writes of one account, the
//! publishing of a node's own accounts, and the watch every node follows.

use super::certs::{CertClaim, CertOwner};
use super::slot::{Slot, contended, encode, key, taken, unreachable};
use crate::accounts::shared::RecordChange;
use crate::accounts::{AccountError, AccountRecord, SharedAccounts};
use crate::cluster::contention::Backoff;
use crate::cluster::{ClusterError, Link, Subjects, bucket};
use async_nats::jetstream::kv;
use futures::StreamExt;
use futures::future::BoxFuture;
use natter_protocol::Casemapping;
use std::time::Duration;

/// Attempts before a write gives up on concurrent writers of one account,
/// each after a jittered pause ([`Backoff`]; about a quarter second in all
/// at most): one account written from several nodes at once (its user's
/// sessions on each, an operator) take turns instead of colliding again.
const ATTEMPTS: u32 = 8;

/// What publishing a node's own account found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Published {
    /// The bucket has it now (it lacked it, or held only a tombstone of another account).
    Added,
    /// The bucket has this account already (perhaps changed since).
    Known,
    /// This account was dropped on another node while this one was away.
    DroppedElsewhere,
    /// The bucket holds a different account of this name or a look-alike.
    Conflict(AccountRecord),
}

/// The account bucket as seen from one node.
#[derive(Debug, Clone)]
pub struct AccountBucket {
    store: kv::Store,
    /// The certificate bucket (see `certs`).
    pub(super) certs: kv::Store,
    /// How long a certificate's key may name an account that does not
    /// list it before it is taken over ([`super::certs::UNLISTED_GRACE`]).
    pub(super) unlisted_grace: Duration,
}

impl AccountBucket {
    /// Opens (or creates) the account bucket.
    pub async fn open(
        link: &Link,
        subjects: &Subjects,
        replicas: usize,
    ) -> Result<AccountBucket, ClusterError> {
        let store = bucket::open(
            link.jetstream(),
            &subjects.account_bucket(),
            "natterd accounts",
            Duration::ZERO,
            replicas,
        )
        .await?;
        let certs = bucket::open(
            link.jetstream(),
            &subjects.cert_bucket(),
            "natterd client certificates",
            Duration::ZERO,
            replicas,
        )
        .await?;
        Ok(AccountBucket {
            store,
            certs,
            unlisted_grace: super::certs::UNLISTED_GRACE,
        })
    }

    /// The same bucket with a shorter grace for unlisted certificate keys,
    /// for tests that cannot wait minutes.
    #[cfg(test)]
    pub(crate) fn with_unlisted_grace(mut self, grace: Duration) -> AccountBucket {
        self.unlisted_grace = grace;
        self
    }

    /// The slot of the account named `name`, or of its look-alikes.
    pub async fn get(&self, name: &str) -> Result<Option<Slot>, ClusterError> {
        Ok(self.read(&key(name)).await?.map(|(slot, _)| slot))
    }

    /// Registers `record` unless its name or a look-alike is taken.
    pub async fn create_account(&self, record: &AccountRecord) -> Result<(), AccountError> {
        let key = key(&record.name);
        let value = encode(&Slot::Account(record.clone())).map_err(unreachable)?;
        let mut backoff = Backoff::new(ATTEMPTS);
        while backoff.next_attempt().await {
            let written = match self.read(&key).await.map_err(unreachable)? {
                Some((Slot::Account(other), _)) => return Err(taken(record, other)),
                Some((Slot::Dropped { .. }, revision)) => {
                    self.store.update(&key, value.clone(), revision).await
                }
                None => match self.store.create(&key, value.clone()).await {
                    Ok(revision) => Ok(revision),
                    Err(error) if bucket::exists(&error) => continue,
                    Err(error) => return Err(unreachable(error)),
                },
            };
            match written {
                Ok(_) => return Ok(()),
                Err(error) if bucket::lost_race(&error) => continue,
                Err(error) => return Err(unreachable(error)),
            }
        }
        Err(contended())
    }

    /// Applies `change` to the account `folded` at the revision read.
    pub async fn update_account(
        &self,
        folded: &str,
        change: RecordChange<'_>,
    ) -> Result<AccountRecord, AccountError> {
        let key = key(folded);
        let mut backoff = Backoff::new(ATTEMPTS);
        while backoff.next_attempt().await {
            let Some((Slot::Account(current), revision)) =
                self.read(&key).await.map_err(unreachable)?
            else {
                return Err(AccountError::Gone);
            };
            if current.folded() != folded {
                return Err(AccountError::Gone);
            }
            let mut next = current;
            change(&mut next)?;
            let value = encode(&Slot::Account(next.clone())).map_err(unreachable)?;
            match self.store.update(&key, value, revision).await {
                Ok(_) => return Ok(next),
                Err(error) if bucket::lost_race(&error) => continue,
                Err(error) => return Err(unreachable(error)),
            }
        }
        Err(contended())
    }

    /// Replaces the account `folded` created at `created_ms` by a tombstone.
    pub async fn drop_stored(&self, folded: &str, created_ms: i64) -> Result<(), AccountError> {
        let key = key(folded);
        let mut backoff = Backoff::new(ATTEMPTS);
        while backoff.next_attempt().await {
            let Some((Slot::Account(current), revision)) =
                self.read(&key).await.map_err(unreachable)?
            else {
                return Ok(());
            };
            if current.folded() != folded || current.created_ms != created_ms {
                return Ok(());
            }
            let certs = current.certs;
            let tombstone = Slot::Dropped {
                name: current.name,
                created_ms,
                dropped_ms: chrono::Utc::now().timestamp_millis(),
            };
            let value = encode(&tombstone).map_err(unreachable)?;
            match self.store.update(&key, value, revision).await {
                Ok(_) => {
                    self.release_certs_of(folded, &certs).await;
                    return Ok(());
                }
                Err(error) if bucket::lost_race(&error) => continue,
                Err(error) => return Err(unreachable(error)),
            }
        }
        Err(contended())
    }

    /// Publishes an account of this node's own database (see the module).
    pub async fn publish(&self, record: &AccountRecord) -> Result<Published, ClusterError> {
        match self.create_account(record).await {
            Ok(()) => return Ok(Published::Added),
            Err(AccountError::Exists(_) | AccountError::LooksLike(_)) => {}
            Err(error) => return Err(ClusterError::jetstream("publishing an account", error)),
        }
        Ok(match self.get(&record.name).await? {
            Some(Slot::Account(stored)) if stored.same_account(record) => Published::Known,
            Some(Slot::Account(stored)) => Published::Conflict(stored),
            // Dropped between our two reads, or never there: try next time.
            Some(Slot::Dropped { .. }) | None => Published::Known,
        })
    }

    /// Whether the bucket's tombstone for `record`'s name is of `record`
    /// itself (dropped on another node while this one was away).
    pub async fn was_dropped(&self, record: &AccountRecord) -> Result<bool, ClusterError> {
        Ok(matches!(
            self.get(&record.name).await?,
            Some(Slot::Dropped { name, created_ms, .. })
                if created_ms == record.created_ms
                    && Casemapping::Rfc8265.eq(&name, &record.name)
        ))
    }

    /// Every slot as it stands, then every change, until the watch ends or
    /// fails. Unreadable values are logged and skipped.
    pub async fn watch(
        &self,
    ) -> Result<impl futures::Stream<Item = Slot> + Send + use<>, ClusterError> {
        let slots = bucket::watch(&self.store, "watching accounts", "account").await?;
        Ok(slots.filter_map(|seen| std::future::ready(seen.value)))
    }

    async fn read(&self, key: &str) -> Result<Option<(Slot, u64)>, ClusterError> {
        bucket::read(&self.store, key, "reading an account", "account").await
    }
}

impl SharedAccounts for AccountBucket {
    fn create<'a>(&'a self, record: &'a AccountRecord) -> BoxFuture<'a, Result<(), AccountError>> {
        Box::pin(self.create_account(record))
    }

    fn update<'a>(
        &'a self,
        folded: &'a str,
        change: RecordChange<'a>,
    ) -> BoxFuture<'a, Result<AccountRecord, AccountError>> {
        Box::pin(self.update_account(folded, change))
    }

    fn drop_account<'a>(
        &'a self,
        folded: &'a str,
        created_ms: i64,
    ) -> BoxFuture<'a, Result<(), AccountError>> {
        Box::pin(self.drop_stored(folded, created_ms))
    }

    fn claim_cert<'a>(
        &'a self,
        hex: &'a str,
        folded: &'a str,
        created_ms: i64,
    ) -> BoxFuture<'a, Result<bool, AccountError>> {
        Box::pin(async move {
            let owner = CertOwner {
                account: folded.to_owned(),
                created_ms,
            };
            Ok(self.claim_certificate(hex, &owner).await? == CertClaim::Claimed)
        })
    }

    fn release_cert<'a>(
        &'a self,
        hex: &'a str,
        folded: &'a str,
    ) -> BoxFuture<'a, Result<(), AccountError>> {
        Box::pin(self.release_certificate(hex, folded))
    }
}
