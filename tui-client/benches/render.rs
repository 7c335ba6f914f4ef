//! How fast natter stays with a big scrollback: appending lines, drawing a
//! 200x50 screen, and paging up through 100 000 lines.
//! Run with `cargo bench -p natter --bench render`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use natter::app::{App, Settings};
use natter::event::{AppEvent, NetEvent};
use natter_protocol::Message;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const LINES: usize = 100_000;

fn feed(app: &mut App, raw: &str) {
    let message = Message::parse(raw).unwrap();
    let received_at = app.chat.now;
    app.update(AppEvent::Net(NetEvent::Line {
        message,
        received_at,
    }));
}

fn report(what: &str, count: usize, elapsed: Duration) {
    let per = elapsed / u32::try_from(count.max(1)).unwrap_or(u32::MAX);
    println!("{what:<48} {count:>7} × {per:>12.2?} = {elapsed:.2?}");
}

fn main() {
    let now = Utc.with_ymd_and_hms(2026, 11, 22, 9, 30, 0).unwrap();
    let mut app = App::new(Settings::new("alice", "bench:6667"), (200, 50), now);
    feed(&mut app, ":srv 001 alice :Welcome");
    feed(&mut app, ":alice!a@h JOIN #lobby");
    feed(&mut app, ":srv 353 alice = #lobby :alice @bob carol 小明");
    feed(&mut app, ":srv 366 alice #lobby :End");

    let start = Instant::now();
    for i in 0..LINES {
        let text = if i % 3 == 0 {
            format!(
                ":小明!x@h PRIVMSG #lobby :第{i}行 大家好，今天天气很好 🍜 and some English words to wrap"
            )
        } else {
            format!(
                ":bob!b@h PRIVMSG #lobby :line {i}: the quick brown fox jumps over the lazy dog, again and again"
            )
        };
        feed(&mut app, &text);
    }
    report(
        "append a line (parse + sanitise + store)",
        LINES,
        start.elapsed(),
    );

    let mut terminal = Terminal::new(TestBackend::new(200, 50)).unwrap();
    let frames = 200;
    let start = Instant::now();
    for _ in 0..frames {
        terminal
            .draw(|frame| natter::ui::draw(black_box(&app), frame))
            .unwrap();
    }
    report("draw 200x50 at the newest line", frames, start.elapsed());

    let page_up = AppEvent::Key(KeyEvent::new(KeyCode::PageUp, KeyModifiers::NONE));
    let pages = 2_000;
    let start = Instant::now();
    for _ in 0..pages {
        app.update(page_up.clone());
    }
    report(
        "PgUp (46 rows) through the scrollback",
        pages,
        start.elapsed(),
    );

    let start = Instant::now();
    for _ in 0..frames {
        terminal
            .draw(|frame| natter::ui::draw(black_box(&app), frame))
            .unwrap();
    }
    report("draw 200x50 scrolled far up", frames, start.elapsed());
}
