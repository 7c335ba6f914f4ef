//! Rendering that was wrong before: placeholders that did not fit the
//! buffer, truncation without a marker, help tables at 80x24 and 60
//! columns, wide characters at overlay borders.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::*;

#[test]
fn the_server_buffer_does_not_invite_messages_it_refuses() {
    let mut app = app();
    app.update(natter::event::AppEvent::Key(
        crossterm::event::KeyEvent::new(
            crossterm::event::KeyCode::Char('1'),
            crossterm::event::KeyModifiers::ALT,
        ),
    ));
    assert_eq!(active_name(&app), "chat.lan:6667");
    let screen = screen_text(&app, 80, 24);
    assert!(!screen.contains("type a message"), "{screen}");
    assert!(screen.contains("/join #room to chat"), "{screen}");
}

#[test]
fn a_parted_channel_offers_no_whisper_hints() {
    let mut app = app();
    line(&mut app, ":alice!a@h PART #lobby");
    let screen = screen_text(&app, 80, 24);
    assert!(!screen.contains("whisper"), "{screen}");
    assert!(screen.contains("not joined"), "{screen}");
    assert!(screen.contains("/join #lobby to chat here"), "{screen}");
    insta::assert_snapshot!(render(&app, 80, 24).backend());
}
