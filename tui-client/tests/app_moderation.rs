//! `App::update` tests for the channel commands users of IRC clients expect
//! beyond chat: /list, /kick, /invite, /mode and its shortcuts, and how the
//! replies to them are shown.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use crossterm::event::KeyCode;
use natter::chat::buffers::LineKind;
use support::*;

/// Runs `command` in `app` and returns the lines it sent.
fn run(app: &mut natter::app::App, command: &str) -> Vec<String> {
    sent(&submit(app, command))
}

/// Asserts `command` sends nothing and shows an error starting with `usage`.
fn refuses(app: &mut natter::app::App, command: &str, usage: &str) {
    let before = app.chat.buffers.active().lines.len();
    assert!(run(app, command).is_empty(), "{command} sent something");
    let shown = app.chat.buffers.active().lines.back().unwrap();
    assert_eq!(shown.kind, LineKind::Error, "{command}");
    assert!(
        shown.text().starts_with(usage),
        "{command}: {}",
        shown.text()
    );
    assert_eq!(app.chat.buffers.active().lines.len(), before + 1);
}

/// alice in the server buffer, where no channel is implied.
fn in_server_buffer() -> natter::app::App {
    let mut app = app();
    alt(&mut app, KeyCode::Char('1'));
    assert_eq!(active_name(&app), "chat.lan:6667");
    app
}

#[test]
fn kick_removes_a_nick_from_the_visible_channel() {
    let mut app = app();
    assert_eq!(run(&mut app, "/kick bob"), vec!["KICK #lobby bob"]);
    assert_eq!(
        run(&mut app, "/kick bob stop spamming"),
        vec!["KICK #lobby bob :stop spamming"]
    );
    assert_eq!(
        run(&mut app, "/kick #rust bob bye"),
        vec!["KICK #rust bob bye"]
    );
}

#[test]
fn kick_without_a_nick_or_channel_explains_usage() {
    let mut app = app();
    refuses(&mut app, "/kick", "Usage: /kick NICK [REASON]");
    let mut app = in_server_buffer();
    refuses(&mut app, "/kick bob", "Usage: /kick NICK [REASON]");
}

#[test]
fn invite_defaults_to_the_visible_channel() {
    let mut app = app();
    assert_eq!(run(&mut app, "/invite dave"), vec!["INVITE dave #lobby"]);
    assert_eq!(
        run(&mut app, "/invite dave #rust"),
        vec!["INVITE dave #rust"]
    );
    refuses(&mut app, "/invite", "Usage: /invite NICK [#ROOM]");
    refuses(&mut app, "/invite #rust", "Usage: /invite NICK [#ROOM]");
    let mut app = in_server_buffer();
    refuses(&mut app, "/invite dave", "Usage: /invite NICK [#ROOM]");
}

#[test]
fn mode_targets_the_visible_channel_unless_one_is_named() {
    let mut app = app();
    assert_eq!(run(&mut app, "/mode +m"), vec!["MODE #lobby +m"]);
    assert_eq!(
        run(&mut app, "/mode +k secret"),
        vec!["MODE #lobby +k secret"]
    );
    assert_eq!(
        run(&mut app, "/mode #rust +o bob"),
        vec!["MODE #rust +o bob"]
    );
    assert_eq!(run(&mut app, "/mode alice +i"), vec!["MODE alice +i"]);
    assert_eq!(run(&mut app, "/mode -t"), vec!["MODE #lobby -t"]);
    // Alone it asks for the channel's modes.
    assert_eq!(run(&mut app, "/mode"), vec!["MODE #lobby"]);
}

#[test]
fn mode_outside_a_channel_needs_a_target() {
    let mut app = in_server_buffer();
    refuses(&mut app, "/mode", "Usage: /mode [TARGET] MODES [ARGS]");
    refuses(&mut app, "/mode +m", "Usage: /mode [TARGET] MODES [ARGS]");
    assert_eq!(run(&mut app, "/mode #lobby +n"), vec!["MODE #lobby +n"]);
}

#[test]
fn a_word_that_cannot_be_sent_as_typed_is_refused() {
    let mut app = app();
    refuses(&mut app, "/mode +b :x y", "Usage: /mode");
}

#[test]
fn op_deop_voice_devoice_set_member_modes() {
    let mut app = app();
    assert_eq!(run(&mut app, "/op bob"), vec!["MODE #lobby +o bob"]);
    assert_eq!(run(&mut app, "/deop carol"), vec!["MODE #lobby -o carol"]);
    assert_eq!(run(&mut app, "/voice dave"), vec!["MODE #lobby +v dave"]);
    assert_eq!(run(&mut app, "/devoice bob"), vec!["MODE #lobby -v bob"]);
    assert_eq!(run(&mut app, "/op #rust bob"), vec!["MODE #rust +o bob"]);
}

#[test]
fn op_of_many_nicks_sends_as_many_per_line_as_the_server_allows() {
    let mut app = app();
    assert_eq!(
        run(&mut app, "/op a b c d"),
        vec!["MODE #lobby +ooo a b c", "MODE #lobby +o d"],
        "RFC 1459 servers take three"
    );
    line(&mut app, ":srv 005 alice MODES=4 :are supported");
    assert_eq!(
        run(&mut app, "/voice a b c d e"),
        vec!["MODE #lobby +vvvv a b c d", "MODE #lobby +v e"]
    );
}

#[test]
fn member_mode_shortcuts_need_a_nick_and_a_channel() {
    let mut app = app();
    for (command, usage) in [
        ("/op", "Usage: /op NICK"),
        ("/deop", "Usage: /deop NICK"),
        ("/voice", "Usage: /voice NICK"),
        ("/devoice", "Usage: /devoice NICK"),
        ("/unban", "Usage: /unban MASK"),
    ] {
        refuses(&mut app, command, usage);
    }
    let mut app = in_server_buffer();
    refuses(&mut app, "/op bob", "Usage: /op NICK");
    refuses(&mut app, "/ban bob", "Usage: /ban [MASK...]");
}

#[test]
fn ban_and_unban_take_masks_and_turn_a_nick_into_one() {
    let mut app = app();
    assert_eq!(
        run(&mut app, "/ban *!*@10.0.0.7"),
        vec!["MODE #lobby +b *!*@10.0.0.7"]
    );
    assert_eq!(
        run(&mut app, "/ban troll"),
        vec!["MODE #lobby +b troll!*@*"]
    );
    assert_eq!(
        run(&mut app, "/unban troll!*@*"),
        vec!["MODE #lobby -b troll!*@*"]
    );
    // Alone, /ban asks for the ban list.
    assert_eq!(run(&mut app, "/ban"), vec!["MODE #lobby +b"]);
}

#[test]
fn list_asks_for_channels_and_shows_the_server_buffer() {
    let mut app = app();
    assert_eq!(run(&mut app, "/list"), vec!["LIST"]);
    assert_eq!(active_name(&app), "chat.lan:6667");
    assert_eq!(
        run(&mut app, "/list #rust,#music"),
        vec!["LIST #rust,#music"]
    );
}

#[test]
fn new_commands_complete_with_tab() {
    let mut app = app();
    type_text(&mut app, "/dev");
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.view.input.text(), "/devoice ");
    key(&mut app, KeyCode::Esc);
    ctrl(&mut app, 'u');
    type_text(&mut app, "/unb");
    key(&mut app, KeyCode::Tab);
    assert_eq!(app.view.input.text(), "/unban ");
}
