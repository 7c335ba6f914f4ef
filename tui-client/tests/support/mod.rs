//! Helpers for driving `App::update` in tests: a registered client in
//! #lobby, server lines, keys, and reading back what was sent.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use natter::app::{App, Settings};
use natter::chat::buffers::BufferKind;
use natter::event::{AppEvent, Effect, NetEvent};
use natter_protocol::Message;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// A fixed time so timestamps in snapshots never change.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 9, 30, 0).unwrap()
}

/// A fresh, unconnected client for alice in a 100x30 terminal.
pub fn fresh() -> App {
    App::new(Settings::new("alice", "chat.lan:6667"), (100, 30), t0())
}

/// alice, registered, in #lobby with bob (voiced) and carol (operator).
pub fn app() -> App {
    let mut app = fresh();
    connect(&mut app);
    line(&mut app, ":alice!a@h JOIN #lobby");
    line(&mut app, ":srv 353 alice = #lobby :alice +bob @carol");
    line(&mut app, ":srv 366 alice #lobby :End of NAMES");
    app
}

/// Connects and registers with a natterd-like server.
pub fn connect(app: &mut App) -> Vec<Effect> {
    let mut effects = net(
        app,
        NetEvent::Connecting {
            address: "chat.lan:6667".into(),
            attempt: 1,
        },
    );
    effects.extend(net(
        app,
        NetEvent::Connected {
            address: "chat.lan:6667".into(),
            secure: false,
        },
    ));
    effects.extend(line(
        app,
        ":srv CAP * ACK :server-time message-tags multi-prefix away-notify",
    ));
    effects.extend(line(app, ":srv 001 alice :Welcome to natter, alice"));
    effects.extend(line(app, ":srv 005 alice PREFIX=(ov)@+ CHANTYPES=# CASEMAPPING=rfc1459 NETWORK=natter :are supported"));
    effects
}

/// Feeds a network event.
pub fn net(app: &mut App, event: NetEvent) -> Vec<Effect> {
    app.update(AppEvent::Net(event))
}

/// Feeds one raw server line.
pub fn line(app: &mut App, raw: &str) -> Vec<Effect> {
    let message = Message::parse(raw).expect("valid test line");
    let received_at = app.chat.now;
    net(
        app,
        NetEvent::Line {
            message,
            received_at,
        },
    )
}

/// Presses a key without modifiers.
pub fn key(app: &mut App, code: KeyCode) -> Vec<Effect> {
    app.update(AppEvent::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

/// Presses Ctrl+`c`.
pub fn ctrl(app: &mut App, c: char) -> Vec<Effect> {
    app.update(AppEvent::Key(KeyEvent::new(
        KeyCode::Char(c),
        KeyModifiers::CONTROL,
    )))
}

/// Presses Alt+`code`.
pub fn alt(app: &mut App, code: KeyCode) -> Vec<Effect> {
    app.update(AppEvent::Key(KeyEvent::new(code, KeyModifiers::ALT)))
}

/// Types text key by key.
pub fn type_text(app: &mut App, text: &str) -> Vec<Effect> {
    let mut effects = Vec::new();
    for c in text.chars() {
        effects.extend(key(app, KeyCode::Char(c)));
    }
    effects
}

/// Types a line and presses Enter; returns the effects of the Enter.
pub fn submit(app: &mut App, text: &str) -> Vec<Effect> {
    type_text(app, text);
    key(app, KeyCode::Enter)
}

/// Left click at (column, row).
pub fn click(app: &mut App, column: u16, row: u16) -> Vec<Effect> {
    mouse(app, MouseEventKind::Down(MouseButton::Left), column, row)
}

/// Any mouse event at (column, row).
pub fn mouse(app: &mut App, kind: MouseEventKind, column: u16, row: u16) -> Vec<Effect> {
    app.update(AppEvent::Mouse(MouseEvent {
        kind,
        column,
        row,
        modifiers: KeyModifiers::NONE,
    }))
}

/// The lines sent, as IRC text without CRLF, leaving out typing
/// notifications (`+typing` TAGMSGs, tested on their own).
pub fn sent(effects: &[Effect]) -> Vec<String> {
    sent_with_typing(effects)
        .into_iter()
        .filter(|line| !line.starts_with("@+typing="))
        .collect()
}

/// Every line sent, typing notifications included.
pub fn sent_with_typing(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Send(m) => Some(m.to_string()),
            _ => None,
        })
        .collect()
}

/// The visible buffer's lines as plain text (`nick: text` or text).
pub fn texts(app: &App) -> Vec<String> {
    app.chat
        .buffers
        .active()
        .lines
        .iter()
        .map(|l| {
            if l.nick.is_empty() {
                l.text()
            } else {
                format!("{}: {}", l.nick, l.text())
            }
        })
        .collect()
}

/// The last line of the visible buffer.
pub fn last(app: &App) -> String {
    texts(app).pop().unwrap_or_default()
}

/// Name of the visible buffer.
pub fn active_name(app: &App) -> String {
    app.chat.buffers.active().name.clone()
}

/// Index of buffer `name`.
pub fn index_of(app: &App, name: &str) -> usize {
    app.chat
        .buffers
        .all()
        .iter()
        .position(|b| b.name == name)
        .unwrap_or_else(|| panic!("no buffer {name}"))
}

/// Kind of buffer `name`.
pub fn kind_of(app: &App, name: &str) -> BufferKind {
    app.chat.buffers.all()[index_of(app, name)].kind
}

/// Nicks in the sidebar, in order, with their top prefix.
pub fn sidebar(app: &App) -> Vec<String> {
    app.chat
        .sidebar_members()
        .iter()
        .map(|m| {
            format!(
                "{}{}",
                m.top_prefix().map(String::from).unwrap_or_default(),
                m.nick
            )
        })
        .collect()
}

/// Renders the whole screen at `width`x`height`.
pub fn render(app: &App, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| natter::ui::draw(app, frame)).unwrap();
    terminal
}

/// The screen's text, rows joined by newlines.
pub fn screen_text(app: &App, width: u16, height: u16) -> String {
    let terminal = render(app, width, height);
    let buffer = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..height {
        let mut x = 0;
        while x < width {
            let symbol = buffer[(x, y)].symbol();
            out.push_str(symbol);
            // A wide character covers the next cell too.
            x += u16::try_from(unicode_width::UnicodeWidthStr::width(symbol).max(1)).unwrap();
        }
        out.push('\n');
    }
    out
}
