//! Channel operator commands against the real natterd over loopback TCP:
//! alice creates a channel (so she is its operator), bob joins, alice makes
//! bob an operator with /op and then removes him with /kick; both natters
//! (App + network task) show what happened.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod headless;

use headless::Headless;
use natter::app::App;
use natter::chat::buffers::BufferKind;

/// The lines of buffer `name` as text, or nothing while it is not open.
fn lines_of(app: &App, name: &str) -> Vec<String> {
    app.chat
        .buffers
        .all()
        .iter()
        .find(|b| b.kind == BufferKind::Channel && b.name == name)
        .map(|b| b.lines.iter().map(|l| l.text()).collect())
        .unwrap_or_default()
}

/// Whether `nick` is listed in `channel`'s sidebar with `prefix` (`@`, `+`,
/// or none as `' '`).
fn member_has(app: &App, channel: &str, nick: &str, prefix: char) -> bool {
    app.chat
        .buffers
        .all()
        .iter()
        .find(|b| b.name == channel)
        .and_then(|b| b.members.get(nick, app.chat.session.casemapping))
        .is_some_and(|m| m.top_prefix().unwrap_or(' ') == prefix)
}

/// Whether `app` is registered and in its default channel.
fn settled(app: &App) -> bool {
    app.chat.session.registered && app.chat.buffers.active().name == "#lobby"
}

#[tokio::test]
async fn an_operator_ops_then_kicks_a_member_and_both_see_it() {
    let server = headless::plaintext_server(Default::default()).await;
    let port = server.addr.port();
    let mut alice = Headless::start(port, "alice");
    alice.until("registration", settled).await;
    alice.type_line("/join #ops").await;
    alice
        .until("alice as operator of #ops", |app| {
            member_has(app, "#ops", "alice", '@')
        })
        .await;

    let mut bob = Headless::start(port, "bob");
    bob.until("registration", settled).await;
    bob.type_line("/join #ops").await;
    bob.until("joining #ops", |app| member_has(app, "#ops", "bob", ' '))
        .await;
    alice
        .until("bob joining", |app| member_has(app, "#ops", "bob", ' '))
        .await;

    alice.type_line("/op bob").await;
    bob.until("being made operator", |app| {
        member_has(app, "#ops", "bob", '@')
    })
    .await;
    assert!(
        lines_of(&bob.app, "#ops").contains(&"alice sets mode +o bob".to_owned()),
        "{:?}",
        lines_of(&bob.app, "#ops")
    );

    alice.type_line("/kick bob bye").await;
    bob.until("the kick", |app| {
        app.chat
            .buffers
            .all()
            .iter()
            .any(|b| b.name == "#ops" && !b.joined)
    })
    .await;
    let shown = lines_of(&bob.app, "#ops");
    assert_eq!(
        shown.last().unwrap(),
        "You were kicked from #ops by alice (bye)",
        "{shown:?}"
    );
    alice
        .until("bob leaving the sidebar", |app| {
            app.chat.buffers.all().iter().any(|b| {
                b.name == "#ops" && b.members.get("bob", app.chat.session.casemapping).is_none()
            })
        })
        .await;
    assert!(lines_of(&alice.app, "#ops").contains(&"bob was kicked by alice (bye)".to_owned()));
    server.shutdown().await;
}
