//! The hub's bus seam over real TCP: every routed event is published once
//! with its scope, in the order members receive it, and events another node
//! published reach exactly the local clients in their scope (and a remote
//! channel message lands in this node's history).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::Utc;
use common::{Client, QUIET, start};
use natterd::history::{Conversation, HistoryQuery, Selection};
use natterd::hub::Folded;
use natterd::hub::bus::{Bus, Published, Scope};
use natterd::hub::client::Source;
use natterd::hub::event::{Envelope, Event, MessageKind};
use std::sync::{Arc, Mutex};

/// Remembers what the hub published.
#[derive(Debug, Default)]
struct Recording(Mutex<Vec<Published>>);

impl Bus for Recording {
    fn publish(&self, published: Published) {
        self.0.lock().unwrap().push(published);
    }
}

impl Recording {
    /// (scope, command, text) of each published event, in order.
    fn seen(&self) -> Vec<(Scope, String)> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .map(|p| {
                let what = match &p.envelope.event {
                    Event::Message { kind, text, .. } => format!("{} {text}", kind.command()),
                    Event::Join { source, .. } => format!("JOIN {}", source.nick),
                    Event::Part { source, .. } => format!("PART {}", source.nick),
                    Event::Quit { source, .. } => format!("QUIT {}", source.nick),
                    Event::Nick { new_nick, .. } => format!("NICK {new_nick}"),
                    Event::Invite { target, .. } => format!("INVITE {target}"),
                    other => format!("{other:?}"),
                };
                (p.scope.clone(), what)
            })
            .collect()
    }
}

fn folded(server: &natterd::testing::TestServer, name: &str) -> Folded {
    server.context.hub.read(|hub| hub.fold(name))
}

#[tokio::test]
async fn every_routed_event_is_published_once_with_its_scope_in_order() {
    let server = start().await;
    let bus = Arc::new(Recording::default());
    server.context.hub.attach_bus(bus.clone());
    let mut alice = Client::register(&server, "alice").await;
    alice.join("#room").await;
    let mut bob = Client::register(&server, "bob").await;
    bob.join("#room").await;
    alice.send("PRIVMSG #room :one");
    alice.send("PRIVMSG #room :two");
    bob.expect(|l| l.ends_with("PRIVMSG #room two")).await;
    alice.send("PRIVMSG Bob :psst");
    bob.expect(|l| l.ends_with("PRIVMSG Bob psst")).await;
    bob.send("NICK robert");
    alice.expect(|l| l.contains(" NICK ")).await;
    bob.send("PART #room");
    alice.expect(|l| l.contains(" PART ")).await;
    alice.sync().await;
    let room = Scope::Channel(folded(&server, "#room"));
    assert_eq!(
        bus.seen(),
        vec![
            (room.clone(), "JOIN alice".to_string()),
            (room.clone(), "JOIN bob".to_string()),
            (room.clone(), "PRIVMSG one".to_string()),
            (room.clone(), "PRIVMSG two".to_string()),
            (
                Scope::User(folded(&server, "bob")),
                "PRIVMSG psst".to_string()
            ),
            (
                Scope::Peers(vec![folded(&server, "#room")]),
                "NICK robert".to_string()
            ),
            (room, "PART robert".to_string()),
        ]
    );
}

fn remote_message(target: &str, text: &str, private: bool) -> Envelope {
    Envelope {
        event: Event::Message {
            source: Arc::new(Source {
                nick: "zed".into(),
                user: "z".into(),
                host: "10.0.0.9".into(),
                account: None,
                realname: "Zed".into(),
                prefix_word: Default::default(),
            }),
            target: target.into(),
            private,
            kind: MessageKind::Privmsg,
            text: text.into(),
            msgid: "remote-msgid-1".into(),
            client_tags: Vec::new(),
        },
        time: Utc::now(),
    }
}

#[tokio::test]
async fn remote_events_reach_exactly_the_local_clients_in_scope_and_are_not_republished() {
    // With history on: a remote channel message is recorded here too.
    let server = natterd::testing::TestServer::start().await;
    let bus = Arc::new(Recording::default());
    server.context.hub.attach_bus(bus.clone());
    let mut alice = Client::register(&server, "alice").await;
    alice.join("#room").await;
    let mut bob = Client::register(&server, "bob").await;
    bob.join("#room").await;
    let mut carol = Client::register(&server, "carol").await;
    alice.sync().await;
    let published_before = bus.seen().len();

    let hub = &server.context.hub;
    hub.deliver_remote(Published {
        scope: Scope::Channel(folded(&server, "#ROOM")),
        envelope: Arc::new(remote_message("#room", "from afar", false)),
    })
    .await;
    let line = ":zed!z@10.0.0.9 PRIVMSG #room :from afar";
    alice.expect_next(line).await;
    bob.expect_next(line).await;

    hub.deliver_remote(Published {
        scope: Scope::User(folded(&server, "Carol")),
        envelope: Arc::new(remote_message("carol", "only you", true)),
    })
    .await;
    carol
        .expect_next(":zed!z@10.0.0.9 PRIVMSG carol :only you")
        .await;
    alice.assert_no_line_within(QUIET).await;
    bob.assert_no_line_within(QUIET).await;
    assert_eq!(
        bus.seen().len(),
        published_before,
        "nothing is published back"
    );

    // The remote channel message is in this node's history, in the channel.
    let history = server.context.history.as_ref().expect("history is on");
    history.flush().await.unwrap();
    let stored = history
        .query(HistoryQuery {
            conversation: Conversation::Channel(folded(&server, "#room").to_string()),
            selection: Selection::Latest { since: None },
            limit: 10,
        })
        .await
        .unwrap();
    let stored: Vec<(&str, &str, &str)> = stored
        .iter()
        .map(|m| (m.source.as_str(), m.target.as_str(), m.text.as_str()))
        .collect();
    assert_eq!(stored, vec![("zed!z@10.0.0.9", "#room", "from afar")]);
}
