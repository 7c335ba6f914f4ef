//! /ignore: hidden messages (counted), whispers that open nothing, the list
//! saved through an effect and loaded again at start.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use natter::app::{App, Settings};
use natter::event::Effect;
use support::*;

#[test]
fn ignoring_hides_messages_counts_them_and_saves_the_list() {
    let mut app = app();
    let effects = submit(&mut app, "/ignore bob");
    assert_eq!(
        effects,
        vec![Effect::SaveIgnores(vec!["bob!*@*".to_owned()])]
    );
    assert_eq!(
        last(&app),
        "Ignoring bob!*@*: their messages are hidden and their whispers open nothing."
    );
    line(&mut app, ":bob!b@h PRIVMSG #lobby :buy my stuff");
    line(&mut app, ":carol!c@h PRIVMSG #lobby :hello");
    let lines = texts(&app);
    assert!(
        !lines.iter().any(|l| l.contains("buy my stuff")),
        "{lines:?}"
    );
    assert_eq!(last(&app), "carol: hello");
    assert_eq!(app.chat.hidden_here(), 1);
    let screen = screen_text(&app, 80, 24);
    assert!(screen.contains("1 ignored hidden"), "{screen}");
    // A whisper opens no buffer and rings no bell.
    let effects = line(&mut app, ":BOB!b@h PRIVMSG alice :psst");
    assert!(effects.is_empty(), "{effects:?}");
    assert!(
        !app.chat
            .buffers
            .all()
            .iter()
            .any(|b| b.name.eq_ignore_ascii_case("bob"))
    );
    // Nor is a CTCP answered.
    let effects = line(&mut app, ":bob!b@h PRIVMSG alice :\u{1}VERSION\u{1}");
    assert!(effects.is_empty(), "{effects:?}");
}

#[test]
fn ignore_lists_and_unignore_restores() {
    let mut app = app();
    submit(&mut app, "/ignore");
    assert_eq!(
        last(&app),
        "You ignore no one. /ignore NICK (or a nick!user@host mask) hides someone's messages."
    );
    submit(&mut app, "/ignore *!*@spam.example");
    submit(&mut app, "/ignore bob");
    submit(&mut app, "/ignore");
    assert_eq!(
        last(&app),
        "Ignored: *!*@spam.example, bob!*@* (/unignore MASK to stop)"
    );
    line(&mut app, ":eve!e@spam.example PRIVMSG #lobby :spam");
    assert_ne!(last(&app), "eve: spam");
    let effects = submit(&mut app, "/unignore BOB");
    assert_eq!(
        effects,
        vec![Effect::SaveIgnores(vec!["*!*@spam.example".to_owned()])]
    );
    line(&mut app, ":bob!b@h PRIVMSG #lobby :back again");
    assert_eq!(last(&app), "bob: back again");
    submit(&mut app, "/unignore nobody");
    assert_eq!(
        last(&app),
        "nobody!*@* is not ignored (/ignore lists them)."
    );
}

#[test]
fn a_saved_list_applies_from_the_start() {
    let mut settings = Settings::new("alice", "chat.lan:6667");
    settings.ignores = vec!["bob!*@*".to_owned()];
    let mut app = App::new(settings, (100, 30), t0());
    connect(&mut app);
    line(&mut app, ":alice!a@h JOIN #lobby");
    line(&mut app, ":bob!b@h PRIVMSG #lobby :still here");
    assert!(!texts(&app).iter().any(|l| l.contains("still here")));
}
