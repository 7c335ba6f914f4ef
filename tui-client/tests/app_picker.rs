//! The server picker, through `App::update` and on screen: several servers
//! found on the LAN are listed; ↑↓/j/k move, Enter or a digit connects the
//! first network to the one chosen (nothing connects before), Esc or `q`
//! quits; a certificate question arriving meanwhile waits for the choice;
//! the help lists the keys.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use crossterm::event::KeyCode;
use natter::app::picker::Choice;
use natter::app::{App, Overlay};
use natter::event::{AppEvent, Effect, NetEvent, NetworkId};
use natter_protocol::Fingerprint;
use support::*;

fn choice(name: &str, ip: &str, fingerprint: Option<&str>) -> Choice {
    Choice {
        name: name.into(),
        detail: format!("{ip} · TLS 6697, plaintext 6667"),
        fingerprint: fingerprint.map(|der| Fingerprint::of_der(der.as_bytes()).to_string()),
        link: format!("ircs://{ip}:6697"),
        address: format!("{ip}:6697"),
    }
}

fn picking() -> App {
    let mut app = fresh();
    app.pick_server(vec![
        choice("natter on kitchen", "192.168.1.20", Some("kitchen")),
        choice("natter on lab", "192.168.1.31", Some("lab")),
        choice("team chat on attic", "192.168.1.40", None),
    ]);
    app
}

fn selected(app: &App) -> usize {
    match &app.view.overlay {
        Some(Overlay::PickServer(picker)) => picker.selected,
        other => panic!("no picker: {other:?}"),
    }
}

fn connects(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .filter_map(|effect| match effect {
            Effect::ConnectFirst { address } => Some(address.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn the_picker_lists_the_servers_and_says_how_to_choose() {
    let app = picking();
    assert_eq!(selected(&app), 0);
    assert!(
        last(&app).contains("3 servers answered on the LAN: pick one"),
        "{}",
        last(&app)
    );
}

#[test]
fn arrows_move_within_the_list_and_enter_connects_the_highlighted_one() {
    let mut app = picking();
    assert!(key(&mut app, KeyCode::Up).is_empty());
    assert_eq!(selected(&app), 0);
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Down);
    assert_eq!(selected(&app), 2, "stops at the last");
    key(&mut app, KeyCode::Char('k'));
    assert_eq!(selected(&app), 1);
    let effects = key(&mut app, KeyCode::Enter);
    assert_eq!(connects(&effects), vec!["ircs://192.168.1.31:6697"]);
    assert_eq!(app.view.overlay, None);
    assert_eq!(app.chat.settings.server_label, "192.168.1.31:6697");
    assert_eq!(active_name(&app), "192.168.1.31:6697");
    assert!(last(&app).contains("Connecting to natter on lab (ircs://192.168.1.31:6697)"));
}

#[test]
fn a_digit_picks_that_server_and_one_past_the_end_does_nothing() {
    let mut app = picking();
    assert!(connects(&key(&mut app, KeyCode::Char('4'))).is_empty());
    assert!(matches!(app.view.overlay, Some(Overlay::PickServer(_))));
    let effects = key(&mut app, KeyCode::Char('3'));
    assert_eq!(connects(&effects), vec!["ircs://192.168.1.40:6697"]);
}

#[test]
fn escape_quits_and_typing_goes_nowhere() {
    let mut app = picking();
    key(&mut app, KeyCode::Char('x'));
    assert_eq!(app.view.input.text(), "");
    let effects = key(&mut app, KeyCode::Esc);
    assert_eq!(effects, vec![Effect::Quit("no server chosen".into())]);
    let mut app = picking();
    let effects = key(&mut app, KeyCode::Char('q'));
    assert_eq!(effects, vec![Effect::Quit("no server chosen".into())]);
}

#[test]
fn a_certificate_question_waits_for_the_choice() {
    let mut app = picking();
    // A network from the config's `servers` meets a self-signed certificate.
    let second = app.open_network("ircs://other.lan");
    app.show_network(NetworkId::FIRST);
    app.update(AppEvent::NetOf {
        network: second,
        event: NetEvent::Untrusted {
            address: "other.lan:6697".into(),
            fingerprint: Fingerprint::of_der(b"other"),
            known_file: "/k".into(),
        },
    });
    assert!(matches!(app.view.overlay, Some(Overlay::PickServer(_))));
    let effects = key(&mut app, KeyCode::Enter);
    assert_eq!(connects(&effects), vec!["ircs://192.168.1.20:6697"]);
    assert!(matches!(
        &app.view.overlay,
        Some(Overlay::TrustCertificate(question)) if question.network == second
    ));
}

#[test]
fn the_help_lists_the_picker_keys() {
    let rows = natter::ui::help::help_rows(&natter::view::keymap::KeyMap::default());
    let help: Vec<String> = rows.iter().map(|(k, v)| format!("{k} {v}")).collect();
    let help = help.join("\n");
    assert!(help.contains("server picker"), "{help}");
    assert!(help.contains("Enter connects"), "{help}");
    assert!(help.contains("certificate: a o r"), "{help}");
}

#[test]
fn the_picker_on_screen() {
    let app = picking();
    insta::assert_snapshot!(render(&app, 90, 24).backend());
}
