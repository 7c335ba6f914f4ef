//! Several networks in one client: /connect opens one with its own
//! connection task and buffers, Ctrl+X or a click switches, each network's
//! events and effects stay its own, and /disconnect closes one.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use crossterm::event::KeyCode;
use natter::app::{App, ConnectionState};
use natter::event::{AppEvent, Effect, NetEvent, NetworkId};
use natter_protocol::Message;
use support::*;

const SECOND: NetworkId = NetworkId(1);

/// Feeds a raw line to network `network`.
fn line_on(app: &mut App, network: NetworkId, raw: &str) -> Vec<Effect> {
    let event = NetEvent::Line {
        message: Message::parse(raw).unwrap(),
        received_at: t0(),
    };
    app.update(AppEvent::NetOf { network, event })
}

/// alice on the first network (#lobby) and on a second one, registered
/// there too and in #ngircd; the second is shown.
fn two_networks() -> App {
    let mut app = app();
    let effects = submit(&mut app, "/connect other.lan:6668");
    assert_eq!(
        effects,
        vec![Effect::StartNetwork {
            network: SECOND,
            address: "other.lan:6668".into()
        }]
    );
    let connected = NetEvent::Connected {
        address: "other.lan:6668".into(),
        secure: false,
    };
    app.update(AppEvent::NetOf {
        network: SECOND,
        event: connected,
    });
    line_on(&mut app, SECOND, ":irc.other 001 alice :Welcome");
    line_on(
        &mut app,
        SECOND,
        ":irc.other 005 alice NETWORK=OtherNet CHANTYPES=# :are supported",
    );
    line_on(&mut app, SECOND, ":alice!a@h JOIN #ngircd");
    alt(&mut app, KeyCode::Char('2'));
    app
}

#[test]
fn connect_opens_a_second_network_with_its_own_buffers() {
    let app = two_networks();
    assert_eq!(app.network, SECOND);
    assert_eq!(app.chat.settings.server_label, "other.lan:6668");
    assert_eq!(app.chat.connection, ConnectionState::Online);
    let names: Vec<&str> = app
        .chat
        .buffers
        .all()
        .iter()
        .map(|b| b.name.as_str())
        .collect();
    assert_eq!(names, vec!["other.lan:6668", "#ngircd"]);
    let networks = app.networks();
    assert_eq!(networks.len(), 2);
    let first = networks[0].1;
    assert!(
        first
            .buffers
            .find("#lobby", first.session.casemapping)
            .is_some()
    );
    assert_eq!(first.connection, ConnectionState::Online);
}

#[test]
fn what_you_type_goes_to_the_visible_network_and_background_replies_are_tagged() {
    let mut app = two_networks();
    let effects = submit(&mut app, "hello other net");
    assert_eq!(active_name(&app), "#ngircd", "{:?}", texts(&app));
    assert_eq!(sent(&effects), vec!["PRIVMSG #ngircd :hello other net"]);
    // A CTCP VERSION on the first network, not shown: the reply is tagged.
    let effects = line(&mut app, ":bob!b@h PRIVMSG alice :\x01VERSION\x01");
    let tagged: Vec<(NetworkId, String)> = effects
        .iter()
        .filter_map(|effect| match effect {
            Effect::Network { network, effect } => match effect.as_ref() {
                Effect::Send(message) => Some((*network, message.to_string())),
                _ => None,
            },
            _ => None,
        })
        .collect();
    assert_eq!(tagged.len(), 1, "{effects:?}");
    assert_eq!(tagged[0].0, NetworkId::FIRST);
    assert!(
        tagged[0].1.starts_with("NOTICE bob :\x01VERSION natter"),
        "{tagged:?}"
    );
    assert!(
        sent(&effects).is_empty(),
        "nothing goes to the visible network"
    );
}

#[test]
fn one_network_failing_leaves_the_other_alone() {
    let mut app = two_networks();
    let event = NetEvent::Disconnected {
        reason: "connection reset".into(),
        retry_at: t0() + chrono::Duration::seconds(5),
    };
    app.update(AppEvent::NetOf {
        network: SECOND,
        event,
    });
    assert!(matches!(
        app.chat.connection,
        ConnectionState::Disconnected { .. }
    ));
    let first = app.networks()[0].1;
    assert_eq!(first.connection, ConnectionState::Online);
    let lobby = first
        .buffers
        .find("#lobby", first.session.casemapping)
        .unwrap();
    let lines: Vec<String> = first.buffers.all()[lobby]
        .lines
        .iter()
        .map(|l| l.text())
        .collect();
    assert!(
        !lines.iter().any(|l| l.contains("Disconnected")),
        "{lines:?}"
    );
    // And the first network's messages still arrive in its buffers.
    line(&mut app, ":bob!b@h PRIVMSG #lobby :still here");
    let first = app.networks()[0].1;
    let lobby = &first.buffers.all()[lobby];
    assert_eq!(lobby.lines.back().unwrap().text(), "still here");
    assert_eq!(lobby.unread, 1);
}

#[test]
fn ctrl_x_and_a_click_on_its_group_switch_networks() {
    let mut app = two_networks();
    line(&mut app, ":bob!b@h PRIVMSG #lobby :alice: ping");
    let screen = screen_text(&app, 80, 24);
    let bar = screen.lines().next().unwrap().to_owned();
    assert!(bar.contains("1:OtherNet"), "{bar}");
    assert!(bar.trim_end().ends_with("⇄ natter 1!"), "{bar}");
    insta::assert_snapshot!(render(&app, 80, 24).backend());
    ctrl(&mut app, 'x');
    assert_eq!(app.network, NetworkId::FIRST);
    assert_eq!(active_name(&app), "#lobby");
    let screen = screen_text(&app, 80, 24);
    let bar = screen.lines().next().unwrap().to_owned();
    assert!(bar.contains("2:#lobby"), "{bar}");
    let group = bar.find("⇄ OtherNet").unwrap();
    let column = u16::try_from(bar[..group].chars().count()).unwrap();
    app.update(AppEvent::Resize {
        width: 80,
        height: 24,
    });
    click(&mut app, column, 0);
    assert_eq!(app.network, SECOND);
    assert_eq!(active_name(&app), "#ngircd");
}

#[test]
fn a_mention_on_a_network_not_shown_gets_attention() {
    let mut app = two_networks();
    let effects = line(&mut app, ":bob!b@h PRIVMSG #lobby :alice: look");
    assert!(effects.contains(&Effect::Bell), "{effects:?}");
}

#[test]
fn disconnect_closes_the_visible_network_but_never_the_last() {
    let mut app = two_networks();
    let effects = submit(&mut app, "/disconnect bye");
    assert_eq!(
        effects,
        vec![Effect::StopNetwork {
            network: SECOND,
            reason: "bye".into()
        }]
    );
    assert_eq!(app.network, NetworkId::FIRST);
    assert_eq!(app.networks().len(), 1);
    let effects = submit(&mut app, "/disconnect");
    assert!(effects.is_empty(), "{effects:?}");
    assert_eq!(
        last(&app),
        "This is the only network open: /quit leaves natter."
    );
    // Events of a closed network are dropped.
    let effects = line_on(&mut app, SECOND, ":bob!b@h PRIVMSG alice :hi");
    assert!(effects.is_empty());
}

#[test]
fn connect_needs_an_address_and_works_before_registering() {
    let mut app = fresh();
    let effects = submit(&mut app, "/connect");
    assert!(effects.is_empty());
    assert!(
        last(&app).starts_with("Usage: /connect HOST[:PORT]"),
        "{}",
        last(&app)
    );
    let effects = submit(&mut app, "/connect irc.example:6667");
    assert!(
        matches!(effects.as_slice(), [Effect::StartNetwork { .. }]),
        "{effects:?}"
    );
}

#[test]
fn ignoring_on_one_network_ignores_on_all() {
    let mut app = two_networks();
    let effects = submit(&mut app, "/ignore bob");
    assert_eq!(effects, vec![Effect::SaveIgnores(vec!["bob!*@*".into()])]);
    line(&mut app, ":bob!b@h PRIVMSG #lobby :spam");
    let first = app.networks()[0].1;
    let lobby = first
        .buffers
        .find("#lobby", first.session.casemapping)
        .unwrap();
    assert_eq!(first.buffers.all()[lobby].ignored, 1);
}

#[test]
fn the_help_and_the_key_table_know_networks() {
    let mut app = fresh();
    ctrl(&mut app, 'x');
    assert_eq!(
        last(&app),
        "Only one network is open: /connect HOST[:PORT] opens another."
    );
    key(&mut app, KeyCode::F(1));
    let screen = screen_text(&app, 100, 50);
    assert!(screen.contains("Ctrl+X"), "{screen}");
}
