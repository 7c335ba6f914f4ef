//! Typing notifications: shown in the status line from `+typing` TAGMSGs
//! (expiring after 6 s), and ours sent at most once per 3 s, `done` on
//! send or clear, never when turned off.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use chrono::Duration;
use crossterm::event::KeyCode;
use natter::event::AppEvent;
use support::*;

fn status(app: &natter::app::App) -> String {
    screen_text(app, 100, 30)
        .lines()
        .nth(28)
        .unwrap()
        .to_owned()
}

#[test]
fn who_is_typing_shows_in_the_status_line_until_it_ends() {
    let mut app = app();
    line(&mut app, "@+typing=active :bob!b@h TAGMSG #lobby");
    assert!(status(&app).contains("bob is typing…"), "{}", status(&app));
    line(&mut app, "@+typing=active :carol!c@h TAGMSG #lobby");
    assert!(status(&app).contains("bob and carol are typing…"));
    line(&mut app, ":bob!b@h PRIVMSG #lobby :done now");
    assert!(status(&app).contains("carol is typing…"));
    line(&mut app, "@+typing=done :carol!c@h TAGMSG #lobby");
    assert!(!status(&app).contains("typing"));
    line(&mut app, "@+typing=active :bob!b@h TAGMSG #lobby");
    let later = app.chat.now + Duration::seconds(7);
    app.update(AppEvent::Tick(later));
    assert!(app.take_needs_redraw());
    assert!(!status(&app).contains("typing"), "{}", status(&app));
}

#[test]
fn our_typing_is_sent_throttled_and_done_on_send() {
    let mut app = app();
    let effects = type_text(&mut app, "hi");
    assert_eq!(
        sent_with_typing(&effects),
        vec!["@+typing=active TAGMSG #lobby"]
    );
    let later = app.chat.now + Duration::seconds(4);
    app.update(AppEvent::Tick(later));
    let effects = type_text(&mut app, "!");
    assert_eq!(
        sent_with_typing(&effects),
        vec!["@+typing=active TAGMSG #lobby"]
    );
    let effects = key(&mut app, KeyCode::Enter);
    assert_eq!(
        sent_with_typing(&effects),
        vec!["PRIVMSG #lobby hi!", "@+typing=done TAGMSG #lobby"]
    );
    // Commands are not chat: nothing is announced while typing one.
    assert!(sent_with_typing(&type_text(&mut app, "/names")).is_empty());
}

#[test]
fn clearing_the_line_says_done_and_the_setting_turns_it_all_off() {
    let mut app = app();
    type_text(&mut app, "draft");
    let effects = ctrl(&mut app, 'c');
    assert_eq!(
        sent_with_typing(&effects),
        vec!["@+typing=done TAGMSG #lobby"]
    );
    let mut quiet = support::app();
    quiet.chat.settings.typing = false;
    assert!(sent_with_typing(&type_text(&mut quiet, "quiet")).is_empty());
}
