//! `App::update` tests for the replies to channel commands: the LIST table in
//! the server buffer, channel modes, the ban list, invitations, and channel
//! operator errors in the buffer they are about.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use crossterm::event::KeyCode;
use natter::app::App;
use natter::chat::buffers::LineKind;
use support::*;

/// t0 as the Unix time a server sends.
const T0_UNIX: &str = "1795339800";

/// The lines of buffer `name` as text, with their kinds.
fn lines_of(app: &App, name: &str) -> Vec<(LineKind, String)> {
    app.chat.buffers.all()[index_of(app, name)]
        .lines
        .iter()
        .map(|l| (l.kind, l.text()))
        .collect()
}

/// The last line of buffer `name`.
fn last_of(app: &App, name: &str) -> (LineKind, String) {
    lines_of(app, name).pop().unwrap()
}

/// A row of the LIST table as natter draws it.
fn list_row(channel: &str, members: &str, topic: &str) -> String {
    format!("{channel:<24} {members:>7}  {topic}")
}

#[test]
fn list_replies_are_a_table_in_the_server_buffer() {
    let mut app = app();
    let before = lines_of(&app, "chat.lan:6667").len();
    line(&mut app, ":srv 321 alice Channel :Users  Name");
    line(&mut app, ":srv 322 alice #lobby 3 :Welcome to the lobby");
    line(
        &mut app,
        ":srv 322 alice #rust 12 :\u{2}Rust\u{2} talk \u{1b}[31mred\u{7}",
    );
    line(&mut app, ":srv 322 alice #qu\u{1b}iet 1 :");
    line(&mut app, ":srv 323 alice :End of /LIST");
    let server = lines_of(&app, "chat.lan:6667");
    let shown: Vec<&str> = server[before..].iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(
        shown,
        vec![
            list_row("Channel", "Members", "Topic").as_str(),
            list_row("#lobby", "3", "Welcome to the lobby").as_str(),
            list_row("#rust", "12", "Rust talk [31mred").as_str(),
            list_row("#quiet", "1", "").as_str(),
            "End of the channel list: 3 channels (/join #name to enter)",
        ]
    );
    assert!(
        server[before..]
            .iter()
            .all(|(kind, _)| *kind == LineKind::Info)
    );
    assert_eq!(active_name(&app), "#lobby", "replies do not switch buffers");
    let rust = &app.chat.buffers.all()[0].lines[before + 2];
    assert!(rust.body.iter().any(|run| run.text == "Rust"), "bold kept");
}

#[test]
fn an_empty_list_says_how_to_create_a_channel() {
    let mut app = app();
    line(&mut app, ":srv 321 alice Channel :Users  Name");
    line(&mut app, ":srv 323 alice :End of /LIST");
    assert_eq!(
        last_of(&app, "chat.lan:6667").1,
        "No channels to list (create one with /join #name)"
    );
}

#[test]
fn invitations_sent_are_confirmed_in_the_channel() {
    let mut app = app();
    alt(&mut app, KeyCode::Char('1'));
    line(&mut app, ":srv 341 alice dave #lobby");
    assert_eq!(
        last_of(&app, "#lobby"),
        (LineKind::Info, "You invited dave to #lobby".to_owned())
    );
}

#[test]
fn the_ban_list_is_shown_in_its_channel_with_who_and_when() {
    let mut app = app();
    line(
        &mut app,
        &format!(":srv 367 alice #lobby troll!*@* carol!c@h {T0_UNIX}"),
    );
    line(&mut app, ":srv 367 alice #lobby *!*@10.0.0.7");
    line(&mut app, ":srv 368 alice #lobby :End of channel ban list");
    let lobby = lines_of(&app, "#lobby");
    let shown: Vec<&str> = lobby
        .iter()
        .rev()
        .take(3)
        .rev()
        .map(|(_, t)| t.as_str())
        .collect();
    assert_eq!(
        shown,
        vec![
            "Banned in #lobby: troll!*@* (set by carol on 2026-11-22 09:30)",
            "Banned in #lobby: *!*@10.0.0.7",
            "End of the ban list of #lobby: 2 bans (/unban MASK lifts one)",
        ]
    );
    line(&mut app, ":srv 368 alice #lobby :End of channel ban list");
    assert_eq!(last_of(&app, "#lobby").1, "No bans are set in #lobby");
}

#[test]
fn channel_modes_and_creation_time_are_sentences() {
    let mut app = app();
    line(&mut app, ":srv 324 alice #lobby +knt secret");
    assert_eq!(last(&app), "Modes of #lobby: +knt secret");
    line(&mut app, ":srv 324 alice #lobby +");
    assert_eq!(last(&app), "No modes are set on #lobby");
    line(&mut app, &format!(":srv 329 alice #lobby {T0_UNIX}"));
    assert_eq!(last(&app), "#lobby was created on 2026-11-22 09:30");
}

#[test]
fn replies_about_a_channel_without_a_buffer_go_to_the_visible_one() {
    let mut app = app();
    line(&mut app, ":srv 324 alice #elsewhere +s");
    assert_eq!(last(&app), "Modes of #elsewhere: +s");
}

#[test]
fn operator_errors_say_what_happened_in_the_channel_they_are_about() {
    let mut app = app();
    submit(&mut app, "/query bob");
    line(
        &mut app,
        ":srv 441 alice bob #lobby :They aren't on that channel",
    );
    assert_eq!(
        last_of(&app, "#lobby"),
        (LineKind::Error, "bob is not in #lobby".to_owned()),
        "the channel wins over bob's private buffer"
    );
    line(
        &mut app,
        ":srv 443 alice carol #lobby :is already on channel",
    );
    assert_eq!(last_of(&app, "#lobby").1, "carol is already in #lobby");
    line(&mut app, ":srv 442 alice #rust :You're not on that channel");
    assert_eq!(
        last_of(&app, "bob"),
        (
            LineKind::Error,
            "You are not in #rust: /join #rust first".to_owned()
        ),
        "no #rust buffer: the visible one"
    );
    line(&mut app, ":srv 472 alice z :is unknown mode char to me");
    assert_eq!(
        last_of(&app, "bob").1,
        "The server does not know the mode z"
    );
}
