//! History from the server through `App::update`: the backlog on join,
//! infinite scroll-back with `CHATHISTORY BEFORE` (one request per buffer,
//! the right selector, a stable view, the start of history, the scrollback
//! cap) and nothing asked of servers without chathistory.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use crossterm::event::{KeyCode, KeyModifiers, MouseEventKind};
use natter::app::{App, Settings};
use natter::chat::buffers::Older;
use natter::event::{AppEvent, Effect, NetEvent};
use support::*;

/// What natterd offers, without labels unless asked.
const HISTORY_CAPS: &str = "server-time message-tags batch draft/chathistory";
const NATTERD_ISUPPORT: &str = ":srv 005 alice PREFIX=(ov)@+ CHANTYPES=# CASEMAPPING=rfc1459 CHATHISTORY=100 MSGREFTYPES=timestamp,msgid :are supported";

/// alice registered with `caps` acknowledged and `isupport` given, in #lobby.
fn app_with(settings: Settings, caps: &str, isupport: &str) -> App {
    let mut app = App::new(settings, (100, 30), t0());
    net(
        &mut app,
        NetEvent::Connected {
            address: "chat.lan:6667".into(),
            secure: false,
        },
    );
    line(&mut app, &format!(":srv CAP * ACK :{caps}"));
    line(&mut app, ":srv 001 alice :Welcome");
    line(&mut app, isupport);
    line(&mut app, ":alice!a@h JOIN #lobby");
    line(&mut app, ":srv 353 alice = #lobby :alice +bob");
    line(&mut app, ":srv 366 alice #lobby :End of NAMES");
    app
}

fn history_app() -> App {
    app_with(
        Settings::new("alice", "chat.lan:6667"),
        HISTORY_CAPS,
        NATTERD_ISUPPORT,
    )
}

/// A `chathistory` batch `id` for `target` holding messages `numbers`
/// (msgid `m<n>`, said by bob on 21 November at 20:00 + n minutes).
fn batch(app: &mut App, id: &str, target: &str, numbers: impl IntoIterator<Item = u32>) {
    batch_labelled(app, id, None, target, numbers);
}

fn batch_labelled(
    app: &mut App,
    id: &str,
    label: Option<&str>,
    target: &str,
    numbers: impl IntoIterator<Item = u32>,
) {
    let tag = label.map(|l| format!("@label={l} ")).unwrap_or_default();
    line(app, &format!("{tag}:srv BATCH +{id} chathistory {target}"));
    for n in numbers {
        let (hour, minute) = (20 + n / 60, n % 60);
        line(
            app,
            &format!(
                "@batch={id};time=2026-11-21T{hour:02}:{minute:02}:00.000Z;msgid=m{n} :bob!b@h PRIVMSG {target} :message {n}"
            ),
        );
    }
    line(app, &format!(":srv BATCH -{id}"));
}

/// The CHATHISTORY lines among `effects`.
fn requests(effects: &[Effect]) -> Vec<String> {
    sent(effects)
        .into_iter()
        .filter(|l| l.contains("CHATHISTORY"))
        .collect()
}

/// Presses PgUp until a request goes out (at most `presses` times).
fn page_up_until_request(app: &mut App, presses: usize) -> Vec<String> {
    for _ in 0..presses {
        let asked = requests(&key(app, KeyCode::PageUp));
        if !asked.is_empty() {
            return asked;
        }
    }
    Vec::new()
}

/// The message texts of the visible buffer, in order.
fn said(app: &App) -> Vec<String> {
    app.chat
        .buffers
        .active()
        .lines
        .iter()
        .filter(|l| !l.nick.is_empty())
        .map(|l| l.text())
        .collect()
}

fn numbered(range: std::ops::RangeInclusive<u32>) -> Vec<String> {
    range.map(|n| format!("message {n}")).collect()
}

/// The message pane's rows (below tabs and topic, above the status line).
fn pane(app: &App) -> Vec<String> {
    let text = screen_text(app, 100, 30);
    text.lines()
        .skip(1)
        .take(27)
        .map(|row| {
            row.chars()
                .take(78)
                .collect::<String>()
                .trim_end()
                .to_owned()
        })
        .collect()
}

#[test]
fn the_join_backlog_goes_above_the_join_in_order() {
    let mut app = history_app();
    batch(&mut app, "b1", "#lobby", 71..=120);
    assert_eq!(said(&app), numbered(71..=120));
    let lobby = app.chat.buffers.active();
    assert!(lobby.lines.iter().all(|l| l.replayed || l.nick.is_empty()));
    assert_eq!(
        lobby.lines.front().unwrap().text(),
        "Saturday 21 November 2026"
    );
    assert_eq!(lobby.lines.back().unwrap().text(), "You joined #lobby");
    assert_eq!((lobby.unread, lobby.mentions), (0, 0));
}

#[test]
fn scrolling_to_the_top_asks_once_for_what_came_before_the_oldest_message() {
    let mut app = history_app();
    batch(&mut app, "b1", "#lobby", 71..=120);
    let asked = page_up_until_request(&mut app, 10);
    assert_eq!(asked, ["CHATHISTORY BEFORE #lobby msgid=m71 100"]);
    assert_eq!(app.chat.buffers.active().older, Older::Loading);
    assert!(
        pane(&app)[0].contains("loading older messages…"),
        "{:#?}",
        pane(&app)
    );
    // One request at a time: more scrolling asks nothing while it is on its way.
    for _ in 0..3 {
        assert!(requests(&key(&mut app, KeyCode::PageUp)).is_empty());
    }
    let wheel = mouse(&mut app, MouseEventKind::ScrollUp, 10, 10);
    assert!(requests(&wheel).is_empty());
}

#[test]
fn the_answer_goes_above_without_moving_the_view() {
    let mut app = history_app();
    batch(&mut app, "b1", "#lobby", 71..=120);
    page_up_until_request(&mut app, 10);
    let before = pane(&app);
    assert!(before[0].contains("loading older messages…"));
    batch(&mut app, "b2", "#lobby", 21..=70);
    let after = pane(&app);
    // Every message that was on screen is still there, on the same row; the
    // rules above them (loading, earlier messages, the day, which now heads
    // the older block) gave way to the older messages.
    let messages: Vec<usize> = (0..before.len())
        .filter(|&i| before[i].contains("<bob>"))
        .collect();
    assert_eq!(messages.len(), before.len() - 4, "{before:#?}");
    for i in messages {
        assert_eq!(after[i], before[i], "{before:#?}\n{after:#?}");
    }
    assert_eq!(
        after[..3],
        [
            "21:08 <bob> message 68",
            "21:09 <bob> message 69",
            "21:10 <bob> message 70"
        ]
    );
    assert_eq!(said(&app), numbered(21..=120));
    assert_eq!(app.chat.buffers.active().older, Older::Unknown);
    // The next PgUp shows the older lines, and at the top asks again.
    let asked = page_up_until_request(&mut app, 10);
    assert_eq!(asked, ["CHATHISTORY BEFORE #lobby msgid=m21 100"]);
}

#[test]
fn an_answer_while_following_keeps_the_lines_where_they_are() {
    let mut app = history_app();
    batch(&mut app, "b1", "#lobby", 118..=120);
    // Everything fits: PgUp is already at the top and asks at once.
    let asked = requests(&key(&mut app, KeyCode::PageUp));
    assert_eq!(asked, ["CHATHISTORY BEFORE #lobby msgid=m118 100"]);
    let before = pane(&app);
    batch(&mut app, "b2", "#lobby", 90..=117);
    let after = pane(&app);
    let shown = before
        .iter()
        .position(|r| r.contains("message 118"))
        .unwrap();
    assert_eq!(after[shown..], before[shown..], "{before:#?}\n{after:#?}");
    assert!(after[shown - 1].contains("message 117"), "{after:#?}");
}

#[test]
fn an_empty_answer_marks_the_start_of_history_and_stops_asking() {
    let mut app = history_app();
    batch(&mut app, "b1", "#lobby", 1..=50);
    page_up_until_request(&mut app, 10);
    batch(&mut app, "b2", "#lobby", []);
    assert_eq!(app.chat.buffers.active().older, Older::Complete);
    key(&mut app, KeyCode::PageUp);
    assert!(
        pane(&app)[0].contains("start of history"),
        "{:#?}",
        pane(&app)
    );
    for _ in 0..5 {
        assert!(requests(&key(&mut app, KeyCode::PageUp)).is_empty());
    }
    let home = app.update(AppEvent::Key(crossterm::event::KeyEvent::new(
        KeyCode::Home,
        KeyModifiers::CONTROL,
    )));
    assert!(requests(&home).is_empty());
}

#[test]
fn ctrl_home_jumps_to_the_top_and_asks() {
    let mut app = history_app();
    batch(&mut app, "b1", "#lobby", 71..=120);
    let home = app.update(AppEvent::Key(crossterm::event::KeyEvent::new(
        KeyCode::Home,
        KeyModifiers::CONTROL,
    )));
    assert_eq!(requests(&home), ["CHATHISTORY BEFORE #lobby msgid=m71 100"]);
    assert!(pane(&app)[0].contains("loading older messages…"));
}

#[test]
fn labelled_requests_are_told_apart_from_a_backlog_for_the_same_channel() {
    let caps = format!("{HISTORY_CAPS} labeled-response");
    let mut app = app_with(
        Settings::new("alice", "chat.lan:6667"),
        &caps,
        NATTERD_ISUPPORT,
    );
    batch(&mut app, "b1", "#lobby", 71..=120);
    let asked = page_up_until_request(&mut app, 10);
    assert_eq!(
        asked,
        ["@label=natter-h1 CHATHISTORY BEFORE #lobby msgid=m71 100"]
    );
    // An unlabelled (backlog) batch does not answer the request...
    batch(&mut app, "b2", "#lobby", []);
    assert_eq!(app.chat.buffers.active().older, Older::Loading);
    // ...the labelled one does.
    batch_labelled(&mut app, "b3", Some("natter-h1"), "#lobby", 41..=70);
    assert_eq!(app.chat.buffers.active().older, Older::Unknown);
    assert_eq!(said(&app), numbered(41..=120));
    page_up_until_request(&mut app, 10);
    line(&mut app, "@label=natter-h2 :srv ACK");
    assert_eq!(app.chat.buffers.active().older, Older::Complete);
}

#[test]
fn without_a_msgid_the_oldest_message_time_is_the_anchor() {
    let mut app = history_app();
    line(
        &mut app,
        "@time=2026-11-22T09:31:02.345Z :bob!b@h PRIVMSG #lobby :no msgid here",
    );
    let asked = requests(&key(&mut app, KeyCode::PageUp));
    assert_eq!(
        asked,
        ["CHATHISTORY BEFORE #lobby timestamp=2026-11-22T09:31:02.345Z 100"]
    );
}

#[test]
fn msgreftypes_without_msgid_makes_natter_ask_by_time() {
    let isupport = ":srv 005 alice CHATHISTORY=20 MSGREFTYPES=timestamp :are supported";
    let mut app = app_with(
        Settings::new("alice", "chat.lan:6667"),
        HISTORY_CAPS,
        isupport,
    );
    batch(&mut app, "b1", "#lobby", [5, 6]);
    let asked = requests(&key(&mut app, KeyCode::PageUp));
    assert_eq!(
        asked,
        ["CHATHISTORY BEFORE #lobby timestamp=2026-11-21T20:05:00.000Z 20"]
    );
}

#[test]
fn private_buffers_load_their_history_too() {
    let mut app = history_app();
    line(
        &mut app,
        "@time=2026-11-22T09:31:00.000Z;msgid=p9 :bob!b@h PRIVMSG alice :psst",
    );
    let bob = index_of(&app, "bob");
    app.update(AppEvent::Key(crossterm::event::KeyEvent::new(
        KeyCode::Char(char::from_digit(bob as u32 + 1, 10).unwrap()),
        KeyModifiers::ALT,
    )));
    assert_eq!(active_name(&app), "bob");
    let asked = requests(&key(&mut app, KeyCode::PageUp));
    assert_eq!(asked, ["CHATHISTORY BEFORE bob msgid=p9 100"]);
    line(&mut app, ":srv BATCH +p chathistory bob");
    line(
        &mut app,
        "@batch=p;time=2026-11-21T10:00:00.000Z;msgid=p1 :alice!a@h PRIVMSG bob :are you there?",
    );
    let effects = line(
        &mut app,
        "@batch=p;time=2026-11-21T10:01:00.000Z;msgid=p2 :bob!b@h PRIVMSG alice :yes",
    );
    assert!(effects.is_empty(), "no bell for old whispers");
    line(&mut app, ":srv BATCH -p");
    assert_eq!(said(&app), ["are you there?", "yes", "psst"]);
    assert_eq!(app.chat.buffers.active().older, Older::Unknown);
}

/// `/query bob` on a new, empty buffer asks for the conversation so far
/// at once (a whisper reopened after a restart is not an empty pane), and
/// the answer fills it; reopening a buffer that has lines asks nothing.
#[test]
fn a_new_query_loads_the_conversation_so_far() {
    let mut app = history_app();
    let asked = requests(&submit(&mut app, "/query bob"));
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert!(
        asked[0].starts_with("CHATHISTORY BEFORE bob timestamp="),
        "{asked:?}"
    );
    assert!(asked[0].ends_with(" 100"), "{asked:?}");
    line(&mut app, ":srv BATCH +q chathistory bob");
    line(
        &mut app,
        "@batch=q;time=2026-11-21T10:00:00.000Z;msgid=q1 :alice!a@h PRIVMSG bob :the secret is tangerine",
    );
    line(&mut app, ":srv BATCH -q");
    assert_eq!(said(&app), ["the secret is tangerine"]);
    submit(&mut app, "/query #lobby");
    assert!(requests(&submit(&mut app, "/query bob")).is_empty());
}

#[test]
fn never_asks_beyond_the_scrollback_cap() {
    let mut settings = Settings::new("alice", "chat.lan:6667");
    settings.scrollback_lines = 100;
    let mut app = app_with(settings, HISTORY_CAPS, NATTERD_ISUPPORT);
    batch(&mut app, "b1", "#lobby", 31..=120);
    let held = app.chat.buffers.active().lines.len();
    let asked = page_up_until_request(&mut app, 10);
    assert_eq!(
        asked,
        [format!(
            "CHATHISTORY BEFORE #lobby msgid=m31 {}",
            100 - held
        )]
    );
    batch(&mut app, "b2", "#lobby", 31 - (100 - held as u32)..=30);
    assert_eq!(app.chat.buffers.active().lines.len(), 100);
    assert_eq!(app.chat.buffers.active().older, Older::Full);
    for _ in 0..5 {
        assert!(requests(&key(&mut app, KeyCode::PageUp)).is_empty());
    }
    assert!(
        pane(&app)[0].contains("scrollback full"),
        "{:#?}",
        pane(&app)
    );
}

#[test]
fn nothing_is_asked_of_servers_without_chathistory() {
    // natterd-like caps but no chathistory, and chathistory without batch.
    for caps in [
        "server-time message-tags batch",
        "server-time message-tags draft/chathistory",
    ] {
        let mut app = app_with(
            Settings::new("alice", "chat.lan:6667"),
            caps,
            NATTERD_ISUPPORT,
        );
        line(&mut app, "@msgid=x1 :bob!b@h PRIVMSG #lobby :hi");
        for _ in 0..5 {
            assert!(
                requests(&key(&mut app, KeyCode::PageUp)).is_empty(),
                "{caps}"
            );
        }
        assert_eq!(app.chat.buffers.active().older, Older::Unknown);
    }
    let mut app = app();
    for _ in 0..5 {
        assert!(requests(&key(&mut app, KeyCode::PageUp)).is_empty());
    }
}

#[test]
fn a_refused_request_stops_asking_until_the_next_connection() {
    let mut app = history_app();
    batch(&mut app, "b1", "#lobby", 71..=120);
    page_up_until_request(&mut app, 10);
    line(
        &mut app,
        ":srv FAIL CHATHISTORY MESSAGE_ERROR BEFORE #lobby :Messages could not be retrieved",
    );
    assert_eq!(app.chat.buffers.active().older, Older::Unavailable);
    assert!(last(&app).contains("Messages could not be retrieved"));
    for _ in 0..5 {
        assert!(requests(&key(&mut app, KeyCode::PageUp)).is_empty());
    }
    net(
        &mut app,
        NetEvent::Disconnected {
            reason: "gone".into(),
            retry_at: t0(),
        },
    );
    assert_eq!(
        app.chat.buffers.all()[index_of(&app, "#lobby")].older,
        Older::Unknown
    );
}

#[test]
fn a_scrolled_view_stays_put_while_other_buffers_get_lines() {
    let mut app = history_app();
    for i in 0..60 {
        line(
            &mut app,
            &format!(":bob!b@h PRIVMSG #lobby :lobby line {i}"),
        );
        line(&mut app, &format!(":bob!b@h PRIVMSG alice :whisper {i}"));
    }
    alt(&mut app, KeyCode::Char('2'));
    assert_eq!(active_name(&app), "#lobby");
    key(&mut app, KeyCode::PageUp);
    let before = pane(&app);
    // One page up from the newest line (59), not somewhere else.
    let last_shown = before.iter().rev().find(|r| r.contains("lobby line"));
    assert!(
        last_shown.is_some_and(|r| r.ends_with("lobby line 34")),
        "{before:#?}"
    );
    line(&mut app, ":bob!b@h PRIVMSG alice :one more whisper");
    line(&mut app, ":bob!b@h PRIVMSG #lobby :one more line");
    let after = pane(&app);
    assert_eq!(after[..20], before[..20]);
}
