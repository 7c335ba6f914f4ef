//! Searching a buffer: Ctrl+F or /search, moving between matches, the view
//! following them, and loading older history when the loaded lines run out.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use natter::app::{App, Settings};
use natter::event::{AppEvent, NetEvent};
use natter::view::search::SearchState;
use support::*;

fn chatty() -> App {
    let mut app = app();
    for i in 0..60 {
        let text = if i % 20 == 5 {
            format!("Coffee time number {i}")
        } else {
            format!("filler line {i}")
        };
        line(&mut app, &format!(":bob!b@h PRIVMSG #lobby :{text}"));
    }
    app
}

fn current_text(app: &App) -> String {
    let search = app.view.search.as_ref().expect("searching");
    let buffer = app.chat.buffers.active();
    let seq = search.current.expect("a match");
    buffer.lines[buffer.index_of(seq).unwrap()].text()
}

#[test]
fn ctrl_f_finds_matches_newest_first_and_moves_both_ways() {
    let mut app = chatty();
    ctrl(&mut app, 'f');
    type_text(&mut app, "coffee");
    assert!(app.view.input.is_empty(), "the query is not the input line");
    key(&mut app, KeyCode::Enter);
    assert_eq!(current_text(&app), "Coffee time number 45");
    assert!(
        app.chat.buffers.active().scroll.is_some(),
        "the view follows"
    );
    key(&mut app, KeyCode::Enter);
    assert_eq!(current_text(&app), "Coffee time number 25");
    key(&mut app, KeyCode::Up);
    assert_eq!(current_text(&app), "Coffee time number 5");
    key(&mut app, KeyCode::Down);
    assert_eq!(current_text(&app), "Coffee time number 25");
    app.update(AppEvent::Key(KeyEvent::new(
        KeyCode::Enter,
        KeyModifiers::SHIFT,
    )));
    assert_eq!(current_text(&app), "Coffee time number 45");
    // Past the oldest match, without server history: nothing more.
    for _ in 0..3 {
        key(&mut app, KeyCode::Up);
    }
    assert_eq!(
        app.view.search.as_ref().unwrap().state,
        SearchState::Exhausted
    );
    key(&mut app, KeyCode::Esc);
    assert!(app.view.search.is_none());
    assert!(
        app.chat.buffers.active().scroll.is_none(),
        "back to the newest"
    );
}

#[test]
fn slash_search_jumps_to_the_newest_match_and_highlights_it() {
    let mut app = chatty();
    submit(&mut app, "/search number 25");
    assert_eq!(current_text(&app), "Coffee time number 25");
    let terminal = render(&app, 100, 30);
    let buffer = terminal.backend().buffer();
    let screen = screen_text(&app, 100, 30);
    let row = screen
        .lines()
        .position(|l| l.contains("Coffee time number 25"))
        .expect("the match is on screen");
    let column = screen.lines().nth(row).unwrap().find("number 25").unwrap();
    let cell = &buffer[(u16::try_from(column).unwrap(), u16::try_from(row).unwrap())];
    assert_eq!(cell.style().bg, Some(ratatui::style::Color::Yellow));
    assert!(screen.contains("[search] number 25"), "{screen}");
    insta::assert_snapshot!(terminal.backend());
}

#[test]
fn at_the_oldest_loaded_line_the_search_loads_older_history_and_goes_on() {
    let mut app = App::new(Settings::new("alice", "chat.lan:6667"), (100, 30), t0());
    net(
        &mut app,
        NetEvent::Connected {
            address: "chat.lan:6667".into(),
            secure: false,
        },
    );
    line(
        &mut app,
        ":srv CAP * ACK :server-time message-tags batch draft/chathistory",
    );
    line(&mut app, ":srv 001 alice :Welcome");
    line(
        &mut app,
        ":srv 005 alice CHANTYPES=# CHATHISTORY=100 MSGREFTYPES=timestamp,msgid :are supported",
    );
    line(&mut app, ":alice!a@h JOIN #lobby");
    line(
        &mut app,
        "@time=2026-11-22T09:00:00.000Z;msgid=m9 :bob!b@h PRIVMSG #lobby :recent chatter",
    );
    ctrl(&mut app, 'f');
    type_text(&mut app, "treasure");
    key(&mut app, KeyCode::Enter);
    assert_eq!(
        app.view.search.as_ref().unwrap().state,
        SearchState::OfferOlder
    );
    assert!(screen_text(&app, 100, 30).contains("Enter loads older history"));
    let effects = key(&mut app, KeyCode::Enter);
    let requests: Vec<String> = sent(&effects)
        .into_iter()
        .filter(|l| l.starts_with("CHATHISTORY BEFORE #lobby"))
        .collect();
    assert_eq!(requests.len(), 1, "{effects:?}");
    assert_eq!(
        app.view.search.as_ref().unwrap().state,
        SearchState::Loading
    );
    line(&mut app, ":srv BATCH +h1 chathistory #lobby");
    line(
        &mut app,
        "@batch=h1;time=2026-11-21T20:00:00.000Z;msgid=m1 :carol!c@h PRIVMSG #lobby :the treasure is under the tree",
    );
    line(
        &mut app,
        "@batch=h1;time=2026-11-21T20:01:00.000Z;msgid=m2 :carol!c@h PRIVMSG #lobby :nothing here",
    );
    line(&mut app, ":srv BATCH -h1");
    assert_eq!(current_text(&app), "the treasure is under the tree");
}
