//! The hand-off from the hub to the writer thread: one buffer of packed
//! messages ([`Records`]) that both share, bounded in messages and in bytes.
//!
//! A sender reserves room before it takes the hub lock ([`Handoff::reserve`]
//! waits while the queue is full: backpressure); under the lock the hub
//! appends its message into that room ([`Handoff::record`]), which never
//! waits. The writer takes everything at once ([`Handoff::take`]) by swapping
//! in an empty buffer of its own. So a message costs its sender two short
//! uncontended locks and a copy of its text: no channel send, no semaphore
//! permit, no allocation made here and freed on the writer's thread (that
//! hand-off was a third of what history added to a whisper's worker CPU).
//!
//! The byte bound: a reservation holds one message's place, not bytes (the
//! message is only known under the lock), and no one reserves while the
//! queued bytes are at the bound. So the buffer exceeds `max_bytes` by at
//! most the messages reserved at that moment; a reservation is held only
//! from a sender's wait to its record under the hub lock, with no await in
//! between, i.e. one per worker thread at most, each a bounded line.
//!
//! The hub's path that must not wait skips the reservation's lock round
//! trip: it glances at whether there is room ([`Handoff::seems_to_have_room`],
//! one relaxed load of a flag every change of the counts updates under the
//! lock) and records uncounted. Between its glance and its record (under
//! the hub lock, no await) others may fill the queue, so both bounds may be
//! passed by one message per worker thread at most; a glance that finds the
//! queue full sends the sender to [`Handoff::reserve`], which waits.
//!
//! What must stay in order with the messages goes into the buffer too: room
//! stream sequences ([`Handoff::place`]) and channel histories to forget
//! ([`Handoff::forget`], which applies to the messages recorded before it
//! only). Durable records carry their reply; the writer answers once
//! everything taken with it is committed.

use super::batch::Placed;
use super::records::{Records, ToRecord};
use super::writer::Reply;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};
use tokio::sync::Notify;

/// What waits for the writer; [`Handoff::take`] hands it over whole.
#[derive(Debug, Default)]
pub(crate) struct Pending {
    /// The messages, in the order they were recorded.
    pub(crate) records: Records,
    /// The replies owed for durable records among them.
    pub(crate) durable: Vec<Reply>,
    /// Room stream sequences to store after the messages.
    pub(crate) places: Vec<Placed>,
    /// Channel histories to forget.
    pub(crate) forgets: Vec<Forget>,
}

impl Pending {
    fn is_empty(&self) -> bool {
        self.records.is_empty()
            && self.durable.is_empty()
            && self.places.is_empty()
            && self.forgets.is_empty()
    }
}

/// A channel whose history is deleted, with the queued messages recorded
/// before the request (the first `before` of [`Pending::records`]); those
/// recorded after it belong to the channel's next life.
#[derive(Debug)]
pub(crate) struct Forget {
    pub(crate) before: usize,
    pub(crate) folded: String,
    /// The cutoff `super::forget::Purging::start` returned.
    pub(crate) cutoff: i64,
}

/// Why a message was not queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refused {
    /// The writer has stopped.
    Closed,
}

#[derive(Debug, Default)]
struct State {
    pending: Pending,
    /// Places reserved and not yet filled (or given back).
    reserved: usize,
    /// The writer sleeps with nothing to do: the next record wakes it.
    writer_idle: bool,
    /// The writer was woken and has not taken since: no need to wake it again.
    woken: bool,
    /// Senders wait in [`Handoff::reserve`] for the writer to take.
    waiting: bool,
    /// The writer has stopped: nothing is queued any more.
    closed: bool,
    /// Every `History` handle is gone: the writer should stop.
    abandoned: bool,
}

/// The shared buffer and its bounds (see the module docs).
#[derive(Debug)]
pub(crate) struct Handoff {
    state: Mutex<State>,
    /// Whether the queue had room when its counts last changed (set under
    /// the lock, read without it: see the module docs).
    has_room: AtomicBool,
    /// Senders waiting for room.
    room: Notify,
    max_messages: usize,
    max_bytes: usize,
    /// Messages queued at which the writer is woken before its commit interval.
    wake_at: usize,
}

/// What the caller of [`Handoff::record`] must do next.
#[must_use = "wake the writer when asked to"]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Wake(pub(crate) bool);

impl Handoff {
    /// A hand-off holding at most `max_messages` messages (and places) and
    /// about `max_bytes` of them; the writer is woken early at `wake_at`.
    pub(crate) fn new(max_messages: usize, max_bytes: usize, wake_at: usize) -> Handoff {
        Handoff {
            state: Mutex::new(State::default()),
            has_room: AtomicBool::new(true),
            room: Notify::new(),
            max_messages: max_messages.max(1),
            max_bytes: max_bytes.max(1),
            wake_at: wake_at.max(1),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Nothing panics while holding it; a poisoned state is still consistent.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A place for one message if there is room now: `Some(true)` reserved,
    /// `Some(false)` when the writer has stopped (nothing to reserve: the
    /// record will be refused), `None` when full.
    pub(crate) fn try_reserve(&self) -> Option<bool> {
        let mut state = self.lock();
        if state.closed {
            return Some(false);
        }
        if self.is_full(&state) {
            state.waiting = true;
            return None;
        }
        state.reserved += 1;
        self.note_room(&state);
        Some(true)
    }

    /// Whether there was room for a message when the counts last changed:
    /// a glance without the lock, for the path that must not wait (see the
    /// module docs). Records made on its word are not counted in advance.
    pub(crate) fn seems_to_have_room(&self) -> bool {
        self.has_room.load(Ordering::Relaxed)
    }

    /// Whether the messages and places queued or reserved, or the bytes
    /// queued, are at their bound.
    fn is_full(&self, state: &State) -> bool {
        let queued = state.pending.records.len() + state.pending.places.len() + state.reserved;
        queued >= self.max_messages || state.pending.records.bytes() >= self.max_bytes
    }

    /// Publishes whether there is room, for [`seems_to_have_room`](Self::seems_to_have_room);
    /// called under the lock after every change of the counts.
    fn note_room(&self, state: &State) {
        self.has_room.store(!self.is_full(state), Ordering::Relaxed);
    }

    /// [`try_reserve`](Self::try_reserve), waiting for the writer to take
    /// what is queued while there is no room.
    pub(crate) async fn reserve(&self) -> bool {
        loop {
            let notified = self.room.notified();
            let mut notified = std::pin::pin!(notified);
            // Registered before looking, so a take in between is not missed.
            notified.as_mut().enable();
            if let Some(reserved) = self.try_reserve() {
                return reserved;
            }
            notified.await;
        }
    }

    /// Gives back a place reserved and not used.
    pub(crate) fn release(&self) {
        let mut state = self.lock();
        state.reserved = state.reserved.saturating_sub(1);
        self.note_room(&state);
        let waiting = std::mem::take(&mut state.waiting);
        drop(state);
        if waiting {
            self.room.notify_waiters();
        }
    }

    /// Appends `message` into a place reserved before (`reserved`: false
    /// when [`try_reserve`](Self::try_reserve) found the writer stopped);
    /// `durable` is answered once it is committed. Never waits.
    pub(crate) fn record(
        &self,
        reserved: bool,
        message: &ToRecord<'_>,
        durable: Option<Reply>,
    ) -> Result<Wake, Refused> {
        let mut state = self.fill_reserved(reserved)?;
        state.pending.records.push(message);
        self.note_room(&state);
        let urgent = durable.is_some();
        state.pending.durable.extend(durable);
        Ok(self.wake(&mut state, urgent))
    }

    /// The state, locked to fill a place: the reservation (if any) is used
    /// up, and nothing may be queued once the writer has stopped.
    fn fill_reserved(&self, reserved: bool) -> Result<MutexGuard<'_, State>, Refused> {
        let mut state = self.lock();
        if reserved {
            state.reserved = state.reserved.saturating_sub(1);
        }
        if state.closed {
            return Err(Refused::Closed);
        }
        Ok(state)
    }

    /// Queues a room stream sequence into a place reserved before.
    pub(crate) fn place(&self, reserved: bool, placed: Placed) -> Result<Wake, Refused> {
        let mut state = self.fill_reserved(reserved)?;
        state.pending.places.push(placed);
        self.note_room(&state);
        Ok(self.wake(&mut state, false))
    }

    /// Queues the deletion of the channel `folded`'s history, with its
    /// messages queued now but not those recorded later. Not bounded: one
    /// per channel that vanishes, a hub event, like a flush.
    pub(crate) fn forget(&self, folded: &str, cutoff: i64) -> Result<Wake, Refused> {
        let mut state = self.lock();
        if state.closed {
            return Err(Refused::Closed);
        }
        let before = state.pending.records.len();
        state.pending.forgets.push(Forget {
            before,
            folded: folded.to_owned(),
            cutoff,
        });
        Ok(self.wake(&mut state, true))
    }

    /// Whether the writer should be woken now (and it is then marked woken):
    /// it is idle, someone waits for a commit, or the queue is half full.
    fn wake(&self, state: &mut State, urgent: bool) -> Wake {
        let full = state.pending.records.len() + state.pending.places.len() >= self.wake_at
            || state.pending.records.bytes() >= self.max_bytes / 2;
        let wake = !state.woken && (urgent || state.writer_idle || full);
        state.woken |= wake;
        Wake(wake)
    }

    /// Messages queued or reserved, for metrics.
    pub(crate) fn depth(&self) -> usize {
        let state = self.lock();
        state.pending.records.len() + state.pending.places.len() + state.reserved
    }

    /// The writer: swaps everything queued into `into` (which must be
    /// empty; its buffers are reused for the next messages) and lets
    /// waiting senders go on. True when every handle is gone.
    pub(crate) fn take(&self, into: &mut Pending) -> bool {
        let mut state = self.lock();
        if !state.pending.is_empty() {
            std::mem::swap(&mut state.pending, into);
        }
        self.note_room(&state);
        state.woken = false;
        state.writer_idle = false;
        let (waiting, abandoned) = (std::mem::take(&mut state.waiting), state.abandoned);
        drop(state);
        if waiting {
            self.room.notify_waiters();
        }
        abandoned
    }

    /// The writer, about to sleep with nothing to do: false (don't sleep)
    /// if something was queued since it took; else the next record wakes it.
    pub(crate) fn idle(&self) -> bool {
        let mut state = self.lock();
        if !state.pending.is_empty() || state.abandoned {
            return false;
        }
        state.writer_idle = true;
        true
    }

    /// The writer has stopped: what is still queued is returned (for the
    /// writer to count as not saved) and later records are refused.
    pub(crate) fn close(&self) -> Pending {
        let mut state = self.lock();
        state.closed = true;
        let left = std::mem::take(&mut state.pending);
        self.note_room(&state);
        drop(state);
        self.room.notify_waiters();
        left
    }

    /// Every handle is gone: the writer stops once it has taken what is left.
    pub(crate) fn abandon(&self) {
        self.lock().abandoned = true;
    }
}

#[cfg(test)]
#[path = "handoff_tests.rs"]
mod tests;
