//! The writer task: this node's channel changes into the bucket, oldest
//! first, each by compare-and-set onto the record as it is then.
//!
//! A change NATS cannot take (the link is down, or JetStream fails) stays
//! at the front of the [`Backlog`], still pending for its channel (so no
//! record without it is given to the hub meanwhile), and is tried again
//! when the link is up: at once after an outage, then after a pause that
//! doubles while JetStream keeps failing (it may still be starting). Only
//! a change that can never be written (the record is unreadable, or others
//! kept winning every compare-and-set) is given up, and the hub then shows
//! the record. So a node's changes made while NATS was away reach every
//! node when it is back, in the order they were made.

use super::StateChange;
use super::backlog::{Backlog, MAX_BACKLOG_BYTES};
use super::convert::snapshot;
use super::next::next_record;
use super::watch::apply;
use crate::cluster::channels::{Change, ChannelStore};
use crate::cluster::node::ClusterNode;
use crate::cluster::{ClusterError, LinkState};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// First pause before trying an unwritten change again while the link is
/// up; it doubles up to [`RETRY_MAX`] while JetStream keeps failing.
const RETRY_FIRST: Duration = Duration::from_millis(250);
/// Longest pause between tries while the link is up.
const RETRY_MAX: Duration = Duration::from_secs(5);

/// How one try of a change went.
enum Outcome {
    /// Written, or given up for good: next.
    Done,
    /// NATS could not take it (`None`: the link is down): keep it.
    Later(Option<ClusterError>),
}

impl ClusterNode {
    /// Writes queued changes oldest first, each by compare-and-set, then
    /// gives the hub the record in force; keeps what NATS cannot take yet.
    pub(crate) async fn write_states(
        self: Arc<Self>,
        store: ChannelStore,
        mut writes: mpsc::Receiver<(String, StateChange)>,
    ) {
        let mut backlog = Backlog::new(MAX_BACKLOG_BYTES);
        let mut pause = RETRY_FIRST;
        loop {
            if backlog.is_empty() {
                let next = tokio::select! {
                    biased;
                    next = writes.recv() => next,
                    // Stopping: what is queued (its users leaving) still goes.
                    () = self.shutdown.cancelled() => writes.try_recv().ok(),
                };
                let Some((room, change)) = next else {
                    return;
                };
                self.keep(&mut backlog, room, change);
            }
            while let Ok((room, change)) = writes.try_recv() {
                self.keep(&mut backlog, room, change);
            }
            let Some((room, change)) = backlog
                .front()
                .map(|(room, change)| (room.to_string(), change.clone()))
            else {
                continue;
            };
            let outcome = if self.link.state() == LinkState::Up {
                self.write_one(&store, &room, &change).await
            } else {
                Outcome::Later(None)
            };
            let Outcome::Later(error) = outcome else {
                backlog.pop();
                pause = RETRY_FIRST;
                continue;
            };
            if self.shutdown.is_cancelled() {
                self.give_up(&mut backlog, &mut writes);
                return;
            }
            if let Some(error) = error {
                crate::warn_throttled!(%error, %room, waiting = backlog.len(), "cluster: channel changes cannot be written yet; kept to write when NATS takes them");
            }
            let down = self.link.state() != LinkState::Up;
            if down {
                pause = RETRY_FIRST;
            }
            let wait = if down { Duration::ZERO } else { pause };
            if !self.wait_to_retry(&mut writes, &mut backlog, wait).await {
                self.give_up(&mut backlog, &mut writes);
                return;
            }
            if !down {
                pause = (pause * 2).min(RETRY_MAX);
            }
        }
    }

    /// Adds a change to the backlog; changes dropped to keep it bounded are
    /// no longer pending (the record is read again after the outage).
    fn keep(&self, backlog: &mut Backlog, room: String, change: StateChange) {
        for dropped in backlog.push(room, change) {
            crate::warn_throttled!(room = %dropped, "cluster: too many channel changes waiting for NATS; the oldest was dropped and this node follows the channel's record when NATS is back");
            let _ = self.shared().finish(&dropped);
        }
    }

    /// Waits `pause`, then for the link to be up, taking new changes into
    /// the backlog meanwhile; false when the node is stopping.
    async fn wait_to_retry(
        &self,
        writes: &mut mpsc::Receiver<(String, StateChange)>,
        backlog: &mut Backlog,
        pause: Duration,
    ) -> bool {
        let mut state = self.link.watch();
        let ready = async move {
            tokio::time::sleep(pause).await;
            let _ = state.wait_for(|state| *state == LinkState::Up).await;
        };
        let mut ready = std::pin::pin!(ready);
        let mut open = true;
        loop {
            tokio::select! {
                biased;
                () = self.shutdown.cancelled() => return false,
                () = &mut ready => return true,
                next = writes.recv(), if open => match next {
                    Some((room, change)) => self.keep(backlog, room, change),
                    None => open = false,
                },
            }
        }
    }

    /// Stopping with changes NATS did not take: they are lost with the
    /// node (logged), and no longer pending.
    fn give_up(&self, backlog: &mut Backlog, writes: &mut mpsc::Receiver<(String, StateChange)>) {
        while let Ok((room, change)) = writes.try_recv() {
            self.keep(backlog, room, change);
        }
        if !backlog.is_empty() {
            tracing::warn!(
                changes = backlog.len(),
                "cluster: stopping with channel changes NATS did not take; other nodes keep the records as they are"
            );
        }
        while let Some((room, _)) = backlog.pop() {
            let _ = self.shared().finish(&room);
        }
    }

    /// Tries to write one change of `room` by compare-and-set and gives the
    /// hub the record in force, unless NATS could not take it.
    async fn write_one(&self, store: &ChannelStore, room: &str, change: &StateChange) -> Outcome {
        let Some(context) = self.context() else {
            let _ = self.shared().finish(room);
            return Outcome::Done;
        };
        let local = context.hub.read(|hub| snapshot(hub, room, &self.me.name));
        let fold = |text: &str| self.fold(text);
        let last = self.last_before_end(room, change, local.is_some()).await;
        let mut ended = None;
        let written = store
            .update(room, |current| {
                let next = next_record(current, change, local.as_ref(), &self.me.name, &fold);
                // Deleted, or no node with members left (nodes counted dead).
                ended = match &next {
                    Change::Delete => current.cloned(),
                    Change::Write(next) if next.nodes.is_empty() => {
                        current.filter(|current| !current.nodes.is_empty()).cloned()
                    }
                    _ => None,
                };
                next
            })
            .await;
        if let (Ok(_), Some(ended), Some(last)) = (&written, &ended, last) {
            self.purge_ended(room, ended, last).await;
        }
        let applied = {
            let mut shared = self.shared();
            match written {
                Ok(Some((record, revision))) => {
                    let _ = shared.learn(room, revision, Some(record));
                }
                Ok(None) => {}
                Err(error @ ClusterError::JetStream { .. }) => return Outcome::Later(Some(error)),
                Err(error) => {
                    crate::warn_throttled!(%error, %room, "cluster: a channel change cannot be shared; this node shows the channel's record instead");
                }
            }
            shared.finish(room)
        };
        apply(&context, room, applied);
        Outcome::Done
    }
}
