//! Whole-screen snapshots on ratatui's TestBackend (insta), styles that
//! carry meaning, and the proof that escape sequences from the network
//! never reach the terminal.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use chrono::Duration;
use crossterm::event::KeyCode;
use natter::app::App;
use natter::event::{AppEvent, NetEvent};
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier};
use ratatui::{Terminal, TerminalOptions, Viewport};
use support::*;

/// A lively #lobby: CJK, emoji, an action, a long wrapped line, a mention,
/// joins and an away member.
fn scene() -> App {
    let mut app = app();
    line(
        &mut app,
        ":srv 332 alice #lobby :Welcome to the lobby ☕ — be nice",
    );
    line(&mut app, ":小明!x@h JOIN #lobby");
    line(&mut app, ":bob!b@h PRIVMSG #lobby :hello everyone 👋");
    line(
        &mut app,
        ":小明!x@h PRIVMSG #lobby :大家好！今天天气很好，我们一起去吃午饭吧 🍜🍣",
    );
    line(
        &mut app,
        ":carol!c@h PRIVMSG #lobby :\u{1}ACTION pours coffee for everyone ☕\u{1}",
    );
    line(
        &mut app,
        ":bob!b@h PRIVMSG #lobby :alice: did you see the new release? It wraps long lines by display width so that nothing is cut in the middle of a word 🎉",
    );
    line(&mut app, ":bob!b@h AWAY :lunch");
    line(&mut app, ":dave!d@h JOIN #lobby");
    line(&mut app, ":dave!d@h PART #lobby :bye");
    submit(&mut app, "see you all at noon 🙂");
    type_text(&mut app, "typing 漢字 here");
    app
}

#[test]
fn main_screen_80x24() {
    let app = scene();
    insta::assert_snapshot!(render(&app, 80, 24).backend());
}

#[test]
fn main_screen_200x50() {
    let app = scene();
    insta::assert_snapshot!(render(&app, 200, 50).backend());
}

#[test]
fn narrow_40_columns_hides_the_sidebar() {
    let app = scene();
    let screen = screen_text(&app, 40, 16);
    assert!(!screen.contains("members"));
    insta::assert_snapshot!(render(&app, 40, 16).backend());
}

#[test]
fn after_a_resize() {
    let mut app = scene();
    let _ = render(&app, 120, 30);
    app.update(AppEvent::Resize {
        width: 64,
        height: 18,
    });
    insta::assert_snapshot!(render(&app, 64, 18).backend());
}

#[test]
fn tiny_and_odd_sizes_never_panic() {
    let mut app = scene();
    key(&mut app, KeyCode::F(1));
    for (w, h) in [
        (1, 1),
        (5, 2),
        (19, 4),
        (20, 5),
        (21, 6),
        (59, 10),
        (60, 10),
        (61, 3),
        (300, 8),
    ] {
        app.update(AppEvent::Resize {
            width: w,
            height: h,
        });
        let _ = render(&app, w, h);
    }
}

#[test]
fn help_overlay() {
    let mut app = scene();
    key(&mut app, KeyCode::F(1));
    insta::assert_snapshot!(render(&app, 100, 50).backend());
}

#[test]
fn help_overlay_scrolls_at_80x24() {
    let mut app = scene();
    key(&mut app, KeyCode::F(1));
    key(&mut app, KeyCode::PageDown);
    insta::assert_snapshot!(render(&app, 80, 24).backend());
}

#[test]
fn scrolled_up_shows_new_messages_below() {
    let mut app = scene();
    for i in 0..40 {
        line(
            &mut app,
            &format!(":bob!b@h PRIVMSG #lobby :message number {i}"),
        );
    }
    key(&mut app, KeyCode::PageUp);
    line(&mut app, ":carol!c@h PRIVMSG #lobby :something new");
    line(&mut app, ":carol!c@h PRIVMSG #lobby :and more");
    insta::assert_snapshot!(render(&app, 100, 30).backend());
}

#[test]
fn disconnected_status_shows_the_next_retry() {
    let mut app = scene();
    let retry_at = app.chat.now + Duration::seconds(8);
    net(
        &mut app,
        NetEvent::Disconnected {
            reason: "connection reset by peer".into(),
            retry_at,
        },
    );
    insta::assert_snapshot!(render(&app, 100, 20).backend());
}

#[test]
fn paste_confirmation() {
    let mut app = app();
    app.update(AppEvent::Paste(
        "line one\nline two\nline three\nline four\nline five\nline six".into(),
    ));
    key(&mut app, KeyCode::Enter);
    insta::assert_snapshot!(render(&app, 80, 24).backend());
}

#[test]
fn private_buffer_and_tab_marks() {
    let mut app = scene();
    line(&mut app, ":bob!b@h PRIVMSG alice :psst, a secret");
    ctrl(&mut app, 'u');
    submit(&mut app, "/join #rust");
    line(&mut app, ":alice!a@h JOIN #rust");
    line(&mut app, ":carol!c@h PRIVMSG #lobby :back in the lobby");
    assert_eq!(active_name(&app), "#rust");
    insta::assert_snapshot!(render(&app, 80, 12).backend());
}

#[test]
fn the_selected_member_is_marked_and_highlighted() {
    let mut app = scene();
    alt(&mut app, KeyCode::Down);
    alt(&mut app, KeyCode::Down);
    let terminal = render(&app, 100, 30);
    let screen = screen_text(&app, 100, 30);
    let row = screen
        .lines()
        .position(|l| l.contains(">+bob"))
        .expect("selection marker");
    let x = screen
        .lines()
        .nth(row)
        .unwrap()
        .chars()
        .position(|c| c == '>')
        .unwrap();
    let cell = &terminal.backend().buffer()[(x as u16, row as u16)];
    assert!(cell.modifier.contains(Modifier::REVERSED));
}

#[test]
fn away_members_are_dimmed() {
    let app = scene();
    let terminal = render(&app, 100, 30);
    let screen = screen_text(&app, 100, 30);
    let row = screen.lines().position(|l| l.contains("+bob")).unwrap();
    // The sidebar is the rightmost part of the row: its last "b" is bob's.
    let buffer = terminal.backend().buffer();
    let cell = (0..100u16)
        .rev()
        .map(|x| &buffer[(x, row as u16)])
        .find(|c| c.symbol() == "b")
        .unwrap();
    assert_eq!(cell.fg, Color::DarkGray);
}

#[test]
fn wide_characters_line_up_with_the_sidebar_border() {
    let app = scene();
    let screen = screen_text(&app, 80, 24);
    let border_columns: std::collections::HashSet<usize> = screen
        .lines()
        .skip(2)
        .take(18)
        .filter_map(|l| {
            // Width up to the border, counting wide characters as two cells.
            let mut width = 0;
            for c in l.chars() {
                if c == '│' {
                    return Some(width);
                }
                width += unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
            }
            None
        })
        .collect();
    assert_eq!(border_columns.len(), 1, "{border_columns:?}\n{screen}");
}

#[test]
fn large_scrollback_renders_only_what_shows() {
    let mut app = app();
    for i in 0..100_000 {
        line(
            &mut app,
            &format!(":bob!b@h PRIVMSG #lobby :line {i} with some words to wrap around the pane"),
        );
    }
    key(&mut app, KeyCode::PageUp);
    let screen = screen_text(&app, 100, 30);
    assert!(screen.contains("line 999"), "{screen}");
}

/// Renders through the real crossterm backend into memory: these are the
/// bytes a terminal would receive.
fn terminal_bytes(app: &App) -> Vec<u8> {
    let bytes = SharedBytes::default();
    let backend = CrosstermBackend::new(bytes.clone());
    let options = TerminalOptions {
        viewport: Viewport::Fixed(Rect::new(0, 0, 100, 30)),
    };
    let mut terminal = Terminal::with_options(backend, options).unwrap();
    terminal.draw(|frame| natter::ui::draw(app, frame)).unwrap();
    drop(terminal);
    bytes.0.lock().unwrap().clone()
}

/// A writer whose bytes stay readable after the terminal is gone.
#[derive(Clone, Default)]
struct SharedBytes(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for SharedBytes {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn escape_sequences_from_the_network_never_reach_the_terminal() {
    let mut app = app();
    let clear_screen = "\u{1b}[2J";
    let osc52 = "\u{1b}]52;c;ZWNobyBwd25lZA==\u{7}";
    let c1_csi = "\u{9b}2J";
    line(
        &mut app,
        &format!(":bob!b@h PRIVMSG #lobby :wipe {clear_screen} steal {osc52} c1 {c1_csi} end"),
    );
    line(&mut app, &format!(":srv 332 alice #lobby :topic {osc52}"));
    line(
        &mut app,
        &format!(":bob!b@h PRIVMSG alice :dm {clear_screen}"),
    );
    let message = natter_protocol::Message::new("PRIVMSG")
        .with_source(format!("ev{osc52}il!e@h"))
        .with_params(["#lobby", "from a bad nick"]);
    let received_at = app.chat.now;
    net(
        &mut app,
        NetEvent::Line {
            message,
            received_at,
        },
    );

    // Nothing in the cell buffer is a control character...
    let terminal = render(&app, 100, 30);
    for cell in terminal.backend().buffer().content() {
        assert!(
            !cell.symbol().chars().any(char::is_control),
            "control in cell {:?}",
            cell.symbol()
        );
    }
    // ...and the bytes written to a terminal hold no clear-screen or OSC.
    let bytes = terminal_bytes(&app);
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains("wipe"), "the message itself is shown");
    assert!(!text.contains("\u{1b}[2J"), "ESC [2J reached the terminal");
    assert!(
        !text.contains("\u{1b}]"),
        "an OSC sequence reached the terminal"
    );
    assert!(!text.contains('\u{9b}'), "a C1 CSI reached the terminal");
    assert!(!text.contains('\u{7}'), "BEL reached the terminal");
}

#[test]
fn a_rule_marks_where_unread_messages_start() {
    let mut app = scene();
    alt(&mut app, KeyCode::Char('1'));
    line(&mut app, ":bob!b@h PRIVMSG #lobby :while you were away");
    line(&mut app, ":carol!c@h PRIVMSG #lobby :and this too");
    alt(&mut app, KeyCode::Char('2'));
    let screen = screen_text(&app, 100, 30);
    let rows: Vec<&str> = screen.lines().collect();
    let marker = rows
        .iter()
        .position(|r| r.contains(" new messages "))
        .expect(&screen);
    assert!(rows[marker + 1].contains("while you were away"), "{screen}");
    // Leaving the buffer marks everything read.
    alt(&mut app, KeyCode::Char('1'));
    alt(&mut app, KeyCode::Char('2'));
    assert!(!screen_text(&app, 100, 30).contains(" new messages "));
}

#[test]
fn the_status_line_shows_lag_and_away() {
    let mut app = app();
    let later = app.chat.now + Duration::seconds(1);
    let effects = app.update(AppEvent::Tick(later));
    let token = sent(&effects)[0].trim_start_matches("PING ").to_owned();
    let message = natter_protocol::Message::parse(&format!(":srv PONG srv :{token}")).unwrap();
    net(
        &mut app,
        NetEvent::Line {
            message,
            received_at: later + Duration::milliseconds(42),
        },
    );
    line(
        &mut app,
        ":srv 306 alice :You have been marked as being away",
    );
    let screen = screen_text(&app, 100, 30);
    let status = screen.lines().nth(28).unwrap();
    assert!(
        status.contains("alice @ chat.lan:6667 connected · lag 42ms · away"),
        "{status}"
    );
}

/// alice rejoins #lobby on natterd: yesterday's and this morning's messages
/// come as backlog, then the room goes on live.
fn backlog_scene() -> App {
    let mut app = fresh();
    connect(&mut app);
    line(&mut app, ":srv CAP alice ACK :batch draft/chathistory");
    line(&mut app, ":alice!a@h JOIN #lobby");
    line(&mut app, ":srv 353 alice = #lobby :alice +bob @carol 小明");
    line(&mut app, ":srv 366 alice #lobby :End of NAMES");
    line(
        &mut app,
        ":srv 332 alice #lobby :Welcome to the lobby ☕ — be nice",
    );
    line(&mut app, ":srv BATCH +b1 chathistory #lobby");
    for (time, id, rest) in [
        (
            "2026-11-21T22:10:00.000Z",
            "m1",
            ":bob!b@h PRIVMSG #lobby :anyone up for lunch tomorrow?",
        ),
        (
            "2026-11-21T22:12:00.000Z",
            "m2",
            ":carol!c@h PRIVMSG #lobby :\u{1}ACTION raises a hand\u{1}",
        ),
        (
            "2026-11-21T22:15:00.000Z",
            "m3",
            ":小明!x@h PRIVMSG #lobby :明天见 👋",
        ),
        (
            "2026-11-22T08:55:00.000Z",
            "m4",
            ":bob!b@h PRIVMSG #lobby :morning all ☕ alice, lunch at noon?",
        ),
    ] {
        line(
            &mut app,
            &format!("@batch=b1;time={time};msgid={id} {rest}"),
        );
    }
    line(&mut app, ":srv BATCH -b1");
    line(
        &mut app,
        "@msgid=m5 :bob!b@h PRIVMSG #lobby :welcome back, alice",
    );
    submit(&mut app, "thanks! catching up on the backlog");
    app
}

#[test]
fn backlog_with_earlier_messages_rule_80x24() {
    let app = backlog_scene();
    let screen = screen_text(&app, 80, 24);
    let rule = screen.find("── earlier messages ──").unwrap();
    let old = screen.find("anyone up for lunch").unwrap();
    let joined = screen.find("You joined #lobby").unwrap();
    let live = screen.find("welcome back, alice").unwrap();
    assert!(rule < old && old < joined && joined < live, "{screen}");
    assert!(screen.contains("Saturday 21 November 2026"));
    let terminal = render(&app, 80, 24);
    let buffer = terminal.backend().buffer();
    let row_of = |needle: &str| screen.lines().position(|row| row.contains(needle)).unwrap() as u16;
    let backlog = row_of("anyone up for lunch");
    assert_eq!(buffer[(0, backlog)].fg, Color::Blue, "backlog time");
    assert!(buffer[(20, backlog)].modifier.contains(Modifier::DIM));
    let current = row_of("welcome back, alice");
    assert_eq!(buffer[(0, current)].fg, Color::DarkGray, "live time");
    assert!(!buffer[(20, current)].modifier.contains(Modifier::DIM));
    assert_eq!(buffer[(3, row_of("earlier messages"))].fg, Color::Blue);
    insta::assert_snapshot!(render(&app, 80, 24).backend());
}

#[test]
fn loading_and_start_of_history_lines_head_the_buffer() {
    let mut app = backlog_scene();
    line(&mut app, ":srv 005 alice CHATHISTORY=100 :are supported");
    key(&mut app, KeyCode::PageUp);
    let screen = screen_text(&app, 80, 24);
    let first_rule = screen.lines().skip(2).find(|row| row.contains("──"));
    assert!(
        first_rule.is_some_and(|row| row.contains("── loading older messages… ──")),
        "{screen}"
    );
    line(&mut app, ":srv BATCH +b2 chathistory #lobby");
    line(&mut app, ":srv BATCH -b2");
    let screen = screen_text(&app, 80, 24);
    let first_rule = screen.lines().skip(2).find(|row| row.contains("──"));
    assert!(
        first_rule.is_some_and(|row| row.contains("── start of history ──")),
        "{screen}"
    );
}
