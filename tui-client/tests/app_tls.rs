//! Trust on first use in the TUI, through `App::update`: a self-signed
//! certificate opens a question showing its fingerprint; "always", "once"
//! and "refuse" each do what they say; stray keys trust nothing; a changed
//! certificate is a loud refusal, never a question.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use crossterm::event::KeyCode;
use natter::app::{App, ConnectionState, Overlay};
use natter::event::{AppEvent, Effect, NetEvent};
use natter_protocol::Fingerprint;
use support::*;

fn fingerprint() -> Fingerprint {
    Fingerprint::of_der(b"natterd's self-signed certificate")
}

/// A client whose first TLS connection met an unknown certificate.
fn asked() -> App {
    let mut app = fresh();
    net(
        &mut app,
        NetEvent::Connecting {
            address: "chat.lan:6697".into(),
            attempt: 1,
        },
    );
    net(
        &mut app,
        NetEvent::Untrusted {
            address: "chat.lan:6697".into(),
            fingerprint: fingerprint(),
            known_file: "/home/alice/.local/share/natter/known_servers".into(),
        },
    );
    app
}

fn trusted(effects: &[Effect]) -> Vec<(String, bool)> {
    effects
        .iter()
        .filter_map(|effect| match effect {
            // Answers are addressed to the network that asked.
            Effect::Network { effect, .. } => Some(effect.as_ref()),
            _ => None,
        })
        .filter_map(|effect| match effect {
            Effect::TrustCertificate {
                fingerprint,
                remember,
            } => Some((fingerprint.to_string(), *remember)),
            _ => None,
        })
        .collect()
}

#[test]
fn the_question_shows_the_fingerprint_and_waits() {
    let app = asked();
    assert!(matches!(
        &app.view.overlay,
        Some(Overlay::TrustCertificate(question)) if question.fingerprint == fingerprint()
    ));
    assert!(matches!(
        app.chat.connection,
        ConnectionState::Untrusted { .. }
    ));
    let told = texts(&app).join("\n");
    assert!(told.contains(&fingerprint().to_string()), "{told}");
    assert!(told.contains("natterd fingerprint"), "{told}");
}

#[test]
fn always_trusts_and_keeps_it() {
    let mut app = asked();
    let effects = key(&mut app, KeyCode::Char('a'));
    assert_eq!(trusted(&effects), vec![(fingerprint().to_string(), true)]);
    assert_eq!(app.view.overlay, None);
    assert!(last(&app).contains("always (kept in /home/alice/.local/share/natter/known_servers)"));
}

#[test]
fn once_trusts_for_this_session_only() {
    let mut app = asked();
    let effects = key(&mut app, KeyCode::Char('o'));
    assert_eq!(trusted(&effects), vec![(fingerprint().to_string(), false)]);
    assert!(
        last(&app).contains("for this session only"),
        "{}",
        last(&app)
    );
}

#[test]
fn refusing_connects_nowhere_and_reconnect_asks_again() {
    for refusal in [KeyCode::Esc, KeyCode::Char('r'), KeyCode::Char('n')] {
        let mut app = asked();
        let effects = key(&mut app, refusal);
        assert!(effects.is_empty(), "{effects:?}");
        assert_eq!(app.view.overlay, None);
        assert!(
            last(&app).starts_with("Certificate refused"),
            "{}",
            last(&app)
        );
        assert_eq!(submit(&mut app, "/reconnect"), vec![Effect::Reconnect]);
    }
}

#[test]
fn stray_keys_never_trust_anything() {
    let mut app = asked();
    for code in [
        KeyCode::Enter,
        KeyCode::Char('y'),
        KeyCode::Char(' '),
        KeyCode::Tab,
    ] {
        assert!(trusted(&key(&mut app, code)).is_empty());
    }
    assert!(matches!(
        app.view.overlay,
        Some(Overlay::TrustCertificate(_))
    ));
    assert_eq!(app.view.input.text(), "");
}

#[test]
fn a_waiting_paste_goes_back_to_the_input_line() {
    let mut app = app();
    app.update(AppEvent::Paste("one\ntwo\nthree\nfour\nfive\nsix".into()));
    key(&mut app, KeyCode::Enter);
    assert!(matches!(
        app.view.overlay,
        Some(Overlay::ConfirmPaste { .. })
    ));
    net(
        &mut app,
        NetEvent::Untrusted {
            address: "chat.lan:6697".into(),
            fingerprint: fingerprint(),
            known_file: "known_servers".into(),
        },
    );
    assert!(matches!(
        app.view.overlay,
        Some(Overlay::TrustCertificate(_))
    ));
    assert_eq!(app.view.input.text(), "one\ntwo\nthree\nfour\nfive\nsix");
}

#[test]
fn a_changed_certificate_is_a_loud_refusal_not_a_question() {
    let mut app = fresh();
    let reason = "WARNING: chat.lan:6697 presents a different certificate than before";
    net(
        &mut app,
        NetEvent::Failed {
            reason: reason.into(),
        },
    );
    assert_eq!(app.view.overlay, None);
    assert!(last(&app).contains(reason), "{}", last(&app));
}

#[test]
fn the_question_on_screen() {
    let app = asked();
    insta::assert_snapshot!(render(&app, 80, 24).backend());
}

/// A known_servers path wider than the screen is wrapped inside the box,
/// never cut: the user sees exactly which file "always" writes.
#[test]
fn a_long_known_servers_path_is_shown_whole() {
    let mut app = fresh();
    let known = "/tmp/tmp.Xq3ZpL0aVb/alice-home/.local/share/natter/known_servers";
    net(
        &mut app,
        NetEvent::Untrusted {
            address: "chat.lan:6697".into(),
            fingerprint: fingerprint(),
            known_file: known.into(),
        },
    );
    let screen = screen_text(&app, 80, 24);
    // The box's rows after the answers line, up to its bottom border.
    let joined: String = screen
        .lines()
        .skip_while(|row| !row.contains("r / Esc: refuse"))
        .skip(1)
        .take_while(|row| !row.starts_with('└'))
        .map(|row| row.trim_matches(|c: char| c == '│' || c == ' '))
        .collect();
    assert!(joined.contains(known), "{screen}");
}

/// The status line says what the user is asked for, not "cannot
/// connect", while the question is open; after a refusal it points at
/// /reconnect.
#[test]
fn the_status_line_follows_the_question() {
    let mut app = asked();
    let status = |app: &App| screen_text(app, 80, 24);
    let asking = status(&app);
    assert!(
        asking.contains("new certificate · answer a / o / r"),
        "{asking}"
    );
    assert!(!asking.contains("cannot connect"), "{asking}");
    key(&mut app, KeyCode::Esc);
    let refused = status(&app);
    assert!(
        refused.contains("certificate refused · /reconnect"),
        "{refused}"
    );
}

#[test]
fn a_client_certificate_that_did_not_log_in_is_explained_where_the_user_looks() {
    let mut app = fresh();
    let note = "Your TLS client certificate did not log you in (SASL EXTERNAL: SASL \
                authentication failed). Add it to your account once: log in with your \
                password, then /msg NickServ CERT ADD. Trying your password (SASL PLAIN) instead.";
    let effects = net(&mut app, NetEvent::LoginNote(note.to_owned()));
    assert!(effects.iter().all(|e| !matches!(e, Effect::Send(_))));
    assert_eq!(last(&app), note);
    // Server text inside it reaches the screen without control characters.
    net(
        &mut app,
        NetEvent::LoginNote("did not log you in (SASL EXTERNAL: \u{1b}[2Jgone)".to_owned()),
    );
    let screen = screen_text(&app, 100, 30);
    assert!(!screen.contains('\u{1b}'), "{screen}");
    assert!(screen.contains("did not log you in"), "{screen}");
}
