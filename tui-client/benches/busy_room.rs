//! natter in a busy room: a channel receiving RATE messages a second for
//! SECONDS seconds (default 1 000/s for 60 s), the way the event loop in
//! `terminal.rs` sees it at worst: every message on its own, each followed by
//! a frame, while the user types a key every 100 ms.
//!
//! The room is the buffer on screen (the costly case: every message is
//! drawn). It reports the share of one core the client needs to keep up (the
//! process's CPU time over the simulated time; on a loaded machine the wall
//! time also counts the time others had the core, so it is printed apart),
//! the input echo latency (key event to the frame showing it, rendering
//! included, terminal I/O excluded, wall clock), and that memory stays bounded
//! by `scrollback_lines` (lines kept, and resident memory at each quarter of
//! the run: flat once the scrollback is full).
//!
//! Run with `cargo bench -p natter --bench busy_room -- [rate] [seconds] [scrollback_lines]`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::{TimeDelta, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use natter::app::{App, Settings};
use natter::event::{AppEvent, NetEvent};
use natter_protocol::Message;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// Speakers in the room.
const SPEAKERS: usize = 40;
/// Simulated milliseconds between two keys typed.
const KEY_EVERY_MS: u64 = 100;

fn feed(app: &mut App, raw: &str) {
    let message = Message::parse(raw).unwrap();
    let received_at = app.chat.now;
    app.update(AppEvent::Net(NetEvent::Line {
        message,
        received_at,
    }));
}

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

fn main() {
    let mut args = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with('-'))
        .filter_map(|arg| arg.parse::<u64>().ok());
    let rate = args.next().unwrap_or(1_000).max(1);
    let seconds = args.next().unwrap_or(60).max(1);
    let scrollback = args.next().unwrap_or(5_000).max(1) as usize;

    let start_time = Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap();
    let mut settings = Settings::new("alice", "bench:6667");
    settings.scrollback_lines = scrollback;
    let mut app = App::new(settings, (160, 48), start_time);
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).unwrap();
    feed(&mut app, ":srv 001 alice :Welcome");
    feed(&mut app, ":alice!a@h JOIN #busy");
    let names: Vec<String> = (0..SPEAKERS).map(|n| format!("user{n}")).collect();
    feed(
        &mut app,
        &format!(":srv 353 alice = #busy :alice {}", names.join(" ")),
    );
    feed(&mut app, ":srv 366 alice #busy :End");
    let room = app
        .chat
        .buffers
        .find("#busy", natter_protocol::Casemapping::Rfc1459)
        .expect("joining made a buffer for #busy");
    app.chat.buffers.set_active(room);

    let total = rate * seconds;
    let step = Duration::from_nanos(1_000_000_000 / rate);
    let key = AppEvent::Key(KeyEvent::new(KeyCode::Char('x'), KeyModifiers::NONE));
    let backspace = AppEvent::Key(KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE));
    let mut echoes = Vec::new();
    let mut rss = vec![rss_kib()];
    let mut next_key_ms = KEY_EVERY_MS;
    let mut typed = 0u32;
    let busy = Instant::now();
    let cpu_before = cpu_time();
    for n in 0..total {
        let simulated = step * u32::try_from(n).unwrap_or(u32::MAX);
        let now = start_time + TimeDelta::from_std(simulated).unwrap_or_default();
        if n % rate == 0 {
            app.update(AppEvent::Tick(now));
        }
        let speaker = &names[(n as usize * 7) % SPEAKERS];
        feed(
            &mut app,
            &format!(
                ":{speaker}!u@h PRIVMSG #busy :message {n}: the quick brown fox jumps over the lazy dog, https://example.org/{n}"
            ),
        );
        if app.take_needs_redraw() {
            terminal
                .draw(|frame| natter::ui::draw(black_box(&app), frame))
                .unwrap();
        }
        if simulated.as_millis() as u64 >= next_key_ms {
            next_key_ms += KEY_EVERY_MS;
            // A key typed now is echoed with the next frame.
            let pressed = Instant::now();
            // Type up to 60 characters, then clear them, like someone writing a line.
            typed = (typed + 1) % 120;
            app.update(if typed <= 60 {
                key.clone()
            } else {
                backspace.clone()
            });
            if app.take_needs_redraw() {
                terminal
                    .draw(|frame| natter::ui::draw(black_box(&app), frame))
                    .unwrap();
            }
            echoes.push(pressed.elapsed());
        }
        if (n + 1) % (total / 4).max(1) == 0 {
            rss.push(rss_kib());
        }
    }
    let busy = busy.elapsed();
    let cpu = cpu_time().saturating_sub(cpu_before);
    echoes.sort();
    let simulated = Duration::from_secs(seconds);
    let kept = app.chat.buffers.active().lines.len();
    println!(
        "busy room: {rate} messages/s for {seconds} s ({total} messages), one frame per message, a key every {KEY_EVERY_MS} ms"
    );
    let per_message = |time: Duration| time / u32::try_from(total).unwrap_or(u32::MAX);
    println!(
        "  CPU time to process and draw it all   {cpu:.2?} for {seconds} s of traffic = {:.1}% of one core ({:.2?} per message)",
        cpu.as_secs_f64() / simulated.as_secs_f64() * 100.0,
        per_message(cpu),
    );
    println!(
        "  wall time (includes waiting for a core) {busy:.2?} = {:.1}% ({:.2?} per message)",
        busy.as_secs_f64() / simulated.as_secs_f64() * 100.0,
        per_message(busy),
    );
    println!(
        "  input echo (key -> frame), {} keys     p50 {:.2?}  p99 {:.2?}  max {:.2?}",
        echoes.len(),
        percentile(&echoes, 0.5),
        percentile(&echoes, 0.99),
        percentile(&echoes, 1.0),
    );
    println!("  lines kept in #busy                   {kept} (scrollback_lines = {scrollback})");
    println!(
        "  resident memory at 0, 1/4, 1/2, 3/4, end   {} KiB",
        rss.iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(" -> ")
    );
    assert!(kept <= scrollback, "the scrollback outgrew its bound");
}
