//! Tab numbers stay put: new buffers take the next free number, and only
//! the user moves tabs (/buffer move N, Alt+Shift+Left/Right).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use natter::event::AppEvent;
use support::*;

fn names(app: &natter::app::App) -> Vec<String> {
    app.chat
        .buffers
        .all()
        .iter()
        .map(|b| b.name.clone())
        .collect()
}

fn alt_shift(app: &mut natter::app::App, code: KeyCode) {
    app.update(AppEvent::Key(KeyEvent::new(
        code,
        KeyModifiers::ALT | KeyModifiers::SHIFT,
    )));
}

#[test]
fn joining_a_channel_does_not_renumber_the_tabs() {
    let mut app = app();
    line(&mut app, ":bob!b@h PRIVMSG alice :hi");
    assert_eq!(names(&app), vec!["chat.lan:6667", "#lobby", "bob"]);
    line(&mut app, ":alice!a@h JOIN #rust");
    assert_eq!(names(&app), vec!["chat.lan:6667", "#lobby", "bob", "#rust"]);
    alt(&mut app, KeyCode::Char('3'));
    assert_eq!(active_name(&app), "bob");
}

#[test]
fn buffer_move_reorders_and_keeps_the_buffer_shown() {
    let mut app = app();
    line(&mut app, ":bob!b@h PRIVMSG alice :hi");
    line(&mut app, ":alice!a@h JOIN #rust");
    alt(&mut app, KeyCode::Char('4'));
    submit(&mut app, "/buffer move 2");
    assert_eq!(names(&app), vec!["chat.lan:6667", "#rust", "#lobby", "bob"]);
    assert_eq!(active_name(&app), "#rust");
    submit(&mut app, "/buffer move 1");
    assert_eq!(last(&app), "The server buffer keeps number 1.");
    submit(&mut app, "/buffer 4");
    assert_eq!(active_name(&app), "bob");
    submit(&mut app, "/buffer move 9");
    assert_eq!(last(&app), "There is no buffer 9: numbers go from 1 to 4.");
}

#[test]
fn alt_shift_arrows_move_the_tab() {
    let mut app = app();
    line(&mut app, ":bob!b@h PRIVMSG alice :hi");
    alt(&mut app, KeyCode::Char('3'));
    alt_shift(&mut app, KeyCode::Left);
    assert_eq!(names(&app), vec!["chat.lan:6667", "bob", "#lobby"]);
    assert_eq!(active_name(&app), "bob");
    alt_shift(&mut app, KeyCode::Left);
    assert_eq!(names(&app), vec!["chat.lan:6667", "bob", "#lobby"]);
    alt_shift(&mut app, KeyCode::Right);
    alt_shift(&mut app, KeyCode::Right);
    assert_eq!(names(&app), vec!["chat.lan:6667", "#lobby", "bob"]);
}

#[test]
fn rebound_keys_act_and_the_help_follows() {
    use natter::app::{App, Settings};
    let mut settings = Settings::new("alice", "chat.lan:6667");
    settings.key_overrides = vec![
        ("help".into(), vec!["F5".into()]),
        ("next_buffer".into(), vec!["Ctrl+J".into()]),
    ];
    let mut app = App::new(settings, (100, 30), t0());
    connect(&mut app);
    line(&mut app, ":alice!a@h JOIN #lobby");
    key(&mut app, KeyCode::F(1));
    assert!(app.view.overlay.is_none());
    key(&mut app, KeyCode::F(5));
    assert!(app.view.overlay.is_some());
    let rows = natter::ui::help::help_rows(&app.view.keys);
    assert!(
        rows.iter()
            .any(|(keys, what)| keys == "F5" && what.starts_with("this help"))
    );
    key(&mut app, KeyCode::Esc);
    let before = active_name(&app);
    ctrl(&mut app, 'j');
    assert_ne!(active_name(&app), before);
    ctrl(&mut app, 'n');
    assert_eq!(app.view.input.text(), "", "Ctrl+N is unbound now");
}
