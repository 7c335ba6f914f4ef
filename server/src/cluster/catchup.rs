//! One history for the cluster: the room stream is the record, each node's
//! SQLite store a cache of it.
//!
//! Every channel message is stored once for the cluster, in the room stream
//! (it is the stream that orders it, see [`super::ordering`]). A node
//! records a room's messages while it follows the room (it has local members
//! there); for the time it did not, it **catches up**: when it starts
//! following a room it copies the room's stored messages it has not applied
//! yet (from the position in `room_sync`, schema version 6) up to where its
//! follower starts, into its store, then raises that position. The join
//! backlog and CHATHISTORY of a channel wait for that
//! ([`crate::hub::bus::Bus::history_ready`]), so they show the same
//! messages on every node, including what was said before this node had
//! anyone in the room. Copying is idempotent (msgids are unique in the
//! store), so a position lost in a crash only costs reading again.
//!
//! Every copy lists a room in the same order: history lists by server time,
//! and messages of one millisecond (said on different nodes, each node
//! storing its own first) by their stream sequence, which each node stores
//! with the message (`stream_seq`, schema version 7): at once for what it
//! copies, when it reads a message back for what it recorded as it was said
//! or delivered.
//!
//! What is not copied: whispers (never in the room stream: they stay in the
//! history of the node that carried them), TAGMSG (no history on one node
//! either), and membership events. Who may read a channel's history is
//! decided where it is read, by the same rules as on one node.

use super::ClusterError;
use super::node::{ClusterNode, Parts};
use super::translate::hub_source;
use super::wire::{self, Kind};
use crate::history::{Conversation, History, MessageKind, StoredMessage};
use futures::future::BoxFuture;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::watch;

/// Events read from the stream per consumer (and held in memory at once).
const PAGE: usize = 512;
/// How long one stream read may take before the catch-up gives up (NATS away).
const READ_PATIENCE: Duration = Duration::from_secs(10);

/// Which followed rooms this node has caught up with: a room is in the map
/// from the moment anyone waits for it or its follower starts, `true` once
/// its history is complete here up to where the follower took over.
#[derive(Debug, Default)]
pub(crate) struct CatchUps {
    rooms: Mutex<HashMap<String, watch::Sender<bool>>>,
}

impl CatchUps {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, watch::Sender<bool>>> {
        self.rooms.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits on `room`'s state (entered as "not yet" when unknown).
    fn watch(&self, room: &str) -> watch::Receiver<bool> {
        self.lock()
            .entry(room.to_string())
            .or_insert_with(|| watch::Sender::new(false))
            .subscribe()
    }

    /// Whether `room` has been caught up with.
    pub(crate) fn is_done(&self, room: &str) -> bool {
        self.lock().get(room).is_some_and(|state| *state.borrow())
    }

    /// `room` is caught up with (or given up on): its waiters go on.
    fn done(&self, room: &str) {
        self.lock()
            .entry(room.to_string())
            .or_insert_with(|| watch::Sender::new(false))
            .send_replace(true);
    }

    /// `room` is no longer followed: the next follower catches up again.
    /// Whether it had been caught up with.
    pub(crate) fn forget(&self, room: &str) -> bool {
        self.lock()
            .remove(room)
            .is_some_and(|state| *state.borrow())
    }
}

impl ClusterNode {
    /// Resolves once this node's history of `room` (folded) holds what the
    /// cluster recorded before this node followed it; at once when there is
    /// nothing to wait for (no history, NATS away, not part of the cluster
    /// yet).
    pub(crate) fn history_ready_for(&self, room: &str) -> BoxFuture<'static, ()> {
        let waiting = self.parts.get().is_some()
            && self.link.state() == super::LinkState::Up
            && self
                .context()
                .is_some_and(|context| context.history.is_some());
        if !waiting {
            return Box::pin(std::future::ready(()));
        }
        let mut state = self.catch_ups.watch(room);
        Box::pin(async move {
            let _ = state.wait_for(|done| *done).await;
        })
    }

    /// Copies what this node's history misses of `room` (folded), up to the
    /// stream sequence `through` (0: everything stored now), then lets the
    /// waiters go. Failures are logged: the history stays as it was.
    pub(crate) async fn catch_up(&self, parts: &Parts, room: &str, through: u64) {
        if let Some(history) = self.context().and_then(|context| context.history.clone()) {
            match copy_missed(parts, &history, room, through).await {
                Ok(0) => {}
                Ok(copied) => {
                    tracing::info!(%room, copied, "cluster: history caught up with the room stream");
                }
                Err(error) => {
                    crate::warn_throttled!(%error, %room, "cluster: could not catch up with a room's history");
                }
            }
        }
        self.catch_ups.done(room);
    }

    /// Stores the stream sequence of a room message this node recorded
    /// (said here, or delivered from another node), so its history lists
    /// the room in the cluster's order. Nothing for what history does not
    /// keep.
    pub(crate) async fn record_place(&self, room: &str, event: &wire::Event, sequence: u64) {
        let wire::Event::Message {
            msgid,
            kind: Kind::Privmsg | Kind::Notice,
            ..
        } = event
        else {
            return;
        };
        if let Some(history) = self.context().and_then(|context| context.history.clone()) {
            history.record_place(room, msgid, sequence).await;
        }
    }

    /// `room` (folded) is no longer followed, last delivered `last`: if its
    /// history was complete, remember how far (so the next catch-up starts
    /// there) once what was recorded is committed.
    pub(crate) fn stop_catching_up(&self, room: &str, last: u64) {
        let caught_up = self.catch_ups.forget(room);
        let history = self.context().and_then(|context| context.history.clone());
        let (Some(history), true, false) = (history, caught_up, last == 0) else {
            return;
        };
        let room = room.to_string();
        self.tasks.spawn(async move {
            if let Err(error) = history.raise_room_applied(&room, last).await {
                crate::warn_throttled!(%error, %room, "cluster: could not note how far a room's history is");
            }
        });
    }
}

impl ClusterNode {
    /// The texts of the messages the room stream holds for channel `name`
    /// (any case), oldest first: what a node catching up with it would copy
    /// (for tests and diagnostics; `None` when the stream cannot be read).
    pub async fn stream_history(&self, name: &str) -> Option<Vec<String>> {
        let (parts, room) = (self.parts.get()?, self.fold(name));
        let through = parts.rooms.last_in_room(&room).await.ok()?;
        let (mut pages, mut texts) = (StoredPages::new(&room, 0, through), Vec::new());
        while let Some(messages) = pages.next(parts).await.ok()? {
            texts.extend(messages.into_iter().map(|(message, _)| message.text));
        }
        Some(texts)
    }
}

/// The catch-up itself: returns how many messages were copied.
async fn copy_missed(
    parts: &Parts,
    history: &History,
    room: &str,
    through: u64,
) -> Result<usize, Box<dyn std::error::Error + Send + Sync>> {
    let applied = history.room_applied(room).await?;
    let through = match through {
        0 => parts.rooms.last_in_room(room).await?,
        through => through,
    };
    let (mut pages, mut copied) = (StoredPages::new(room, applied, through), 0);
    while let Some(messages) = pages.next(parts).await? {
        for (message, sequence) in messages {
            let msgid = message.msgid.clone();
            history.reserve().await.record(message);
            history.record_place(room, &msgid, sequence).await;
            copied += 1;
        }
    }
    if pages.after > applied {
        history.raise_room_applied(room, pages.after).await?;
    }
    Ok(copied)
}

/// A room's stored messages after one stream sequence up to another, read
/// a page of [`PAGE`] events at a time (so a long stream is never held
/// whole).
struct StoredPages<'a> {
    room: &'a str,
    /// The last sequence read.
    after: u64,
    through: u64,
}

impl<'a> StoredPages<'a> {
    fn new(room: &'a str, after: u64, through: u64) -> StoredPages<'a> {
        StoredPages {
            room,
            after,
            through,
        }
    }

    /// The messages of the next page with their stream sequences (`None`:
    /// all read up to `through`, or the stream held nothing more).
    async fn next(
        &mut self,
        parts: &Parts,
    ) -> Result<Option<Vec<(StoredMessage, u64)>>, ClusterError> {
        if self.after >= self.through {
            return Ok(None);
        }
        let (events, last) = parts
            .rooms
            .read_range(self.room, (self.after, self.through), PAGE, READ_PATIENCE)
            .await?;
        if last == self.after {
            // The stream holds nothing more: this page is the last.
            self.through = last;
        }
        self.after = last;
        Ok(Some(
            events
                .iter()
                .filter_map(|event| {
                    stored(self.room, &event.envelope.event)
                        .map(|message| (message, event.sequence))
                })
                .collect(),
        ))
    }
}

/// A room stream event as the store keeps it, for what history keeps.
fn stored(room: &str, event: &wire::Event) -> Option<StoredMessage> {
    let wire::Event::Message {
        channel,
        from,
        kind,
        text,
        msgid,
        time_ms,
        ..
    } = event
    else {
        return None;
    };
    let kind = match kind {
        Kind::Privmsg => MessageKind::Privmsg,
        Kind::Notice => MessageKind::Notice,
        Kind::Tagmsg => return None,
    };
    Some(StoredMessage {
        msgid: msgid.clone(),
        time: super::translate::hub_time(*time_ms),
        conversation: Conversation::channel(room),
        kind,
        source: hub_source(from, "").prefix(),
        target: channel.clone(),
        text: text.clone(),
    })
}
