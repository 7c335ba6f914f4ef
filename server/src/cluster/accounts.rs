//! Accounts across the cluster: one JetStream key-value bucket that every
//! node writes by compare-and-set and watches into its own
//! [`Accounts`](crate::accounts::Accounts).
//!
//! The key is the account name's confusable skeleton (which folds case
//! first), so one key holds a name, every spelling that folds to it and
//! every look-alike: creating it is `create`, which exactly one of any
//! number of nodes racing wins. The value is the [`AccountRecord`] (the
//! argon2id hash, never a password; creation time; certificates), or, once
//! dropped, a tombstone naming the dropped account, so a node that was away
//! does not publish it again from its cache, and the name can be taken
//! again by compare-and-set on the tombstone's revision.
//!
//! When a node joins it publishes the accounts of its own database that the
//! bucket lacks (a server that ran alone before joining keeps its users'
//! accounts); an account of the same name that is a different account
//! (other creation time) loses to the bucket's, with a warning naming both.
//! Then it watches the bucket: every account as it stands, then every change.

use super::node::ClusterNode;
use super::subject::{token, untoken};
use super::{ClusterError, Link, Subjects, bucket};
use crate::accounts::shared::RecordChange;
use crate::accounts::{AccountError, AccountRecord, Accounts, SharedAccounts};
use async_nats::jetstream::kv;
use futures::StreamExt;
use futures::future::BoxFuture;
use natter_protocol::{Casemapping, Skeleton};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;

/// Attempts before a write gives up on concurrent writers of one account.
const ATTEMPTS: u32 = 8;

/// How long to wait before trying again while NATS is away.
const RETRY: Duration = Duration::from_secs(1);

/// What one key of the bucket holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Slot {
    /// A registered account.
    Account(AccountRecord),
    /// The account that had this name was dropped.
    Dropped {
        /// Its name.
        name: String,
        /// When it was created (which account it was).
        created_ms: i64,
        /// When it was dropped, in Unix milliseconds.
        dropped_ms: i64,
    },
}

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
        Ok(AccountBucket { store })
    }

    /// The slot of the account named `name`, or of its look-alikes.
    pub async fn get(&self, name: &str) -> Result<Option<Slot>, ClusterError> {
        Ok(self.read(&key(name)).await?.map(|(slot, _)| slot))
    }

    /// Registers `record` unless its name or a look-alike is taken.
    pub async fn create_account(&self, record: &AccountRecord) -> Result<(), AccountError> {
        let key = key(&record.name);
        let value = encode(&Slot::Account(record.clone())).map_err(unreachable)?;
        for _ in 0..ATTEMPTS {
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
        for _ in 0..ATTEMPTS {
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
        for _ in 0..ATTEMPTS {
            let Some((Slot::Account(current), revision)) =
                self.read(&key).await.map_err(unreachable)?
            else {
                return Ok(());
            };
            if current.folded() != folded || current.created_ms != created_ms {
                return Ok(());
            }
            let tombstone = Slot::Dropped {
                name: current.name,
                created_ms,
                dropped_ms: chrono::Utc::now().timestamp_millis(),
            };
            let value = encode(&tombstone).map_err(unreachable)?;
            match self.store.update(&key, value, revision).await {
                Ok(_) => return Ok(()),
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
        let watch = self
            .store
            .watch_with_history(">")
            .await
            .map_err(|error| ClusterError::jetstream("watching accounts", error))?;
        Ok(watch
            .take_while(|entry| std::future::ready(entry.is_ok()))
            .filter_map(|entry| {
                let slot = entry.ok().and_then(|entry| {
                    if entry.operation != kv::Operation::Put {
                        return None;
                    }
                    match decode(&entry.value) {
                        Ok(slot) => Some(slot),
                        Err(error) => {
                            let key = untoken(&entry.key).unwrap_or(entry.key);
                            tracing::warn!(%key, %error, "cluster: unreadable account");
                            None
                        }
                    }
                });
                std::future::ready(slot)
            }))
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
}

impl ClusterNode {
    /// Makes this node's accounts the cluster's: changes go through the
    /// bucket from now on, this node's own accounts are published, and the
    /// bucket is watched into them (again after every outage).
    pub(crate) async fn share_accounts(self: Arc<Self>, bucket: AccountBucket) {
        let Some(accounts) = self.context().and_then(|context| context.accounts.clone()) else {
            return;
        };
        accounts.attach_shared(Arc::new(bucket.clone()));
        let mut pending = accounts.records();
        while !pending.is_empty() {
            pending = self.publish_accounts(&bucket, &accounts, pending).await;
            if !pending.is_empty() {
                tokio::select! {
                    () = self.shutdown.cancelled() => return,
                    () = tokio::time::sleep(RETRY) => {}
                }
            }
        }
        loop {
            match bucket.watch().await {
                Ok(slots) => {
                    let mut slots = std::pin::pin!(slots);
                    loop {
                        let next = tokio::select! {
                            () = self.shutdown.cancelled() => return,
                            next = slots.next() => next,
                        };
                        let Some(slot) = next else {
                            break;
                        };
                        self.apply_account(&accounts, slot).await;
                    }
                }
                Err(error) => {
                    crate::warn_throttled!(%error, "cluster: cannot watch the account bucket yet; retrying");
                }
            }
            tokio::select! {
                () = self.shutdown.cancelled() => return,
                () = tokio::time::sleep(RETRY) => {}
            }
        }
    }

    /// Publishes `records`; returns those that could not be (NATS away).
    async fn publish_accounts(
        &self,
        bucket: &AccountBucket,
        accounts: &Accounts,
        records: Vec<AccountRecord>,
    ) -> Vec<AccountRecord> {
        let mut failed = Vec::new();
        for record in records {
            let outcome = match bucket.was_dropped(&record).await {
                Ok(true) => Ok(Published::DroppedElsewhere),
                Ok(false) => bucket.publish(&record).await,
                Err(error) => Err(error),
            };
            match outcome {
                Ok(Published::Added) => {
                    tracing::info!(account = %record.name, "cluster: this node's account is now known to the whole cluster");
                }
                Ok(Published::Known) => {}
                Ok(Published::DroppedElsewhere) => {
                    self.account_dropped(accounts, &record.folded(), record.created_ms)
                        .await;
                }
                Ok(Published::Conflict(stored)) => {
                    tracing::warn!(
                        account = %record.name,
                        local_created_ms = record.created_ms,
                        cluster_account = %stored.name,
                        cluster_created_ms = stored.created_ms,
                        "cluster: this node's database has an account whose name (or a look-alike) the cluster gave to a different account first; the cluster's account is used here and this node's is removed from its cache"
                    );
                }
                Err(error) => {
                    crate::warn_throttled!(%error, "cluster: cannot publish this node's accounts yet; retrying");
                    failed.push(record);
                }
            }
        }
        failed
    }

    async fn apply_account(&self, accounts: &Accounts, slot: Slot) {
        match slot {
            Slot::Account(record) => {
                accounts.apply_shared(record).await;
            }
            Slot::Dropped {
                name, created_ms, ..
            } => {
                self.account_dropped(accounts, &Casemapping::Rfc8265.fold(&name), created_ms)
                    .await;
            }
        }
    }

    /// The account was dropped elsewhere: forget it, log out its users and
    /// take it off the channels it operated, as a local DROP does.
    async fn account_dropped(&self, accounts: &Accounts, folded: &str, created_ms: i64) {
        if !accounts.apply_dropped(folded, created_ms).await {
            return;
        }
        if let Some(context) = self.context() {
            context.hub.with(|hub| {
                hub.forget_operator_account(folded);
                hub.logout_account(folded)
            });
        }
    }
}

/// The key of `name`: its confusable skeleton, as a key token.
fn key(name: &str) -> String {
    token(Skeleton::of(name).as_str())
}

fn taken(record: &AccountRecord, other: AccountRecord) -> AccountError {
    if Casemapping::Rfc8265.eq(&other.name, &record.name) {
        AccountError::Exists(other.name)
    } else {
        AccountError::LooksLike(other.name)
    }
}

fn unreachable(error: impl std::fmt::Display) -> AccountError {
    AccountError::Unreachable(error.to_string())
}

fn contended() -> AccountError {
    AccountError::Unavailable("too many concurrent changes; try again".into())
}

fn encode(slot: &Slot) -> Result<bytes::Bytes, ClusterError> {
    bucket::encode("account", slot)
}

fn decode(bytes: &[u8]) -> Result<Slot, ClusterError> {
    bucket::decode("account", bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(name: &str, created_ms: i64) -> AccountRecord {
        AccountRecord {
            name: name.into(),
            created_ms,
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
            certs: vec![],
        }
    }

    #[test]
    fn a_name_its_case_variants_and_its_look_alikes_share_one_key() {
        assert_eq!(key("Alice"), key("alice"));
        assert_eq!(key("ALICE"), key("alice"));
        // Cyrillic а looks like Latin a.
        assert_eq!(key("\u{430}lice"), key("alice"));
        assert_eq!(key("a1ice"), key("alice"));
        assert_ne!(key("alicia"), key("alice"));
        assert!(untoken(&key("Alice")).is_some());
    }

    #[test]
    fn a_taken_name_says_whether_it_is_the_same_or_a_look_alike() {
        assert_eq!(
            taken(&record("ALICE", 1), record("alice", 2)),
            AccountError::Exists("alice".into())
        );
        assert_eq!(
            taken(&record("\u{430}lice", 1), record("alice", 2)),
            AccountError::LooksLike("alice".into())
        );
    }

    #[test]
    fn slots_round_trip_and_never_hold_a_password() {
        for slot in [
            Slot::Account(record("alice", 5)),
            Slot::Dropped {
                name: "alice".into(),
                created_ms: 5,
                dropped_ms: 9,
            },
        ] {
            let bytes = encode(&slot).unwrap_or_default();
            assert_eq!(decode(&bytes).ok(), Some(slot));
        }
        let bytes = encode(&Slot::Account(record("bob", 1))).unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("\"password_hash\":\"$argon2id$"), "{text}");
        assert!(decode(b"{\"account\":{}}").is_err());
    }

    #[test]
    fn an_account_is_the_same_account_by_folded_name_and_creation() {
        let mut changed = record("Alice", 5);
        changed.password_hash = "other".into();
        assert!(record("alice", 5).same_account(&changed));
        assert!(!record("alice", 5).same_account(&record("alice", 6)));
        assert!(!record("alice", 5).same_account(&record("alicia", 5)));
    }
}
