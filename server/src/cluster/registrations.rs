//! ChanServ registrations across the cluster: a channel registered on one
//! node is registered (protected, its founder and operator accounts opped,
//! its remembered settings restored) on every node.
//!
//! One JetStream key-value bucket, keyed by the folded channel name, holds
//! each registered channel's stored record (`crate::channels::ChannelRecord`:
//! founder, operator accounts, modes, key, limit, bans, topic), or a
//! tombstone once its registration is dropped. A registration is told
//! apart from a later one by its founder's account and the time it was
//! made. Every node:
//!
//! - writes its own changes of registered channels (told by the channel
//!   states' observer, the latest per channel, so the queue is bounded by
//!   the number of channels) by compare-and-set: a first registration is
//!   `create` (or an update of a tombstone), so of two founders registering
//!   one channel on two nodes at once exactly one wins, and the other node
//!   takes the winner's registration;
//! - watches the bucket into its channel states and, for channels live
//!   here, the hub's founder and operator accounts (never sent back);
//! - when it joins, publishes the registrations of its own database the
//!   bucket lacks, and takes the bucket's where they differ.

use super::node::ClusterNode;
use super::subject::{token, untoken};
use super::{ClusterError, Link, Subjects, bucket};
use crate::channels::{ChannelRecord, ChannelStates, Founder};
use async_nats::jetstream::kv;
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

/// Attempts before a write gives up on concurrent writers of one channel.
const ATTEMPTS: u32 = 8;

/// How long to wait before trying again while NATS is away.
const RETRY: Duration = Duration::from_secs(1);

/// What one key of the bucket holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Slot {
    /// A registered channel's record.
    Registered(Box<ChannelRecord>),
    /// Its registration was dropped.
    Dropped {
        /// The founder's account (folded).
        account: String,
        /// When that registration was made, in Unix milliseconds.
        registered_ms: i64,
    },
}

/// Whether two founders are the same registration.
fn same(a: &Founder, b: &Founder) -> bool {
    a.account == b.account && a.registered_ms == b.registered_ms
}

/// What this node wants the bucket to hold for one channel.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pending {
    /// A registration of it that was dropped here.
    pub dropped: Option<Founder>,
    /// Its registered record now (`None`: not registered here).
    pub record: Option<ChannelRecord>,
    /// Only add what the bucket lacks (a node's own records when it joins):
    /// never overwrite the cluster's newer settings with older ones.
    pub only_if_missing: bool,
}

impl Pending {
    /// Folds one more change (`old` to `new`) into what is pending.
    pub fn change(&mut self, old: Option<&ChannelRecord>, new: Option<&ChannelRecord>) {
        match new.filter(|record| record.is_registered()) {
            Some(record) => self.record = Some(record.clone()),
            None => {
                if self.dropped.is_none() {
                    self.dropped = old.and_then(|record| record.founder.clone());
                }
                self.record = None;
            }
        }
        self.only_if_missing = false;
    }
}

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
        for _ in 0..ATTEMPTS {
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
        for _ in 0..ATTEMPTS {
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
        let watch = self
            .store
            .watch_with_history(">")
            .await
            .map_err(|error| ClusterError::jetstream("watching registrations", error))?;
        Ok(watch
            .take_while(|entry| std::future::ready(entry.is_ok()))
            .filter_map(|entry| {
                let slot = entry.ok().and_then(|entry| {
                    let folded = untoken(&entry.key)?;
                    if entry.operation != kv::Operation::Put {
                        return None;
                    }
                    match decode(&entry.value) {
                        Ok(slot) => Some((folded, slot)),
                        Err(error) => {
                            tracing::warn!(channel = %folded, %error, "cluster: unreadable registration");
                            None
                        }
                    }
                });
                std::future::ready(slot)
            }))
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

/// This node's changes waiting to be written, the latest per channel.
#[derive(Debug, Default)]
struct Queue {
    pending: Mutex<HashMap<String, Pending>>,
    more: Notify,
}

impl Queue {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Pending>> {
        self.pending.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn change(&self, folded: &str, old: Option<&ChannelRecord>, new: Option<&ChannelRecord>) {
        self.lock()
            .entry(folded.to_owned())
            .or_default()
            .change(old, new);
        self.more.notify_one();
    }

    /// Puts back what could not be written, unless changed meanwhile.
    fn retry(&self, folded: String, pending: Pending) {
        self.lock().entry(folded).or_insert(pending);
    }
}

impl ClusterNode {
    /// Shares this node's ChanServ registrations with the cluster: its own
    /// are published, its changes written, everyone's watched into it.
    pub(crate) async fn share_registrations(self: Arc<Self>, bucket: RegistrationBucket) {
        let Some(states) = self
            .context()
            .and_then(|context| context.history.as_ref().map(|h| h.channel_states().clone()))
        else {
            return;
        };
        let queue = Arc::new(Queue::default());
        let observed = Arc::clone(&queue);
        states.observe(Box::new(move |folded, old, new| {
            observed.change(folded, old, new);
        }));
        {
            let mut pending = queue.lock();
            for (folded, record) in states.all() {
                if record.is_registered() && !pending.contains_key(&folded) {
                    let own = Pending {
                        dropped: None,
                        record: Some(record),
                        only_if_missing: true,
                    };
                    pending.insert(folded, own);
                }
            }
        }
        self.tasks.spawn(
            self.clone()
                .write_registrations(bucket.clone(), Arc::clone(&queue)),
        );
        self.watch_registrations(bucket, &states).await;
    }

    /// Writes what is queued until the node stops.
    async fn write_registrations(self: Arc<Self>, bucket: RegistrationBucket, queue: Arc<Queue>) {
        loop {
            let batch = std::mem::take(&mut *queue.lock());
            let mut failed = false;
            for (folded, pending) in batch {
                match bucket.write(&folded, &pending).await {
                    Ok(Outcome::Written) => {}
                    Ok(Outcome::Take(record)) => {
                        if let Some(mine) = &pending.record
                            && record.as_ref().is_some_and(|r| r.founder != mine.founder)
                        {
                            tracing::warn!(channel = %folded, "cluster: the channel was registered on another node first; that registration holds here too");
                        }
                        self.adopt_registration(&folded, record.map(|record| *record));
                    }
                    Err(error) => {
                        crate::warn_throttled!(%error, "cluster: cannot share a channel registration yet; retrying");
                        queue.retry(folded, pending);
                        failed = true;
                    }
                }
            }
            if failed {
                tokio::select! {
                    () = self.shutdown.cancelled() => return,
                    () = tokio::time::sleep(RETRY) => {}
                }
            } else {
                tokio::select! {
                    () = self.shutdown.cancelled() => return,
                    () = queue.more.notified() => {}
                }
            }
        }
    }

    /// Keeps this node's registrations the bucket's (again after outages).
    async fn watch_registrations(&self, bucket: RegistrationBucket, states: &ChannelStates) {
        loop {
            match bucket.watch().await {
                Ok(slots) => {
                    let mut slots = std::pin::pin!(slots);
                    loop {
                        let next = tokio::select! {
                            () = self.shutdown.cancelled() => return,
                            next = slots.next() => next,
                        };
                        let Some((folded, slot)) = next else {
                            break;
                        };
                        if let Some(record) = wanted(states.get(&folded), slot) {
                            self.adopt_registration(&folded, record);
                        }
                    }
                }
                Err(error) => {
                    crate::warn_throttled!(%error, "cluster: cannot watch the registration bucket yet; retrying");
                }
            }
            tokio::select! {
                () = self.shutdown.cancelled() => return,
                () = tokio::time::sleep(RETRY) => {}
            }
        }
    }

    fn adopt_registration(&self, folded: &str, record: Option<ChannelRecord>) {
        if let Some(context) = self.context() {
            context
                .hub
                .with(|hub| hub.adopt_registration(folded, record));
        }
    }
}

/// What this node should take for a channel it holds as `local` when the
/// bucket says `slot` (`None`: nothing to do; `Some(None)`: unregistered).
pub fn wanted(local: Option<ChannelRecord>, slot: Slot) -> Option<Option<ChannelRecord>> {
    match slot {
        Slot::Registered(record) => (local.as_ref() != Some(&*record)).then_some(Some(*record)),
        Slot::Dropped {
            account,
            registered_ms,
        } => {
            let founder = local.as_ref().and_then(|record| record.founder.as_ref())?;
            (founder.account == account && founder.registered_ms == registered_ms).then_some(None)
        }
    }
}

fn contended() -> ClusterError {
    ClusterError::Contended {
        what: "writing a channel registration",
        attempts: ATTEMPTS,
    }
}

fn encode(slot: &Slot) -> Result<bytes::Bytes, ClusterError> {
    bucket::encode("channel registration", slot)
}

fn decode(bytes: &[u8]) -> Result<Slot, ClusterError> {
    bucket::decode("channel registration", bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registered(account: &str, registered_ms: i64) -> ChannelRecord {
        ChannelRecord {
            name: "#reg".into(),
            flags: "nt".into(),
            founder: Some(Founder {
                account: account.into(),
                name: account.into(),
                registered_ms,
            }),
            operators: [account.to_string()].into(),
            ..ChannelRecord::default()
        }
    }

    #[test]
    fn pending_keeps_the_latest_record_and_the_first_dropped_registration() {
        let mut pending = Pending {
            only_if_missing: true,
            ..Pending::default()
        };
        let first = registered("alice", 1);
        pending.change(None, Some(&first));
        assert_eq!(pending.record, Some(first.clone()));
        assert!(!pending.only_if_missing);
        let mut unregistered = first.clone();
        unregistered.founder = None;
        pending.change(Some(&first), Some(&unregistered));
        assert_eq!(pending.record, None);
        assert_eq!(pending.dropped, first.founder);
        // Registered again by bob: the drop of alice's stays to be written first.
        let second = registered("bob", 2);
        pending.change(Some(&unregistered), Some(&second));
        assert_eq!(pending.dropped, first.founder);
        assert_eq!(pending.record, Some(second));
    }

    #[test]
    fn a_node_takes_newer_records_and_only_drops_of_its_own_registration() {
        let mine = registered("alice", 1);
        assert_eq!(
            wanted(Some(mine.clone()), Slot::Registered(Box::new(mine.clone()))),
            None
        );
        let mut keyed = mine.clone();
        keyed.key = Some("sesame".into());
        assert_eq!(
            wanted(
                Some(mine.clone()),
                Slot::Registered(Box::new(keyed.clone()))
            ),
            Some(Some(keyed))
        );
        let drop_of = |account: &str, registered_ms| Slot::Dropped {
            account: account.into(),
            registered_ms,
        };
        assert_eq!(wanted(Some(mine.clone()), drop_of("alice", 1)), Some(None));
        assert_eq!(wanted(Some(mine.clone()), drop_of("alice", 0)), None);
        assert_eq!(wanted(Some(mine), drop_of("bob", 1)), None);
        assert_eq!(wanted(None, drop_of("alice", 1)), None);
    }

    #[test]
    fn slots_round_trip() {
        for slot in [
            Slot::Registered(Box::new(registered("alice", 1))),
            Slot::Dropped {
                account: "alice".into(),
                registered_ms: 1,
            },
        ] {
            let bytes = encode(&slot).unwrap_or_default();
            assert_eq!(decode(&bytes).ok(), Some(slot));
        }
    }
}
