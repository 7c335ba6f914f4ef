//! The certificate question with several networks, through `App::update`:
//! a second network's question (a /connect to a TLS server) shows that
//! network and its answer goes to that network's task even when another
//! is on screen by then; a question arriving while one is open waits its
//! turn instead of replacing it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use crossterm::event::KeyCode;
use natter::app::{App, Overlay};
use natter::event::{AppEvent, Effect, NetEvent, NetworkId};
use natter_protocol::Fingerprint;
use support::*;

const SECOND: NetworkId = NetworkId(1);

fn fingerprint(of: &str) -> Fingerprint {
    Fingerprint::of_der(of.as_bytes())
}

fn untrusted(address: &str) -> NetEvent {
    NetEvent::Untrusted {
        address: address.into(),
        fingerprint: fingerprint(address),
        known_file: "/home/alice/.local/share/natter/known_servers".into(),
    }
}

/// alice on chat.lan, then `/connect ircs://secure.lan` (network 1).
fn with_a_tls_network() -> App {
    let mut app = app();
    let effects = submit(&mut app, "/connect ircs://secure.lan");
    assert_eq!(
        effects,
        vec![Effect::StartNetwork {
            network: SECOND,
            address: "ircs://secure.lan".into()
        }]
    );
    app
}

/// The question on screen, if any: its network and address.
fn question(app: &App) -> Option<(NetworkId, String)> {
    match &app.view.overlay {
        Some(Overlay::TrustCertificate(question)) => {
            Some((question.network, question.address.clone()))
        }
        _ => None,
    }
}

/// The trust answers in `effects`, with the network each is addressed to.
fn answers(effects: &[Effect]) -> Vec<(NetworkId, Fingerprint, bool)> {
    effects
        .iter()
        .filter_map(|effect| match effect {
            Effect::Network { network, effect } => match effect.as_ref() {
                Effect::TrustCertificate {
                    fingerprint,
                    remember,
                } => Some((*network, *fingerprint, *remember)),
                _ => None,
            },
            Effect::TrustCertificate { .. } => panic!("an answer without its network: {effect:?}"),
            _ => None,
        })
        .collect()
}

#[test]
fn a_second_networks_question_is_shown_and_answered_to_that_network() {
    let mut app = with_a_tls_network();
    app.show_network(NetworkId::FIRST);
    app.update(AppEvent::NetOf {
        network: SECOND,
        event: untrusted("secure.lan:6697"),
    });
    assert_eq!(app.network, SECOND, "the question brings its network up");
    assert_eq!(question(&app), Some((SECOND, "secure.lan:6697".into())));
    // Another network comes on screen (a click on its tab) before the answer.
    app.show_network(NetworkId::FIRST);
    let effects = key(&mut app, KeyCode::Char('a'));
    assert_eq!(
        answers(&effects),
        vec![(SECOND, fingerprint("secure.lan:6697"), true)]
    );
    assert_eq!(app.view.overlay, None);
    assert_eq!(app.network, SECOND, "the answer is told where it applies");
    assert!(last(&app).contains("Trusting the certificate of secure.lan:6697"));
}

#[test]
fn a_question_arriving_while_one_is_open_waits_its_turn() {
    let mut app = with_a_tls_network();
    net(&mut app, untrusted("chat.lan:6697"));
    assert_eq!(
        question(&app),
        Some((NetworkId::FIRST, "chat.lan:6697".into()))
    );
    app.update(AppEvent::NetOf {
        network: SECOND,
        event: untrusted("secure.lan:6697"),
    });
    // Still the first question, on the first network.
    assert_eq!(
        question(&app),
        Some((NetworkId::FIRST, "chat.lan:6697".into()))
    );
    assert_eq!(app.network, NetworkId::FIRST);
    let effects = key(&mut app, KeyCode::Char('o'));
    assert_eq!(
        answers(&effects),
        vec![(NetworkId::FIRST, fingerprint("chat.lan:6697"), false)]
    );
    // Then the second network's, on its network; refusing sends nothing.
    assert_eq!(question(&app), Some((SECOND, "secure.lan:6697".into())));
    assert_eq!(app.network, SECOND);
    let effects = key(&mut app, KeyCode::Esc);
    assert!(answers(&effects).is_empty(), "{effects:?}");
    assert_eq!(app.view.overlay, None);
    assert!(last(&app).contains("Certificate refused: natter will not connect to secure.lan:6697"));
}
