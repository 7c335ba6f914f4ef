//! Getting attention: the bell and/or a desktop notification (OSC 777 and
//! OSC 9) for mentions and whispers not on screen, or arriving while the
//! terminal is not focused, as `notify` says.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use natter::app::{App, Notify};
use natter::event::{AppEvent, Effect};
use support::*;

fn with_notify(notify: Notify) -> App {
    let mut app = app();
    app.chat.settings.notify = notify;
    app
}

fn notify(title: &str, body: &str) -> Effect {
    Effect::Notify {
        title: title.into(),
        body: body.into(),
    }
}

#[test]
fn a_whisper_notifies_as_configured() {
    let mut app = with_notify(Notify::Both);
    let effects = line(&mut app, ":bob!b@h PRIVMSG alice :psst \u{2}bold\u{2}");
    assert_eq!(
        effects,
        vec![Effect::Bell, notify("bob whispers", "psst bold")]
    );
    let mut app = with_notify(Notify::Osc);
    let effects = line(&mut app, ":bob!b@h PRIVMSG alice :psst");
    assert_eq!(effects, vec![notify("bob whispers", "psst")]);
    let mut app = with_notify(Notify::None);
    assert!(line(&mut app, ":bob!b@h PRIVMSG alice :psst").is_empty());
}

#[test]
fn a_mention_on_screen_notifies_only_when_the_terminal_is_not_focused() {
    let mut app = with_notify(Notify::Osc);
    assert!(line(&mut app, ":bob!b@h PRIVMSG #lobby :alice: look").is_empty());
    app.update(AppEvent::Focus(false));
    let effects = line(&mut app, ":bob!b@h PRIVMSG #lobby :alice: look again");
    assert_eq!(effects, vec![notify("bob in #lobby", "alice: look again")]);
    app.update(AppEvent::Focus(true));
    assert!(line(&mut app, ":bob!b@h PRIVMSG #lobby :alice: and again").is_empty());
}

#[test]
fn the_notification_sequence_cannot_be_broken_out_of() {
    let hostile = "hi\u{7}\u{1b}]8;;http://evil\u{1b}\\\u{9c}x";
    let bytes = natter::text::desktop_notification("bob; in #x\u{1b}", hostile);
    assert!(
        bytes.starts_with("\u{1b}]777;notify;bob, in #x;hi"),
        "{bytes:?}"
    );
    // Exactly the two sequences natter writes: two ESC ], two BEL, nothing else.
    assert_eq!(bytes.matches('\u{1b}').count(), 2, "{bytes:?}");
    assert_eq!(bytes.matches('\u{7}').count(), 2, "{bytes:?}");
    assert!(!bytes.contains('\u{9c}'), "{bytes:?}");
    assert!(bytes.contains("\u{1b}]9;bob, in #x: hi"), "{bytes:?}");
}
