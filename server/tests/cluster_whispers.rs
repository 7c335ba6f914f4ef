//! Whispers cross nodes on the recipient's user subject, and nothing but a
//! whisper is accepted there. Against a real nats-server.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cluster_support;
mod common;
mod history_support;

use cluster_support::{NETWORK, Node, PATIENCE};
use futures::StreamExt;
use natterd::cluster::Subjects;
use natterd::cluster::testing::NatsServer;
use natterd::cluster::whispers::Whispers;
use natterd::cluster::wire::{Envelope, Event, Kind, Source};

fn whisper(to: &str, text: &str) -> Envelope {
    Envelope::new(
        "node-a",
        1,
        Event::Whisper {
            to: to.into(),
            from: Source {
                nick: "alice".into(),
                user: "alice".into(),
                host: "node-a".into(),
                account: None,
            },
            kind: Kind::Privmsg,
            text: text.into(),
            msgid: format!("m-{}", text.replace(' ', "-")),
            time_ms: 0,
        },
    )
}

/// Returns once the server has read everything `client` sent before: a
/// message to its own inbox has come back.
async fn round_trip(client: &async_nats::Client) {
    let inbox = client.new_inbox();
    let mut echo = client.subscribe(inbox.clone()).await.unwrap();
    client.publish(inbox, "ping".into()).await.unwrap();
    tokio::time::timeout(PATIENCE, echo.next())
        .await
        .unwrap()
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whisper_reaches_the_node_holding_the_nick_and_only_whispers_do() {
    let Some(nats) = NatsServer::start() else {
        return;
    };
    let a = Node::start(&nats, "node-a").await;
    let b = Node::start(&nats, "node-b").await;
    let subjects = Subjects::new(NETWORK);
    let on_a = Whispers::new(&a.link, &subjects);
    let on_b = Whispers::new(&b.link, &subjects);
    let mut bobs = Box::pin(on_b.receive("bob").await.unwrap());
    let mut carols = Box::pin(on_b.receive("carol").await.unwrap());
    // Core NATS drops what nobody is subscribed to yet, and the server reads
    // each connection on its own: node-b's subscriptions are only known to
    // be in place once a message of its own has made the round trip.
    round_trip(b.link.client()).await;
    // Garbage and a non-whisper on bob's subject are skipped.
    let subject = subjects.user("bob");
    a.link
        .client()
        .publish(subject.clone(), "junk".into())
        .await
        .unwrap();
    let leaving = Envelope::new("node-a", 1, Event::Leaving);
    a.link
        .client()
        .publish(subject, leaving.encode().unwrap().into())
        .await
        .unwrap();
    assert!(
        on_a.send("bob", &leaving).await.is_err(),
        "only whispers are sent to users"
    );
    // Each whisper waits for node-b's acknowledgement, which its receiving
    // streams send as they are read: read them meanwhile.
    let sent = async {
        on_a.send("bob", &whisper("Bob", "psst")).await.unwrap();
        on_a.send("carol", &whisper("carol", "hi carol"))
            .await
            .unwrap();
    };
    let received = async {
        let bob = tokio::time::timeout(PATIENCE, bobs.next())
            .await
            .unwrap()
            .unwrap();
        let carol = tokio::time::timeout(PATIENCE, carols.next())
            .await
            .unwrap()
            .unwrap();
        (bob, carol)
    };
    let ((), (bob, carol)) = tokio::join!(sent, received);
    assert_eq!(bob, whisper("Bob", "psst"));
    assert_eq!(carol, whisper("carol", "hi carol"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whisper_sent_before_the_recipient_listens_arrives_once_it_does() {
    let Some(nats) = NatsServer::start() else {
        return;
    };
    let a = Node::start(&nats, "node-a").await;
    let b = Node::start(&nats, "node-b").await;
    let subjects = Subjects::new(NETWORK);
    let on_a = Whispers::new(&a.link, &subjects);
    let on_b = Whispers::new(&b.link, &subjects);
    // Sent while nobody listens for dave (as right after his node claimed
    // the nick): NATS says "no responders" and node-a sends it again.
    let sending = tokio::spawn(async move { on_a.send("dave", &whisper("dave", "early")).await });
    let mut daves = Box::pin(on_b.receive("dave").await.unwrap());
    let got = tokio::time::timeout(PATIENCE, daves.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got, whisper("dave", "early"));
    assert!(sending.await.unwrap().is_ok(), "acknowledged");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whisper_nobody_ever_listens_for_is_an_error() {
    let Some(nats) = NatsServer::start() else {
        return;
    };
    let a = Node::start(&nats, "node-a").await;
    let on_a = Whispers::new(&a.link, &Subjects::new(NETWORK));
    assert!(
        on_a.send("nobody", &whisper("nobody", "hello?"))
            .await
            .is_err()
    );
}
