//! From the hub to NATS: the node as the hub's [`Bus`] and [`Directory`].
//!
//! [`Bus::publish`] is called under the hub's locks, so it only queues: the
//! queue is bounded in bytes ([`MAX_QUEUED_BYTES`]); past that, events are
//! not shared with other nodes (logged, counted) rather than holding up
//! local users. One publisher task sends the queue in order: channel events
//! into their room's stream (several in flight, stored in the order sent),
//! whispers to their recipient's user subject. A local user joining a room
//! this node did not follow makes the node follow it from that join on; the
//! last local member leaving stops that.

use super::held::Held;
use super::node::{ClusterNode, Parts};
use super::shared_state::StateChange;
use super::translate::{self, Outgoing};
use super::wire;
use crate::hub::Folded;
use crate::hub::bus::{Bus, Directory, Published, RemoteUser, Scope};
use crate::hub::client::ClientId;
use crate::hub::event::Event;
use crate::hub::shared::SharedChannel;
use async_nats::jetstream::context::PublishAckFuture;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;

/// Most bytes of events waiting to be sent to NATS. A node cut off from
/// NATS sends nothing and a stalled publisher could otherwise take all
/// memory; 16 MiB is tens of thousands of messages.
const MAX_QUEUED_BYTES: usize = 16 * 1024 * 1024;

/// Tries of one publish while NATS is up, and the pause between them.
const SEND_ATTEMPTS: u32 = 10;
const SEND_RETRY: std::time::Duration = std::time::Duration::from_millis(200);

/// Acks awaited at once: how far the publisher may run ahead of the stream.
const ACKS_IN_FLIGHT: usize = 1024;

/// Whispers waiting for their own sender task (each awaits its
/// acknowledgement, so they do not hold up the rooms).
const WHISPERS_WAITING: usize = 1024;

/// Whispers on their way to the whisper task: recipient (folded) and envelope.
type WhisperQueue = mpsc::Sender<(String, wire::Envelope)>;

/// The queue between the hub and the publisher task.
#[derive(Debug)]
pub(crate) struct Outbox {
    sender: mpsc::UnboundedSender<(Published, usize)>,
    receiver: Mutex<Option<mpsc::UnboundedReceiver<(Published, usize)>>>,
    queued: AtomicUsize,
}

impl Outbox {
    pub(crate) fn new() -> Outbox {
        let (sender, receiver) = mpsc::unbounded_channel();
        Outbox {
            sender,
            receiver: Mutex::new(Some(receiver)),
            queued: AtomicUsize::new(0),
        }
    }

    /// Stops taking events (the node is stopping).
    pub(crate) fn close(&self) {
        self.queued.store(usize::MAX / 2, Ordering::Relaxed);
    }
}

/// Roughly how many bytes an event holds.
fn weight(published: &Published) -> usize {
    let text = match &published.envelope.event {
        Event::Message { text, .. } => text.len(),
        _ => 0,
    };
    256 + text
}

impl Bus for ClusterNode {
    fn publish(&self, published: Published) {
        if let (
            Event::Kick {
                channel, victim, ..
            },
            Scope::Channel(_),
        ) = (&published.envelope.event, &published.scope)
        {
            // A member of another node kicked from here is gone at once
            // for this node's queries (its own node takes it out).
            self.roster().kick(channel, victim);
        }
        self.enqueue(published);
    }

    fn publish_ordered(&self, published: Published, sender: ClientId) -> bool {
        let (Scope::Channel(room), Event::Message { msgid, .. }) =
            (&published.scope, &published.envelope.event)
        else {
            self.enqueue(published);
            return false;
        };
        let msgid = msgid.clone();
        let held = Held {
            sender,
            room: room.clone(),
            envelope: Arc::clone(&published.envelope),
        };
        // Held only when the room's follower will surely read it back.
        let held = self.link.state() == super::LinkState::Up
            && self
                .followed()
                .get(&**room)
                .is_some_and(|follow| follow.last.load(Ordering::Relaxed) != 0)
            && self.held().hold(msgid.clone(), held);
        if !self.enqueue(published) {
            if held {
                self.held().take(&msgid);
            }
            return false;
        }
        held
    }

    fn history_ready(&self, channel: &Folded) -> futures::future::BoxFuture<'static, ()> {
        self.history_ready_for(channel)
    }

    fn members_ready(&self, channel: &Folded) -> futures::future::BoxFuture<'static, ()> {
        self.members_ready_for(channel)
    }
}

impl ClusterNode {
    /// Queues an event for the publisher; false when it was not queued.
    fn enqueue(&self, published: Published) -> bool {
        let shared = self.begin_state_changes(&published);
        let queued = self.enqueue_counted(published.clone());
        if !queued && shared > 0 {
            self.abandon_state_changes(&published);
        }
        queued
    }

    fn enqueue_counted(&self, published: Published) -> bool {
        let bytes = weight(&published);
        let before = self.outbox.queued.fetch_add(bytes, Ordering::Relaxed);
        if before + bytes > MAX_QUEUED_BYTES {
            self.outbox.queued.fetch_sub(bytes, Ordering::Relaxed);
            crate::warn_throttled!(
                "cluster: too much waiting to be sent to NATS; an event was not shared with the other nodes"
            );
            return false;
        }
        if self.outbox.sender.send((published, bytes)).is_err() {
            self.outbox.queued.fetch_sub(bytes, Ordering::Relaxed);
            return false;
        }
        true
    }

    /// Delivers a held message of this node now, if it still is held: the
    /// stream refused it, so it will not come back with a place.
    pub(crate) fn release_held(&self, msgid: &str) {
        let Some(held) = self.held().take(msgid) else {
            return;
        };
        if let Some(context) = self.context() {
            context
                .hub
                .deliver_ordered(&held.room, held.envelope, held.sender);
        }
    }
}

fn remote(user: &super::roster::RemoteUser) -> RemoteUser {
    let member = &user.member;
    RemoteUser {
        nick: member.member.nick.clone(),
        user: member.member.user.clone(),
        host: member.member.host.clone(),
        realname: member.realname.clone(),
        account: member.member.account.clone(),
        away: member.away.clone(),
        node: user.node.name.clone(),
        channels: user
            .channels
            .iter()
            .map(|channel| Folded::from_folded(channel.clone()))
            .collect(),
    }
}

impl Directory for ClusterNode {
    fn remote_user(&self, folded_nick: &str) -> Option<RemoteUser> {
        if let Some(user) = self.roster().user(folded_nick) {
            return Some(remote(user));
        }
        // Sharing no room with this node: only the nick and node are known.
        let directory = self.directory();
        let owner = directory.remote_owner(folded_nick, &self.me)?;
        Some(RemoteUser {
            nick: owner.nick.clone(),
            user: "*".to_string(),
            host: "*".to_string(),
            realname: String::new(),
            account: None,
            away: None,
            node: owner.node.name.clone(),
            channels: Vec::new(),
        })
    }

    fn remote_members(&self, folded_channel: &str) -> Vec<RemoteUser> {
        self.roster()
            .members(folded_channel)
            .into_iter()
            .map(remote)
            .collect()
    }

    fn remote_user_count(&self) -> usize {
        let sharing = self.roster().len();
        sharing.max(self.directory().remote_count(&self.me))
    }

    fn shared_channel(&self, folded_channel: &str) -> Option<SharedChannel> {
        self.shared_record(folded_channel)
    }

    fn reaches(&self, _node: &str) -> bool {
        self.link.state() == super::LinkState::Up
    }
}

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
        let (writes, to_write) = mpsc::channel(super::shared_state::WRITES_WAITING);
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
    ) -> Result<PublishAckFuture, super::ClusterError> {
        let mut attempt = 1;
        loop {
            match parts.rooms.send(room, msgid, envelope).await {
                Ok(ack) => return Ok(ack),
                Err(error)
                    if attempt < SEND_ATTEMPTS && self.link.state() == super::LinkState::Up =>
                {
                    tracing::debug!(%error, attempt, "cluster: publishing again");
                    attempt += 1;
                    tokio::time::sleep(SEND_RETRY).await;
                }
                Err(error) => return Err(error),
            }
        }
    }

    async fn send_whisper(&self, to: String, event: wire::Event, whispers: &WhisperQueue) {
        // A whisper between two users of this node is already delivered.
        let local = self
            .context()
            .is_some_and(|context| context.hub.read(|hub| hub.client_by_nick(&to).is_some()));
        if local {
            return;
        }
        let envelope = wire::Envelope::new(&self.me.name, self.me.incarnation, event);
        let _ = whispers.send((to, envelope)).await;
    }

    /// Sends whispers one after the other (so one sender's whispers keep
    /// their order), each until the recipient's node acknowledged it.
    async fn send_whispers(self: Arc<Self>, mut waiting: mpsc::Receiver<(String, wire::Envelope)>) {
        while let Some((to, envelope)) = waiting.recv().await {
            let Some(parts) = self.parts.get() else {
                continue;
            };
            if let Err(error) = parts.whispers.send(&to, &envelope).await {
                crate::warn_throttled!(%error, "cluster: a whisper could not be delivered to another node");
                self.tell_undelivered(&envelope.event);
            }
        }
    }
}

impl ClusterNode {
    /// A whisper (PRIVMSG) or invitation of a local user did not reach the
    /// recipient's node (it did not acknowledge in time: cut off, or NATS
    /// went away while it was sent): the sender is told, so nothing is lost
    /// silently. NOTICEs and TAGMSGs get no answer, as in IRC.
    fn tell_undelivered(&self, event: &wire::Event) {
        let (from, to) = match event {
            wire::Event::Whisper {
                from,
                to,
                kind: wire::Kind::Privmsg,
                ..
            } => (from, to),
            wire::Event::Invite { by, to, .. } => (by, to),
            _ => return,
        };
        let Some(context) = self.context() else {
            return;
        };
        let server = context.server_name().to_string();
        let text = crate::hub::unreachable_text(to);
        context
            .hub
            .with(|hub| hub.notice_nick(&server, &from.nick, &text));
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
