//! When the run loop draws, and in which order it takes pending events.
//!
//! A room receiving a thousand lines a second must not cost a frame per
//! line: the loop applies what is pending and draws at most once per frame
//! budget ([`FrameClock`]), so drawing costs per frame, not per message. A
//! key must not wait behind that backlog: each batch ([`gather`]) takes the
//! terminal's input first and at most [`NET_BATCH`] network events, and a
//! change waits at most one frame budget for its frame even while lines keep
//! coming, so a key typed during a flood shows within about one frame.
//!
//! Plain logic with time passed in: tests need neither a terminal nor a
//! sleep. `terminal.rs` does the waiting and the drawing.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use crate::event::AppEvent;

/// Shortest time between two frames: 60 frames a second, quicker than a
/// terminal or an eye needs, and one frame is far below the 50 ms in which
/// typing still feels instant.
pub const FRAME_BUDGET: Duration = Duration::from_millis(16);
/// Most terminal events (keys, mouse, paste, resize) applied in one batch.
pub const INPUT_BATCH: usize = 256;
/// Most network events and ticks applied in one batch: bounds how long a
/// key typed during a flood waits before it is applied.
pub const NET_BATCH: usize = 128;

/// A queue the run loop takes events from without waiting.
pub trait Pending {
    /// The next event, if one is waiting.
    fn next_ready(&mut self) -> Option<AppEvent>;
    /// Whether no event is waiting.
    fn is_idle(&self) -> bool;
}

impl Pending for mpsc::Receiver<AppEvent> {
    fn next_ready(&mut self) -> Option<AppEvent> {
        self.try_recv().ok()
    }

    fn is_idle(&self) -> bool {
        self.is_empty()
    }
}

impl Pending for VecDeque<AppEvent> {
    fn next_ready(&mut self) -> Option<AppEvent> {
        self.pop_front()
    }

    fn is_idle(&self) -> bool {
        self.is_empty()
    }
}

/// The event the loop woke up for, and which queue it came from.
#[derive(Debug)]
pub enum Arrival {
    /// From the terminal (key, mouse, paste, focus, resize).
    Input(AppEvent),
    /// From a network task or the clock.
    Net(AppEvent),
    /// Nothing: the loop woke up because a frame was due.
    FrameDue,
}

/// The next batch to apply, in order: the pending terminal input (at most
/// [`INPUT_BATCH`]) before up to [`NET_BATCH`] network events. `first`
/// leads its own queue's share, so each queue keeps its order.
pub fn gather(first: Arrival, input: &mut impl Pending, net: &mut impl Pending) -> Vec<AppEvent> {
    let mut batch = Vec::new();
    let mut net_first = None;
    match first {
        Arrival::Input(event) => batch.push(event),
        Arrival::Net(event) => net_first = Some(event),
        Arrival::FrameDue => {}
    }
    take(&mut batch, input, INPUT_BATCH);
    let net_start = batch.len();
    batch.extend(net_first);
    take(&mut batch, net, net_start + NET_BATCH);
    batch
}

/// Moves events from `queue` into `batch` until it holds `limit`.
fn take(batch: &mut Vec<AppEvent>, queue: &mut impl Pending, limit: usize) {
    while batch.len() < limit {
        let Some(event) = queue.next_ready() else {
            break;
        };
        batch.push(event);
    }
}

/// What to do about the screen after a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frame {
    /// Everything is on screen: wait for events.
    Idle,
    /// Draw now.
    Draw,
    /// Changes wait for their frame: apply pending events meanwhile, and
    /// draw at this instant at the latest (ask again then).
    At(Instant),
}

/// Paces frames: at most one per budget, and never more than one budget
/// after the first change that is not on screen yet.
#[derive(Debug, Clone)]
pub struct FrameClock {
    budget: Duration,
    last_draw: Option<Instant>,
    /// When the oldest change not drawn yet was applied.
    dirty_since: Option<Instant>,
}

impl FrameClock {
    /// A clock allowing one frame per `budget`.
    pub fn new(budget: Duration) -> FrameClock {
        FrameClock {
            budget,
            last_draw: None,
            dirty_since: None,
        }
    }

    /// A batch applied at `now` changed what the screen shows.
    pub fn changed(&mut self, now: Instant) {
        self.dirty_since.get_or_insert(now);
    }

    /// A frame was drawn, starting at `now`.
    pub fn drawn(&mut self, now: Instant) {
        self.last_draw = Some(now);
        self.dirty_since = None;
    }

    /// Whether to draw at `now`. With `more_pending` (events still queued)
    /// the loop goes on applying them until the first undrawn change is a
    /// budget old; with nothing queued it draws as soon as the previous
    /// frame is a budget old, at once after a quiet spell.
    pub fn decide(&self, now: Instant, more_pending: bool) -> Frame {
        let Some(since) = self.dirty_since else {
            return Frame::Idle;
        };
        let next_allowed = self.last_draw.map(|last| last + self.budget);
        let due = if more_pending {
            Some(since + self.budget).max(next_allowed)
        } else {
            next_allowed
        };
        match due {
            Some(due) if now < due => Frame::At(due),
            _ => Frame::Draw,
        }
    }

    /// The run loop's step after applying a batch at `now`: notes whether it
    /// `changed` the screen and decides (see [`decide`](Self::decide)); a
    /// [`Frame::Draw`] answer counts as drawn at `now`, so the caller draws.
    pub fn after_batch(&mut self, now: Instant, changed: bool, more_pending: bool) -> Frame {
        if changed {
            self.changed(now);
        }
        let frame = self.decide(now, more_pending);
        if frame == Frame::Draw {
            self.drawn(now);
        }
        frame
    }
}

#[cfg(test)]
mod tests;
