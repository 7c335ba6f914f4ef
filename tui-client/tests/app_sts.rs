//! IRCv3 STS in the TUI, through `App::update`: every move the network task
//! makes (an upgrade, a stored policy used, kept or withdrawn, a file that
//! cannot be written) is told in the server buffer, and a second network's
//! news stays on that network.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use chrono::TimeZone;
use natter::event::{AppEvent, NetEvent, NetworkId, StsNews};
use support::*;

fn sts(app: &mut natter::app::App, news: StsNews) {
    net(app, NetEvent::Sts(news));
}

#[test]
fn an_upgrade_is_told_with_both_addresses() {
    let mut app = fresh();
    sts(
        &mut app,
        StsNews::Upgrade {
            from: "chat.lan:6667".into(),
            to: "chat.lan:6697".into(),
        },
    );
    let told = last(&app);
    assert!(
        told.contains("chat.lan:6667 asks clients to use TLS (IRCv3 STS)"),
        "{told}"
    );
    assert!(
        told.contains("reconnecting securely to chat.lan:6697"),
        "{told}"
    );
}

#[test]
fn a_remembered_policy_says_until_when() {
    let mut app = fresh();
    sts(
        &mut app,
        StsNews::Remembered {
            from: "chat.lan:6667".into(),
            to: "chat.lan:6697".into(),
            until: chrono::Utc
                .with_ymd_and_hms(2026, 12, 22, 9, 30, 0)
                .unwrap(),
        },
    );
    let told = last(&app);
    assert!(told.contains("until 2026-12-22 09:30 UTC"), "{told}");
    assert!(
        told.contains("connecting securely to chat.lan:6697 instead"),
        "{told}"
    );
}

#[test]
fn a_kept_policy_names_its_file_and_a_removal_is_told() {
    let mut app = app();
    let server_buffer = 0;
    sts(
        &mut app,
        StsNews::Kept {
            host: "chat.lan".into(),
            port: 6697,
            until: chrono::Utc
                .with_ymd_and_hms(2026, 12, 22, 9, 30, 0)
                .unwrap(),
            file: "/home/alice/.local/share/natter/sts_policies".into(),
        },
    );
    let lines: Vec<String> = app
        .chat
        .buffers
        .get(server_buffer)
        .unwrap()
        .lines
        .iter()
        .map(|l| l.text())
        .collect();
    let told = lines.join("\n");
    assert!(told.contains("natter will use TLS on port 6697"), "{told}");
    assert!(
        told.contains("/home/alice/.local/share/natter/sts_policies"),
        "{told}"
    );
    sts(
        &mut app,
        StsNews::Removed {
            host: "chat.lan".into(),
        },
    );
    let lines: Vec<String> = app
        .chat
        .buffers
        .get(server_buffer)
        .unwrap()
        .lines
        .iter()
        .map(|l| l.text())
        .collect();
    assert!(
        lines
            .last()
            .unwrap()
            .contains("chat.lan withdrew its TLS-only policy"),
        "{lines:?}"
    );
}

#[test]
fn a_policy_that_cannot_be_kept_is_an_error_line() {
    let mut app = fresh();
    sts(
        &mut app,
        StsNews::NotKept {
            reason: "/ro/sts_policies: Read-only file system".into(),
        },
    );
    let line = app.chat.buffers.active().lines.back().unwrap();
    assert_eq!(line.kind, natter::chat::buffers::LineKind::Error);
    assert!(
        line.text()
            .contains("/ro/sts_policies: Read-only file system")
    );
}

#[test]
fn another_networks_news_stays_on_that_network() {
    let mut app = app();
    let second = app.open_network("irc.other.lan");
    app.show_network(NetworkId::FIRST);
    let before = texts(&app).len();
    app.update(AppEvent::NetOf {
        network: second,
        event: NetEvent::Sts(StsNews::Upgrade {
            from: "irc.other.lan:6667".into(),
            to: "irc.other.lan:6697".into(),
        }),
    });
    assert_eq!(texts(&app).len(), before, "shown on the wrong network");
    app.show_network(second);
    assert!(last(&app).contains("irc.other.lan:6667 asks clients to use TLS"));
}

/// After an upgrade the status line names the address really in use (the
/// TLS port, not the one typed) and says the connection is TLS; while
/// reconnecting it falls back to the name the user gave.
#[test]
fn the_status_line_names_the_upgraded_tls_address() {
    let mut app = fresh();
    let status_row = |app: &natter::app::App| {
        screen_text(app, 100, 30)
            .lines()
            .find(|row| row.contains(" @ "))
            .unwrap_or_default()
            .to_owned()
    };
    net(
        &mut app,
        NetEvent::Connected {
            address: "chat.lan:6667".into(),
            secure: false,
        },
    );
    let plain = status_row(&app);
    assert!(plain.contains("@ chat.lan:6667 "), "{plain}");
    assert!(!plain.contains("TLS"), "{plain}");
    sts(
        &mut app,
        StsNews::Upgrade {
            from: "chat.lan:6667".into(),
            to: "chat.lan:6697".into(),
        },
    );
    net(
        &mut app,
        NetEvent::Connecting {
            address: "chat.lan:6697".into(),
            attempt: 1,
        },
    );
    let dialling = status_row(&app);
    assert!(dialling.contains("@ chat.lan:6667 "), "{dialling}");
    net(
        &mut app,
        NetEvent::Connected {
            address: "chat.lan:6697".into(),
            secure: true,
        },
    );
    let secure = status_row(&app);
    assert!(secure.contains("@ chat.lan:6697 (TLS) "), "{secure}");
    assert!(
        last(&app).contains("Connected to chat.lan:6697 with TLS"),
        "{}",
        last(&app)
    );
}
