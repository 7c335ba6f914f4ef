//! natter in a busy room: a channel receiving RATE messages a second for
//! SECONDS seconds (default 1 000/s for 60 s), in real time, while the user
//! types a key every 100 ms.
//!
//! It models the run loop of `terminal.rs`: network lines arrive on the app
//! channel from a task that parses them (as the network task does), keys on
//! the input channel, on natter's own runtime (two workers); the loop takes
//! batches with `redraw::gather` (input first) and draws when
//! `redraw::FrameClock` says so, into a ratatui `TestBackend` the size of a
//! big terminal (terminal I/O excluded). With `--frame-per-message` it draws
//! after every event instead: the worst case, and the loop before frames were
//! paced.
//!
//! The room is the buffer on screen (the costly case: every message shows).
//! It reports the share of one core the process used (CPU time over wall
//! time, producer included: it stands for the network task), frames drawn
//! and the wall time a frame and a message take, the input echo latency (key
//! sent to the end of the frame showing it, wall clock: on a loaded machine
//! it includes waiting for a core), how far the loop fell behind, and that
//! memory stays bounded by `scrollback_lines` (lines kept, resident memory at
//! each quarter of the run: flat once the scrollback is full).
//!
//! Run with `cargo bench -p natter --bench busy_room -- [rate] [seconds] [scrollback_lines] [--frame-per-message]`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::VecDeque;
use std::hint::black_box;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use natter::app::{App, Settings};
use natter::event::{AppEvent, NetEvent};
use natter::redraw::{self, Arrival, Frame, FrameClock, Pending};
use natter_protocol::Message;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::mpsc;

/// Speakers in the room.
const SPEAKERS: usize = 40;
/// Milliseconds between two keys typed.
const KEY_EVERY_MS: u64 = 100;
/// The terminal: a big one, so a frame is as dear as it gets.
const SIZE: (u16, u16) = (160, 48);
/// Capacities of the run loop's channels (as in `terminal.rs`).
const APP_CHANNEL: usize = 1024;
const INPUT_CHANNEL: usize = 256;

/// CPU time (user + system) this process has used, from `/proc/self/stat`
/// (Linux; zero elsewhere). Clock ticks are 10 ms: fine over seconds.
fn cpu_time() -> Duration {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return Duration::ZERO;
    };
    // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<u64> = after_name
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|field| field.parse().ok())
        .collect();
    Duration::from_millis(fields.iter().sum::<u64>() * 10)
}

/// Resident memory of this process, KiB (Linux; 0 elsewhere).
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|statm| statm.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * 4)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn line(raw: &str) -> AppEvent {
    AppEvent::Net(NetEvent::Line {
        message: Message::parse(raw).unwrap(),
        received_at: Utc::now(),
    })
}

/// What the run asks for.
#[derive(Clone, Copy)]
struct Config {
    rate: u64,
    seconds: u64,
    scrollback: usize,
    frame_per_message: bool,
}

/// Sends `rate` channel messages a second for `seconds` (parsed here, as
/// the network task parses them), and a tick each second.
async fn network(app: mpsc::Sender<AppEvent>, config: Config, names: Vec<String>) {
    let start = tokio::time::Instant::now();
    let total = config.rate * config.seconds;
    let mut sent = 0u64;
    let mut ticks = 0u64;
    while sent < total {
        tokio::time::sleep(Duration::from_millis(1)).await;
        let elapsed = start.elapsed();
        let due = ((elapsed.as_secs_f64() * config.rate as f64) as u64).min(total);
        while sent < due {
            let speaker = &names[(sent as usize * 7) % SPEAKERS];
            let raw = format!(
                ":{speaker}!u@h PRIVMSG #busy :message {sent}: the quick brown fox jumps over the lazy dog, https://example.org/{sent}"
            );
            if app.send(line(&raw)).await.is_err() {
                return;
            }
            sent += 1;
        }
        if elapsed.as_secs() > ticks {
            ticks += 1;
            if app.send(AppEvent::Tick(Utc::now())).await.is_err() {
                return;
            }
        }
    }
}

/// Types a key every 100 ms for `seconds`: up to 60 characters, then as
/// many backspaces, like someone writing a line. Notes when each was sent.
async fn typist(input: mpsc::Sender<AppEvent>, seconds: u64, sent: Arc<Mutex<VecDeque<Instant>>>) {
    let key = AppEvent::Key(KeyEvent::new(KeyCode::Char('x'), KeyModifiers::NONE));
    let backspace = AppEvent::Key(KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE));
    let mut interval = tokio::time::interval(Duration::from_millis(KEY_EVERY_MS));
    interval.tick().await;
    for typed in 1..seconds * 1000 / KEY_EVERY_MS {
        interval.tick().await;
        sent.lock().unwrap().push_back(Instant::now());
        let event = if typed % 120 < 60 { &key } else { &backspace };
        if input.send(event.clone()).await.is_err() {
            return;
        }
    }
}

/// What the loop measured.
#[derive(Default)]
struct Measured {
    frames: u64,
    drawing: Duration,
    updating: Duration,
    messages: u64,
    echoes: Vec<Duration>,
    rss: Vec<u64>,
    lines_kept: usize,
}

/// Draws a frame of `app` and notes its cost and the keys it shows.
struct Screen {
    terminal: Terminal<TestBackend>,
    keys_applied: Vec<Instant>,
}

impl Screen {
    fn draw(&mut self, app: &App, measured: &mut Measured) {
        let started = Instant::now();
        self.terminal
            .draw(|frame| natter::ui::draw(black_box(app), frame))
            .unwrap();
        let done = Instant::now();
        measured.drawing += done - started;
        measured.frames += 1;
        for typed in self.keys_applied.drain(..) {
            measured.echoes.push(done - typed);
        }
    }
}

/// The run loop of `terminal.rs` without a terminal or connections.
async fn run_loop(mut app: App, config: Config, names: Vec<String>) -> Measured {
    let (app_tx, mut app_rx) = mpsc::channel(APP_CHANNEL);
    let (input_tx, mut input_rx) = mpsc::channel(INPUT_CHANNEL);
    let typed = Arc::new(Mutex::new(VecDeque::new()));
    tokio::spawn(network(app_tx, config, names));
    tokio::spawn(typist(input_tx, config.seconds, Arc::clone(&typed)));
    let mut screen = Screen {
        terminal: Terminal::new(TestBackend::new(SIZE.0, SIZE.1)).unwrap(),
        keys_applied: Vec::new(),
    };
    let mut measured = Measured {
        rss: vec![rss_kib()],
        ..Measured::default()
    };
    let mut clock = FrameClock::new(redraw::FRAME_BUDGET);
    let mut next_frame: Option<Instant> = None;
    let quarter = config.rate * config.seconds / 4;
    loop {
        let frame_due = async {
            match next_frame {
                Some(at) => tokio::time::sleep_until(at.into()).await,
                None => std::future::pending().await,
            }
        };
        let first = tokio::select! {
            biased;
            Some(event) = input_rx.recv() => Arrival::Input(event),
            event = app_rx.recv() => match event {
                Some(event) => Arrival::Net(event),
                None => break,
            },
            () = frame_due => Arrival::FrameDue,
        };
        for event in redraw::gather(first, &mut input_rx, &mut app_rx) {
            match &event {
                AppEvent::Key(_) => {
                    let sent = typed.lock().unwrap().pop_front().unwrap();
                    screen.keys_applied.push(sent);
                }
                AppEvent::Net(NetEvent::Line { .. }) => {
                    measured.messages += 1;
                    if measured.messages.is_multiple_of(quarter.max(1)) {
                        measured.rss.push(rss_kib());
                    }
                }
                _ => {}
            }
            let started = Instant::now();
            app.update(event);
            measured.updating += started.elapsed();
            if config.frame_per_message && app.take_needs_redraw() {
                screen.draw(&app, &mut measured);
            }
        }
        if config.frame_per_message {
            continue;
        }
        let changed = app.take_needs_redraw();
        let more_pending = !input_rx.is_idle() || !app_rx.is_idle();
        next_frame = None;
        match clock.after_batch(Instant::now(), changed, more_pending) {
            Frame::Idle => {}
            Frame::At(at) => next_frame = Some(at),
            Frame::Draw => screen.draw(&app, &mut measured),
        }
    }
    if app.take_needs_redraw() || !screen.keys_applied.is_empty() {
        screen.draw(&app, &mut measured);
    }
    measured.lines_kept = app.chat.buffers.active().lines.len();
    measured
}

/// An app that joined `#busy` with `SPEAKERS` others and shows it.
fn busy_app(scrollback: usize) -> (App, Vec<String>) {
    let start_time = Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap();
    let mut settings = Settings::new("alice", "bench:6667");
    settings.scrollback_lines = scrollback;
    let mut app = App::new(settings, SIZE, start_time);
    let names: Vec<String> = (0..SPEAKERS).map(|n| format!("user{n}")).collect();
    for raw in [
        ":srv 001 alice :Welcome".to_owned(),
        ":alice!a@h JOIN #busy".to_owned(),
        format!(":srv 353 alice = #busy :alice {}", names.join(" ")),
        ":srv 366 alice #busy :End".to_owned(),
    ] {
        app.update(line(&raw));
    }
    let room = app
        .chat
        .buffers
        .find("#busy", natter_protocol::Casemapping::Rfc1459)
        .expect("joining made a buffer for #busy");
    app.chat.buffers.set_active(room);
    (app, names)
}

fn main() {
    let mut args = std::env::args().skip(1).filter(|arg| !arg.starts_with('-'));
    let mut number = |default: u64| {
        args.next()
            .and_then(|arg| arg.parse::<u64>().ok())
            .unwrap_or(default)
            .max(1)
    };
    let config = Config {
        rate: number(1_000),
        seconds: number(60),
        scrollback: number(5_000) as usize,
        frame_per_message: std::env::args().any(|arg| arg == "--frame-per-message"),
    };
    let (app, names) = busy_app(config.scrollback);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let wall = Instant::now();
    let cpu_before = cpu_time();
    let mut measured = runtime.block_on(run_loop(app, config, names));
    let cpu = cpu_time().saturating_sub(cpu_before);
    let wall = wall.elapsed();
    report(config, &mut measured, cpu, wall);
}

fn report(config: Config, measured: &mut Measured, cpu: Duration, wall: Duration) {
    let Config {
        rate,
        seconds,
        scrollback,
        frame_per_message,
    } = config;
    let mode = if frame_per_message {
        "a frame after every message (worst case)".to_owned()
    } else {
        format!("frames paced at one per {:?}", natter::redraw::FRAME_BUDGET)
    };
    println!(
        "busy room: {rate} messages/s for {seconds} s, {}x{} terminal, a key every {KEY_EVERY_MS} ms, {mode}",
        SIZE.0, SIZE.1
    );
    println!(
        "  CPU time                 {cpu:.2?} in {wall:.2?} = {:.1}% of one core",
        cpu.as_secs_f64() / wall.as_secs_f64() * 100.0
    );
    println!(
        "  behind at the end        {:.2?} (wall time past the {seconds} s of traffic)",
        wall.saturating_sub(Duration::from_secs(seconds))
    );
    let per = |total: Duration, count: u64| total / u32::try_from(count.max(1)).unwrap_or(u32::MAX);
    println!(
        "  frames drawn             {} ({:.1}/s), {:.2?} wall each",
        measured.frames,
        measured.frames as f64 / wall.as_secs_f64(),
        per(measured.drawing, measured.frames)
    );
    println!(
        "  messages applied         {} of {}, {:.2?} wall each (update only)",
        measured.messages,
        rate * seconds,
        per(measured.updating, measured.messages)
    );
    measured.echoes.sort();
    let echoes = &measured.echoes;
    println!(
        "  input echo (key -> frame), {} keys   p50 {:.2?}  p99 {:.2?}  max {:.2?}",
        echoes.len(),
        percentile(echoes, 0.5),
        percentile(echoes, 0.99),
        percentile(echoes, 1.0),
    );
    println!(
        "  lines kept in #busy      {} (scrollback_lines = {scrollback})",
        measured.lines_kept
    );
    println!(
        "  resident memory at 0, 1/4, 1/2, 3/4, end   {} KiB",
        measured
            .rss
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(" -> ")
    );
    assert!(
        measured.lines_kept <= scrollback,
        "the scrollback outgrew its bound"
    );
}
