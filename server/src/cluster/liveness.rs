//! Which nodes are alive: every node writes a heartbeat into a key-value
//! bucket whose entries expire after `node_timeout`.
//!
//! The bucket is the authority. A node that stops writing (killed, cut off
//! from NATS) has no entry once `node_timeout` has passed since its last
//! heartbeat, whoever looks and whenever they start, so "is node X alive?"
//! needs no history of having watched it ([`Liveness::is_alive`], which nick
//! arbitration uses). A node stopping cleanly deletes its entry at once.
//! [`Liveness::watch`] turns the bucket into [`NodeChange`]s for the layer
//! that shows remote users quitting.
//!
//! Bound: a dead node is reported down at most `node_timeout + heartbeat`
//! after its last heartbeat (the entry expires after `node_timeout`; the
//! watcher checks every `heartbeat`).

use super::{ClusterError, Link, NodeId, Subjects, bucket};
use async_nats::jetstream::kv::{self, Operation};
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// A node's heartbeat value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Heartbeat {
    incarnation: u64,
    /// When this run started, milliseconds since the Unix epoch.
    started_ms: i64,
}

/// A node came or went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeChange {
    /// A node (another run of it, if the name was known) is alive.
    Up(NodeId),
    /// A node stopped, timed out, or was replaced by a new run of itself.
    Down(NodeId),
}

/// What one heartbeat found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Beat {
    /// Our entry was there and is refreshed.
    Refreshed,
    /// Our entry had expired (NATS was out of reach for longer than
    /// `node_timeout`, so the others counted us dead): it is written anew,
    /// and this node must claim its nicks and announce its members again.
    Rejoined,
}

/// This node's heartbeat and its view of the others.
#[derive(Debug, Clone)]
pub struct Liveness {
    store: kv::Store,
    me: NodeId,
    started_ms: i64,
    heartbeat: Duration,
    timeout: Duration,
    /// The revision of our last heartbeat, for compare-and-set.
    revision: Arc<Mutex<Option<u64>>>,
}

impl Liveness {
    /// Opens (or creates) the node bucket and writes the first heartbeat.
    pub async fn start(
        link: &Link,
        subjects: &Subjects,
        me: NodeId,
        heartbeat: Duration,
        timeout: Duration,
        replicas: usize,
    ) -> Result<Liveness, ClusterError> {
        let store = bucket::open(
            link.jetstream(),
            &subjects.node_bucket(),
            "natterd node heartbeats",
            timeout,
            replicas,
        )
        .await?;
        let liveness = Liveness {
            store,
            me,
            started_ms: chrono::Utc::now().timestamp_millis(),
            heartbeat,
            timeout,
            revision: Arc::new(Mutex::new(None)),
        };
        liveness.beat().await?;
        Ok(liveness)
    }

    /// This node.
    pub fn me(&self) -> &NodeId {
        &self.me
    }

    fn key(&self) -> String {
        super::subject::token(&self.me.name)
    }

    fn value(&self) -> Result<bytes::Bytes, ClusterError> {
        let heartbeat = Heartbeat {
            incarnation: self.me.incarnation,
            started_ms: self.started_ms,
        };
        serde_json::to_vec(&heartbeat)
            .map(bytes::Bytes::from)
            .map_err(|error| ClusterError::Corrupt {
                what: "heartbeat",
                reason: error.to_string(),
            })
    }

    fn remember(&self, revision: Option<u64>) {
        *self.revision.lock().unwrap_or_else(|p| p.into_inner()) = revision;
    }

    /// Writes one heartbeat (compare-and-set on our last one, so another
    /// process using our node name is noticed and logged).
    pub async fn beat(&self) -> Result<Beat, ClusterError> {
        let key = self.key();
        let value = self.value()?;
        let last = *self.revision.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(revision) = last {
            match self.store.update(&key, value.clone(), revision).await {
                Ok(revision) => {
                    self.remember(Some(revision));
                    return Ok(Beat::Refreshed);
                }
                Err(error) if bucket::lost_race(&error) => {}
                Err(error) => return Err(ClusterError::jetstream("heartbeat", error)),
            }
        }
        // First beat, or our entry changed under us: see what is there.
        let entry = bucket::value(&self.store, &key)
            .await
            .map_err(|error| ClusterError::jetstream("heartbeat", error))?;
        if let Some(entry) = &entry
            && let Ok(other) = serde_json::from_slice::<Heartbeat>(&entry.value)
            && other.incarnation != self.me.incarnation
            && last.is_some()
        {
            tracing::error!(
                node = %self.me.name,
                "cluster: another natterd is running with this node name; give every node its own [cluster] node"
            );
        }
        let revision = self
            .store
            .put(&key, value)
            .await
            .map_err(|error| ClusterError::jetstream("heartbeat", error))?;
        self.remember(Some(revision));
        Ok(if last.is_some() && entry.is_none() {
            Beat::Rejoined
        } else {
            Beat::Refreshed
        })
    }

    /// Deletes our entry: the others see this node leave now.
    pub async fn leave(&self) -> Result<(), ClusterError> {
        self.remember(None);
        self.store
            .delete(self.key())
            .await
            .map_err(|error| ClusterError::jetstream("leaving", error))
    }

    /// Whether `node` (that very run of it) is alive, read from the bucket.
    pub async fn is_alive(&self, node: &NodeId) -> Result<bool, ClusterError> {
        if *node == self.me {
            return Ok(true);
        }
        let entry = bucket::value(&self.store, &super::subject::token(&node.name))
            .await
            .map_err(|error| ClusterError::jetstream("reading a heartbeat", error))?;
        Ok(entry
            .and_then(|entry| serde_json::from_slice::<Heartbeat>(&entry.value).ok())
            .is_some_and(|beat| beat.incarnation == node.incarnation))
    }

    /// Every node alive now, this one included. The listing is bounded by
    /// `node_timeout`: async-nats' key listing can wait forever when entries
    /// expire while it runs (seen against nats-server 2.9), and a caller
    /// must get an error rather than hang.
    pub async fn alive(&self) -> Result<Vec<NodeId>, ClusterError> {
        tokio::time::timeout(self.timeout, self.list_alive())
            .await
            .map_err(|_| {
                ClusterError::jetstream("listing nodes", "no answer within node_timeout")
            })?
    }

    async fn list_alive(&self) -> Result<Vec<NodeId>, ClusterError> {
        let mut nodes = Vec::new();
        for key in bucket::keys(&self.store, "listing nodes").await? {
            let entry = self
                .store
                .entry(&key)
                .await
                .map_err(|error| ClusterError::jetstream("reading a heartbeat", error))?;
            if let Some(node) = entry.as_ref().and_then(node_of) {
                nodes.push(node);
            }
        }
        nodes.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(nodes)
    }

    /// Beats every `heartbeat` until `shutdown`; then deletes our entry.
    /// `rejoined` hears each [`Beat::Rejoined`]. Failures (NATS down) are
    /// retried on the next tick; the link has already said NATS is gone.
    pub async fn run(self, rejoined: mpsc::Sender<()>, shutdown: CancellationToken) {
        let mut ticker = tokio::time::interval(self.heartbeat);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = ticker.tick() => {}
            }
            match self.beat().await {
                Ok(Beat::Refreshed) => {}
                Ok(Beat::Rejoined) => {
                    tracing::info!(node = %self.me.name, "cluster: back after the others counted this node dead; announcing again");
                    let _ = rejoined.try_send(());
                }
                Err(error) => tracing::debug!(%error, "cluster: heartbeat failed"),
            }
        }
        if let Err(error) = self.leave().await {
            tracing::debug!(%error, "cluster: could not say goodbye");
        }
    }

    /// Other nodes coming and going: first an `Up` for each node alive now,
    /// then changes as they happen, until `shutdown`. Channel bounded: a
    /// receiver that falls far behind makes the watcher wait.
    pub fn watch(&self, shutdown: CancellationToken) -> mpsc::Receiver<NodeChange> {
        let (sender, receiver) = mpsc::channel(256);
        tokio::spawn(watch(self.clone(), sender, shutdown));
        receiver
    }
}

/// The node an entry describes, if it is a live heartbeat.
fn node_of(entry: &kv::Entry) -> Option<NodeId> {
    if entry.operation != Operation::Put {
        return None;
    }
    let name = super::subject::untoken(&entry.key)?;
    let beat: Heartbeat = serde_json::from_slice(&entry.value).ok()?;
    Some(NodeId {
        name,
        incarnation: beat.incarnation,
    })
}

/// Known nodes: name -> (run, when its last heartbeat was written).
type Seen = HashMap<String, (NodeId, Instant)>;

async fn watch(liveness: Liveness, sender: mpsc::Sender<NodeChange>, shutdown: CancellationToken) {
    let mut seen = Seen::new();
    let mut expiry = tokio::time::interval(liveness.heartbeat);
    expiry.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        // Heartbeats keep expiring while the watch is being set up again:
        // a node cut off from NATS must still count the others dead after
        // `node_timeout` (its watch ends with the link, and subscribing
        // anew fails until the link is back).
        let subscribing = subscribe(&liveness, &shutdown);
        tokio::pin!(subscribing);
        let mut entries = loop {
            tokio::select! {
                subscribed = &mut subscribing => match subscribed {
                    Some(entries) => break entries,
                    None => return,
                },
                _ = expiry.tick() => {
                    if !send_all(&sender, expire(&mut seen, liveness.timeout)).await { return; }
                }
            }
        };
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = expiry.tick() => {
                    if !send_all(&sender, expire(&mut seen, liveness.timeout)).await { return; }
                }
                entry = entries.next() => {
                    let Some(Ok(entry)) = entry else { break };
                    if !send_all(&sender, apply(&mut seen, &liveness.me, &entry)).await { return; }
                }
            }
        }
    }
}

/// A watch of every heartbeat, retried every heartbeat until it is set up;
/// `None` once `shutdown` is cancelled.
async fn subscribe(liveness: &Liveness, shutdown: &CancellationToken) -> Option<kv::Watch> {
    loop {
        // Every live node's last heartbeat first (a plain watch would only
        // show nodes as they next beat, so a node cut off right after it
        // started could never count them dead), then each change.
        match liveness.store.watch_with_history(">").await {
            Ok(entries) => return Some(entries),
            Err(error) => {
                tracing::debug!(%error, "cluster: cannot watch heartbeats yet");
                tokio::select! {
                    _ = shutdown.cancelled() => return None,
                    _ = tokio::time::sleep(liveness.heartbeat) => {}
                }
            }
        }
    }
}

/// Hands `changes` to the watcher's receiver; false once it is gone.
async fn send_all(sender: &mpsc::Sender<NodeChange>, changes: Vec<NodeChange>) -> bool {
    for change in changes {
        if sender.send(change).await.is_err() {
            return false;
        }
    }
    true
}

/// How a heartbeat entry changes what we know.
fn apply(seen: &mut Seen, me: &NodeId, entry: &kv::Entry) -> Vec<NodeChange> {
    let Some(name) = super::subject::untoken(&entry.key) else {
        return Vec::new();
    };
    if name == me.name {
        return Vec::new();
    }
    let mut changes = Vec::new();
    match node_of(entry) {
        Some(node) => {
            // Age of the heartbeat by the server's clock, so an old entry
            // delivered at start expires on time.
            let written = std::time::SystemTime::from(entry.created);
            let age = written.elapsed().unwrap_or_default();
            let at = Instant::now().checked_sub(age).unwrap_or_else(Instant::now);
            match seen.insert(name, (node.clone(), at)) {
                Some((previous, _)) if previous == node => {}
                Some((previous, _)) => {
                    changes.push(NodeChange::Down(previous));
                    changes.push(NodeChange::Up(node));
                }
                None => changes.push(NodeChange::Up(node)),
            }
        }
        None => {
            if let Some((previous, _)) = seen.remove(&name) {
                changes.push(NodeChange::Down(previous));
            }
        }
    }
    changes
}

/// Nodes whose last heartbeat is older than `timeout`.
fn expire(seen: &mut Seen, timeout: Duration) -> Vec<NodeChange> {
    let now = Instant::now();
    let dead: Vec<String> = seen
        .iter()
        .filter(|(_, (_, at))| now.saturating_duration_since(*at) > timeout)
        .map(|(name, _)| name.clone())
        .collect();
    dead.into_iter()
        .filter_map(|name| seen.remove(&name))
        .map(|(node, _)| NodeChange::Down(node))
        .collect()
}
