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
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::app::{App, Settings};
    use crate::event::NetEvent;
    use chrono::{TimeZone, Utc};
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use natter_protocol::Message;

    const MS: Duration = Duration::from_millis(1);

    fn line(n: usize) -> AppEvent {
        let raw = format!(":bob!b@h PRIVMSG #room :line {n}");
        AppEvent::Net(NetEvent::Line {
            message: Message::parse(&raw).unwrap(),
            received_at: Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap(),
        })
    }

    fn key(c: char) -> AppEvent {
        AppEvent::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
    }

    fn is_key(event: &AppEvent, c: char) -> bool {
        matches!(event, AppEvent::Key(k) if k.code == KeyCode::Char(c))
    }

    fn is_line(event: &AppEvent, n: usize) -> bool {
        let AppEvent::Net(NetEvent::Line { message, .. }) = event else {
            return false;
        };
        message.params.last().map(String::as_str) == Some(&format!("line {n}"))
    }

    #[test]
    fn nothing_changed_means_no_frame() {
        let clock = FrameClock::new(FRAME_BUDGET);
        assert_eq!(clock.decide(Instant::now(), false), Frame::Idle);
        assert_eq!(clock.decide(Instant::now(), true), Frame::Idle);
    }

    #[test]
    fn a_change_after_a_quiet_spell_draws_at_once() {
        let t0 = Instant::now();
        let mut clock = FrameClock::new(FRAME_BUDGET);
        clock.changed(t0);
        assert_eq!(clock.decide(t0, false), Frame::Draw);
        clock.drawn(t0);
        assert_eq!(clock.decide(t0, false), Frame::Idle);
        let later = t0 + 500 * MS;
        clock.changed(later);
        assert_eq!(clock.decide(later, false), Frame::Draw);
    }

    #[test]
    fn frames_are_at_least_a_budget_apart() {
        let t0 = Instant::now();
        let mut clock = FrameClock::new(FRAME_BUDGET);
        clock.changed(t0);
        clock.drawn(t0);
        clock.changed(t0 + 3 * MS);
        assert_eq!(
            clock.decide(t0 + 3 * MS, false),
            Frame::At(t0 + FRAME_BUDGET)
        );
        clock.changed(t0 + 9 * MS);
        assert_eq!(
            clock.decide(t0 + 9 * MS, false),
            Frame::At(t0 + FRAME_BUDGET)
        );
        assert_eq!(clock.decide(t0 + FRAME_BUDGET, false), Frame::Draw);
    }

    #[test]
    fn a_backlog_is_applied_before_drawing_but_only_for_one_budget() {
        let t0 = Instant::now();
        let mut clock = FrameClock::new(FRAME_BUDGET);
        clock.changed(t0);
        // Never drawn, but more is queued: keep applying.
        assert_eq!(
            clock.decide(t0 + 5 * MS, true),
            Frame::At(t0 + FRAME_BUDGET)
        );
        // The first change waited a whole budget: draw despite the backlog.
        assert_eq!(clock.decide(t0 + FRAME_BUDGET, true), Frame::Draw);
        clock.drawn(t0 + FRAME_BUDGET);
        clock.changed(t0 + FRAME_BUDGET + MS);
        assert_eq!(
            clock.decide(t0 + FRAME_BUDGET + 2 * MS, true),
            Frame::At(t0 + 2 * FRAME_BUDGET + MS)
        );
    }

    #[test]
    fn a_flood_draws_one_frame_per_budget() {
        // 1 000 lines a second for one second, one batch per millisecond.
        let t0 = Instant::now();
        let mut clock = FrameClock::new(FRAME_BUDGET);
        let mut frames = 0;
        for ms in 0..1000u32 {
            let now = t0 + ms * MS;
            clock.changed(now);
            if clock.decide(now, true) == Frame::Draw {
                frames += 1;
                clock.drawn(now);
            }
        }
        // One frame every 17 ms (a change 1 ms after each frame starts the next budget).
        assert_eq!(frames, 1000 / 17);
    }

    #[test]
    fn input_comes_before_the_network_backlog() {
        let mut input: VecDeque<AppEvent> = [key('a'), key('b')].into();
        let mut net: VecDeque<AppEvent> = (0..1000).map(line).collect();
        let batch = gather(Arrival::Net(line(99_999)), &mut input, &mut net);
        assert!(is_key(&batch[0], 'a') && is_key(&batch[1], 'b'));
        assert!(
            is_line(&batch[2], 99_999),
            "the awaited line leads the network share"
        );
        assert!(is_line(&batch[3], 0));
        assert_eq!(batch.len(), 2 + NET_BATCH);
        assert_eq!(net.len(), 1000 - (NET_BATCH - 1));
        // A key typed while the flood goes on leads the next batch.
        input.push_back(key('c'));
        let batch = gather(Arrival::FrameDue, &mut input, &mut net);
        assert!(is_key(&batch[0], 'c'));
        assert!(is_line(&batch[1], NET_BATCH - 1), "network order is kept");
    }

    #[test]
    fn an_awaited_key_leads_and_both_shares_are_bounded() {
        let mut input: VecDeque<AppEvent> = (0..1000).map(|_| key('y')).collect();
        let mut net: VecDeque<AppEvent> = (0..1000).map(line).collect();
        let batch = gather(Arrival::Input(key('x')), &mut input, &mut net);
        assert!(is_key(&batch[0], 'x') && is_key(&batch[1], 'y'));
        assert_eq!(batch.len(), INPUT_BATCH + NET_BATCH);
        assert!(is_line(&batch[INPUT_BATCH], 0));
        assert_eq!(input.len(), 1000 - (INPUT_BATCH - 1));
    }

    /// What the run loop does, without a terminal: frozen or stepped time.
    struct Loop {
        app: App,
        clock: FrameClock,
        frames: usize,
    }

    impl Loop {
        fn new() -> Loop {
            let now = Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap();
            let mut app = App::new(Settings::new("alice", "test:6667"), (80, 24), now);
            for raw in [":srv 001 alice :Welcome", ":alice!a@h JOIN #room"] {
                let message = Message::parse(raw).unwrap();
                app.update(AppEvent::Net(NetEvent::Line {
                    message,
                    received_at: now,
                }));
            }
            let room = app
                .chat
                .buffers
                .find("#room", natter_protocol::Casemapping::Rfc1459)
                .unwrap();
            app.chat.buffers.set_active(room);
            let mut clock = FrameClock::new(FRAME_BUDGET);
            app.take_needs_redraw();
            clock.drawn(Instant::now() - FRAME_BUDGET);
            Loop {
                app,
                clock,
                frames: 0,
            }
        }

        /// One wake-up of the loop at `now`.
        fn turn(
            &mut self,
            first: Arrival,
            input: &mut VecDeque<AppEvent>,
            net: &mut VecDeque<AppEvent>,
            now: Instant,
        ) -> Frame {
            for event in gather(first, input, net) {
                self.app.update(event);
            }
            if self.app.take_needs_redraw() {
                self.clock.changed(now);
            }
            let frame = self.clock.decide(now, !input.is_idle() || !net.is_idle());
            if frame == Frame::Draw {
                self.frames += 1;
                self.clock.drawn(now);
            }
            frame
        }
    }

    #[test]
    fn a_thousand_queued_lines_make_one_frame() {
        let mut ui = Loop::new();
        let mut input = VecDeque::new();
        let mut net: VecDeque<AppEvent> = (0..1000).map(line).collect();
        let now = Instant::now();
        let mut turns = 0;
        while !net.is_empty() {
            ui.turn(Arrival::FrameDue, &mut input, &mut net, now);
            turns += 1;
        }
        assert_eq!(turns, 1000usize.div_ceil(NET_BATCH));
        assert_eq!(ui.frames, 1);
        let room = ui.app.chat.buffers.active();
        assert!(
            room.lines
                .back()
                .is_some_and(|l| l.text().contains("line 999"))
        );
        // Nothing new: no further frame.
        assert_eq!(
            ui.turn(Arrival::FrameDue, &mut input, &mut net, now),
            Frame::Idle
        );
        assert_eq!(ui.frames, 1);
    }

    #[test]
    fn a_key_typed_during_a_flood_is_drawn_within_a_budget() {
        let mut ui = Loop::new();
        let mut input = VecDeque::new();
        let mut net: VecDeque<AppEvent> = (0..100_000).map(line).collect();
        let t0 = Instant::now();
        // Each batch of lines takes a millisecond.
        let mut now = t0;
        for _ in 0..5 {
            ui.turn(Arrival::FrameDue, &mut input, &mut net, now);
            now += MS;
        }
        let frames_before = ui.frames;
        input.push_back(key('h'));
        let typed = now;
        let mut drawn_at = None;
        for _ in 0..100 {
            let frame = ui.turn(Arrival::FrameDue, &mut input, &mut net, now);
            if ui.app.view.input.text() == "h" && frame == Frame::Draw {
                drawn_at = Some(now);
                break;
            }
            now += MS;
        }
        assert_eq!(ui.app.view.input.text(), "h");
        let drawn_at = drawn_at.expect("the key was drawn");
        assert!(drawn_at - typed <= FRAME_BUDGET, "{:?}", drawn_at - typed);
        assert_eq!(ui.frames, frames_before + 1);
        assert!(!net.is_empty(), "drawn while the flood was still queued");
    }
}
