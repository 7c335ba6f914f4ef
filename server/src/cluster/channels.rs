//! Each channel's shared state (modes, topic, bans, operators), kept in a
//! JetStream key-value bucket and changed only by compare-and-set.
//!
//! A change is a function from the current record to the next one:
//! [`ChannelStore::update`] reads the record and its revision, applies the
//! function, and writes at that revision. If another node wrote first, the
//! write is refused and the function runs again on the newer record. So
//! concurrent `MODE +m` on one node and `MODE +t` on another end with both
//! set on every node, never with one lost, and all nodes agree on the
//! record because there is only one. Members are not in the record: each
//! node announces its own (see `wire::Event::Roster`).

use super::contention::{ATTEMPTS, Backoff};
use super::subject::token;
use super::{ClusterError, Link, Subjects, bucket};
use async_nats::jetstream::kv;
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// A channel's modes, as the cluster stores them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ModesRecord {
    /// +n.
    pub no_external: bool,
    /// +t.
    pub topic_lock: bool,
    /// +s.
    pub secret: bool,
    /// +i.
    pub invite_only: bool,
    /// +m.
    pub moderated: bool,
    /// +k.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// +l.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<usize>,
}

/// A topic and who set it when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopicRecord {
    /// The text.
    pub text: String,
    /// `nick!user@host` of who set it.
    pub setter: String,
    /// When, milliseconds since the Unix epoch.
    pub time_ms: i64,
}

/// A ban mask and who set it when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BanRecord {
    /// `nick!user@host` mask.
    pub mask: String,
    /// Who set it.
    pub setter: String,
    /// When, milliseconds since the Unix epoch.
    pub time_ms: i64,
}

/// A member's privileges, stored by folded nick.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PrivilegeRecord {
    /// +o.
    pub op: bool,
    /// +v.
    pub voice: bool,
}

/// Everything about a channel that all nodes must agree on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ChannelRecord {
    /// The name as first created.
    pub name: String,
    /// When it was created, milliseconds since the Unix epoch.
    pub created_ms: i64,
    /// Its modes.
    pub modes: ModesRecord,
    /// Its topic, if set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub topic: Option<TopicRecord>,
    /// Its bans, in the order set.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub bans: Vec<BanRecord>,
    /// Folded nick -> privileges, for members that have any.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub privileges: BTreeMap<String, PrivilegeRecord>,
    /// Folded nicks invited since they last joined.
    #[serde(skip_serializing_if = "BTreeSet::is_empty")]
    pub invited: BTreeSet<String>,
    /// The nodes (by name) with members in it: when the last one leaves,
    /// the channel ends everywhere.
    pub nodes: BTreeSet<String>,
    /// `nick!user@host` of whoever made the latest change of its modes or
    /// topic (the source of the lines other nodes show for it).
    pub changed_by: String,
    /// Node name -> its members' privileges, kept since the others counted
    /// that node's run dead, for its return (see `cluster::suspended`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub suspended: BTreeMap<String, super::suspended::SuspendedRecord>,
}

/// What an update function decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Write this record.
    Write(Box<ChannelRecord>),
    /// Delete the channel (its last member anywhere left).
    Delete,
    /// Leave it as it is (the change is refused or makes no difference).
    Keep,
}

/// The channel bucket as seen from one node.
#[derive(Debug, Clone)]
pub struct ChannelStore {
    store: kv::Store,
}

impl ChannelStore {
    /// Opens (or creates) the channel bucket.
    pub async fn open(
        link: &Link,
        subjects: &Subjects,
        replicas: usize,
    ) -> Result<ChannelStore, ClusterError> {
        let store = bucket::open(
            link.jetstream(),
            &subjects.channel_bucket(),
            "natterd channel state",
            std::time::Duration::ZERO,
            replicas,
        )
        .await?;
        Ok(ChannelStore { store })
    }

    /// The record of `folded`, if the channel exists.
    pub async fn get(&self, folded: &str) -> Result<Option<ChannelRecord>, ClusterError> {
        Ok(self.read(&token(folded)).await?.map(|(record, _)| record))
    }

    /// Applies `change` to the current record (`None`: no such channel)
    /// until it is written without anyone writing in between; returns the
    /// record in force afterwards and its revision. `change` may run
    /// several times: it must only compute. After each lost race it waits
    /// a random, growing pause (`contention`), so many nodes changing one
    /// channel at once take turns instead of colliding again.
    pub async fn update(
        &self,
        folded: &str,
        mut change: impl FnMut(Option<&ChannelRecord>) -> Change,
    ) -> Result<Option<(ChannelRecord, u64)>, ClusterError> {
        let key = token(folded);
        let mut backoff = Backoff::new(ATTEMPTS);
        while backoff.next_attempt().await {
            let current = self.read(&key).await?;
            let record = current.as_ref().map(|(record, _)| record);
            let revision = current.as_ref().map(|(_, revision)| *revision);
            let written = match (change(record), revision) {
                (Change::Keep, _) => return Ok(current),
                (Change::Delete, None) => return Ok(None),
                (Change::Delete, Some(revision)) => self
                    .store
                    .delete_expect_revision(&key, Some(revision))
                    .await
                    .map(|()| None),
                (Change::Write(next), None) => {
                    match self.store.create(&key, encode(&next)?).await {
                        Ok(revision) => Ok(Some((*next, revision))),
                        Err(error) if bucket::exists(&error) => continue,
                        Err(error) => {
                            return Err(ClusterError::jetstream("creating a channel", error));
                        }
                    }
                }
                (Change::Write(next), Some(revision)) => self
                    .store
                    .update(&key, encode(&next)?, revision)
                    .await
                    .map(|revision| Some((*next, revision))),
            };
            match written {
                Ok(record) => return Ok(record),
                Err(error) if bucket::lost_race(&error) => continue,
                Err(error) => return Err(ClusterError::jetstream("updating a channel", error)),
            }
        }
        Err(ClusterError::Contended {
            what: "updating a channel",
            attempts: ATTEMPTS,
        })
    }

    /// Every record (folded channel, revision, record) as it stands, then
    /// every change (`None`: the channel ended), until the watch ends
    /// or fails. Unreadable records are logged and skipped.
    pub async fn watch(
        &self,
    ) -> Result<
        impl futures::Stream<Item = (String, u64, Option<ChannelRecord>)> + Send + use<>,
        ClusterError,
    > {
        let records = bucket::watch(&self.store, "watching channels", "channel record").await?;
        Ok(records.map(|seen| (seen.key, seen.revision, seen.value)))
    }

    async fn read(&self, key: &str) -> Result<Option<(ChannelRecord, u64)>, ClusterError> {
        bucket::read(&self.store, key, "reading a channel", "channel record").await
    }
}

fn encode(record: &ChannelRecord) -> Result<bytes::Bytes, ClusterError> {
    bucket::encode("channel record", record)
}
