//! Frame pacing and batch order, with stepped time and no terminal.

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
        let changed = self.app.take_needs_redraw();
        let more_pending = !input.is_idle() || !net.is_idle();
        let frame = self.clock.after_batch(now, changed, more_pending);
        if frame == Frame::Draw {
            self.frames += 1;
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
