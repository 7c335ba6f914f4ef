//! The publisher task: sends the queue to NATS in order, channel events
//! into their room's stream (several in flight, stored in the order sent),
//! and keeps follows, nick claims and shared channel state in step.

use super::whispers_out::{WHISPERS_WAITING, WhisperQueue};
use crate::cluster::node::{ClusterNode, Parts};
use crate::cluster::shared_state::StateChange;
use crate::cluster::translate::{self, Outgoing};
use crate::cluster::wire;
use crate::hub::bus::{Published, Scope};
use crate::hub::event::Event;
use async_nats::jetstream::context::PublishAckFuture;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use tokio::sync::mpsc;

/// Tries of one publish while NATS is up, and the pause between them.
const SEND_ATTEMPTS: u32 = 10;
const SEND_RETRY: std::time::Duration = std::time::Duration::from_millis(200);

/// Acks awaited at once: how far the publisher may run ahead of the stream.
const ACKS_IN_FLIGHT: usize = 1024;

impl ClusterNode {
    /// Starts the task that sends the queue to NATS, in order.
    pub(crate) fn spawn_publisher(self: &Arc<Self>) {
        let Some(mut queue) = self
            .outbox
            .receiver
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        else {
            return;
        };
        let (acks, pending) = mpsc::channel(ACKS_IN_FLIGHT);
        self.tasks.spawn(check_acks(self.clone(), pending));
        let (whispers, waiting) = mpsc::channel(WHISPERS_WAITING);
        self.tasks.spawn(self.clone().send_whispers(waiting));
        let (writes, to_write) = mpsc::channel(crate::cluster::shared_state::WRITES_WAITING);
        let _ = self.writes.set(writes.clone());
        if let Some(parts) = self.parts.get() {
            let store = parts.channels.clone();
            self.tasks.spawn(self.clone().write_states(store, to_write));
        }
        let node = self.clone();
        self.tasks.spawn(async move {
            loop {
                let next = tokio::select! {
                    biased;
                    next = queue.recv() => next,
                    () = node.shutdown.cancelled() => None,
                };
                let Some((published, bytes)) = next else {
                    break;
                };
                node.outbox.queued.fetch_sub(bytes, Ordering::Relaxed);
                node.send_local(published, &acks, &whispers, &writes).await;
            }
            // Stopping: what the hub queued before (its users' quits) still goes.
            while let Ok((published, _)) = queue.try_recv() {
                node.send_local(published, &acks, &whispers, &writes).await;
            }
        });
    }

    /// Sends one locally routed event and keeps claims and follows in step.
    async fn send_local(
        self: &Arc<Self>,
        published: Published,
        acks: &mpsc::Sender<(PublishAckFuture, String)>,
        whispers: &WhisperQueue,
        writes: &mpsc::Sender<(String, StateChange)>,
    ) {
        let Some(parts) = self.parts.get() else {
            self.abandon_state_changes(&published);
            return;
        };
        self.queue_state_changes(&published, writes).await;
        self.track_nicks(&published.envelope.event).await;
        for outgoing in translate::outgoing(&published) {
            match outgoing {
                Outgoing::Room { room, event } => self.send_room(parts, room, event, acks).await,
                Outgoing::Whisper { to, event } => self.send_whisper(to, event, whispers).await,
            }
        }
        for room in left_rooms(&published) {
            self.unfollow_if_empty(&room);
        }
    }

    async fn send_room(
        self: &Arc<Self>,
        parts: &Parts,
        room: String,
        event: wire::Event,
        acks: &mpsc::Sender<(PublishAckFuture, String)>,
    ) {
        let joined = matches!(event, wire::Event::Join { .. });
        let msgid = match &event {
            wire::Event::Message { msgid, .. } => msgid.clone(),
            _ => crate::history::new_msgid(),
        };
        let envelope = wire::Envelope::new(&self.me.name, self.me.incarnation, event);
        match self
            .send_with_retries(parts, &room, &msgid, &envelope)
            .await
        {
            Ok(ack) if joined => {
                // Follow from our own join on: nothing said after it is missed.
                let after = match ack.await {
                    Ok(ack) => Some(ack.sequence),
                    Err(error) => {
                        crate::warn_throttled!(%error, "cluster: a join was not stored");
                        None
                    }
                };
                self.follow(&room, after);
            }
            Ok(ack) => {
                let _ = acks.send((ack, msgid)).await;
            }
            Err(error) => {
                crate::warn_throttled!(%error, %room, "cluster: an event was not shared with the other nodes");
                self.release_held(&msgid);
                if joined {
                    self.follow(&room, None);
                }
            }
        }
    }

    /// Sends into the room stream; while NATS is up but refuses (JetStream
    /// still starting after a restart), tries again a few times, in place,
    /// so the order holds. The msgid makes a repeat stored once.
    async fn send_with_retries(
        &self,
        parts: &Parts,
        room: &str,
        msgid: &str,
        envelope: &wire::Envelope,
    ) -> Result<PublishAckFuture, crate::cluster::ClusterError> {
        let mut attempt = 1;
        loop {
            match parts.rooms.send(room, msgid, envelope).await {
                Ok(ack) => return Ok(ack),
                Err(error)
                    if attempt < SEND_ATTEMPTS
                        && self.link.state() == crate::cluster::LinkState::Up =>
                {
                    tracing::debug!(%error, attempt, "cluster: publishing again");
                    attempt += 1;
                    tokio::time::sleep(SEND_RETRY).await;
                }
                Err(error) => return Err(error),
            }
        }
    }
}

/// The rooms a local user left with this event (part, kick, quit).
fn left_rooms(published: &Published) -> Vec<String> {
    match (&published.envelope.event, &published.scope) {
        (Event::Part { .. } | Event::Kick { .. }, Scope::Channel(room)) => vec![room.to_string()],
        (Event::Quit { .. }, Scope::Peers(rooms)) => rooms.iter().map(|r| r.to_string()).collect(),
        _ => Vec::new(),
    }
}

/// Logs publishes the stream did not confirm, in the order they were sent,
/// and delivers this node's messages among them here at once.
async fn check_acks(
    node: Arc<ClusterNode>,
    mut pending: mpsc::Receiver<(PublishAckFuture, String)>,
) {
    while let Some((ack, msgid)) = pending.recv().await {
        if let Err(error) = ack.await {
            crate::warn_throttled!(%error, "cluster: the room stream did not confirm an event; other nodes may miss it");
            node.release_held(&msgid);
        }
    }
}
