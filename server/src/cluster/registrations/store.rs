//! The registration bucket itself: compare-and-set writes of one channel's
//! registration (or its drop) and the watch every node follows.

use super::pending::Pending;
use super::slot::{Slot, encode, same};
use crate::channels::{ChannelRecord, Founder};
use crate::cluster::contention::Backoff;
use crate::cluster::subject::token;
use crate::cluster::{ClusterError, Link, Subjects, bucket};
use async_nats::jetstream::kv;
use futures::StreamExt;
use std::time::Duration;

/// Attempts before a write gives up on concurrent writers of one channel,
/// each after a jittered pause ([`Backoff`]).
const ATTEMPTS: u32 = 8;

/// What writing found the bucket to hold instead, for this node to take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The bucket holds what this node wanted.
    Written,
    /// The bucket holds another registration, or says this one was dropped:
    /// take that (`None`: not registered).
    Take(Option<Box<ChannelRecord>>),
}

/// The registration bucket as seen from one node.
#[derive(Debug, Clone)]
pub struct RegistrationBucket {
    store: kv::Store,
}

impl RegistrationBucket {
    /// Opens (or creates) the registration bucket.
    pub async fn open(
        link: &Link,
        subjects: &Subjects,
        replicas: usize,
    ) -> Result<RegistrationBucket, ClusterError> {
        let store = bucket::open(
            link.jetstream(),
            &subjects.registration_bucket(),
            "natterd ChanServ registrations",
            Duration::ZERO,
            replicas,
        )
        .await?;
        Ok(RegistrationBucket { store })
    }

    /// What the bucket holds for the channel `folded`.
    pub async fn get(&self, folded: &str) -> Result<Option<Slot>, ClusterError> {
        Ok(self.read(&token(folded)).await?.map(|(slot, _)| slot))
    }

    /// Makes the bucket hold what `pending` says of `folded`, by
    /// compare-and-set; a registration by someone else wins.
    pub async fn write(&self, folded: &str, pending: &Pending) -> Result<Outcome, ClusterError> {
        let key = token(folded);
        if let Some(dropped) = &pending.dropped {
            self.write_drop(&key, dropped).await?;
        }
        match &pending.record {
            Some(record) => {
                self.write_record(&key, record, pending.only_if_missing)
                    .await
            }
            None => Ok(Outcome::Written),
        }
    }

    async fn write_drop(&self, key: &str, dropped: &Founder) -> Result<(), ClusterError> {
        let mut backoff = Backoff::new(ATTEMPTS);
        while backoff.next_attempt().await {
            let Some((Slot::Registered(current), revision)) = self.read(key).await? else {
                return Ok(());
            };
            if !current.founder.as_ref().is_some_and(|f| same(f, dropped)) {
                return Ok(());
            }
            let tombstone = Slot::Dropped {
                account: dropped.account.clone(),
                registered_ms: dropped.registered_ms,
            };
            match self.store.update(key, encode(&tombstone)?, revision).await {
                Ok(_) => return Ok(()),
                Err(error) if bucket::lost_race(&error) => continue,
                Err(error) => {
                    return Err(ClusterError::jetstream("dropping a registration", error));
                }
            }
        }
        Err(contended())
    }

    async fn write_record(
        &self,
        key: &str,
        record: &ChannelRecord,
        only_if_missing: bool,
    ) -> Result<Outcome, ClusterError> {
        let Some(founder) = &record.founder else {
            return Ok(Outcome::Written);
        };
        let value = encode(&Slot::Registered(Box::new(record.clone())))?;
        let mut backoff = Backoff::new(ATTEMPTS);
        while backoff.next_attempt().await {
            let written = match self.read(key).await? {
                None => match self.store.create(key, value.clone()).await {
                    Ok(revision) => Ok(revision),
                    Err(error) if bucket::exists(&error) => continue,
                    Err(error) => {
                        return Err(ClusterError::jetstream("registering a channel", error));
                    }
                },
                Some((
                    Slot::Dropped {
                        account,
                        registered_ms,
                    },
                    _,
                )) if account == founder.account && registered_ms == founder.registered_ms => {
                    // Dropped on another node: this node's copy is stale.
                    return Ok(Outcome::Take(None));
                }
                Some((Slot::Dropped { .. }, revision)) => {
                    self.store.update(key, value.clone(), revision).await
                }
                Some((Slot::Registered(current), revision)) => {
                    let ours = current.founder.as_ref().is_some_and(|f| same(f, founder));
                    if !ours {
                        return Ok(Outcome::Take(Some(current)));
                    }
                    if *current == *record {
                        return Ok(Outcome::Written);
                    }
                    if only_if_missing {
                        return Ok(Outcome::Take(Some(current)));
                    }
                    self.store.update(key, value.clone(), revision).await
                }
            };
            match written {
                Ok(_) => return Ok(Outcome::Written),
                Err(error) if bucket::lost_race(&error) => continue,
                Err(error) => return Err(ClusterError::jetstream("registering a channel", error)),
            }
        }
        Err(contended())
    }

    /// Every channel's slot as it stands, then every change, until the
    /// watch ends or fails. Unreadable values are logged and skipped.
    pub async fn watch(
        &self,
    ) -> Result<impl futures::Stream<Item = (String, Slot)> + Send + use<>, ClusterError> {
        let slots = bucket::watch(
            &self.store,
            "watching registrations",
            "channel registration",
        )
        .await?;
        Ok(slots.filter_map(|seen| std::future::ready(seen.value.map(|slot| (seen.key, slot)))))
    }

    async fn read(&self, key: &str) -> Result<Option<(Slot, u64)>, ClusterError> {
        bucket::read(
            &self.store,
            key,
            "reading a registration",
            "channel registration",
        )
        .await
    }
}

fn contended() -> ClusterError {
    ClusterError::Contended {
        what: "writing a channel registration",
        attempts: ATTEMPTS,
    }
}
