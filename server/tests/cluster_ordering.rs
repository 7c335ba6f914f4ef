//! The room stream: one order per room on every node, a sender's order
//! kept, duplicates stored once, resuming without loss or repetition, and
//! malformed events skipped. Against a real nats-server.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cluster_support;
mod common;
mod history_support;

use cluster_support::{Node, PATIENCE};
use futures::{Stream, StreamExt};
use natterd::cluster::ordering::{From, Sequenced};
use natterd::cluster::wire::{Envelope, Event, Kind, Source};

fn say(node: &str, sender: &str, index: usize) -> Envelope {
    Envelope::new(
        node,
        1,
        Event::Message {
            channel: "#lobby".into(),
            from: Source {
                nick: sender.into(),
                user: sender.into(),
                host: node.into(),
                account: None,
            },
            kind: Kind::Privmsg,
            text: format!("{sender} {index}"),
            msgid: format!("{sender}-{index}"),
            time_ms: 0,
            tags: Vec::new(),
        },
    )
}

fn text(event: &Sequenced) -> String {
    match &event.envelope.event {
        Event::Message { text, .. } => text.clone(),
        other => panic!("not a message: {other:?}"),
    }
}

async fn take(
    stream: &mut (impl Stream<Item = Sequenced> + Unpin),
    count: usize,
) -> Vec<Sequenced> {
    let mut events = Vec::with_capacity(count);
    while events.len() < count {
        let event = tokio::time::timeout(PATIENCE, stream.next())
            .await
            .unwrap_or_else(|_| panic!("only {} of {count} events arrived", events.len()))
            .expect("the follower ended");
        events.push(event);
    }
    events
}

const PER_SENDER: usize = 40;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_nodes_deliver_one_room_in_one_order() {
    let Some(nats) = natterd::cluster::testing::NatsServer::start() else {
        return;
    };
    let nodes = [
        Node::start(&nats, "node-a").await,
        Node::start(&nats, "node-b").await,
        Node::start(&nats, "node-c").await,
    ];
    let mut followers = Vec::new();
    for node in &nodes {
        followers.push(Box::pin(
            node.rooms.follow("#lobby", From::Now).await.unwrap(),
        ));
    }
    // Another room's traffic interleaves in the stream but not in #lobby.
    let mut other = Box::pin(nodes[0].rooms.follow("#other", From::Now).await.unwrap());
    // Each node's sender publishes concurrently with the others, waiting for
    // each ack (as natterd does per client).
    let senders = nodes
        .iter()
        .zip(["ann", "bob", "cat"])
        .map(|(node, sender)| async move {
            for index in 0..PER_SENDER {
                let envelope = say(&node.id().name, sender, index);
                let room = if index % 10 == 0 { "#other" } else { "#lobby" };
                node.rooms
                    .publish(room, &format!("{sender}-{index}"), &envelope)
                    .await
                    .unwrap();
            }
        });
    futures::future::join_all(senders).await;
    let per_room = PER_SENDER - PER_SENDER / 10;
    let mut orders = Vec::new();
    for follower in &mut followers {
        let events = take(follower, 3 * per_room).await;
        assert!(
            events
                .windows(2)
                .all(|pair| pair[0].sequence < pair[1].sequence)
        );
        assert!(events.iter().all(|event| event.room == "#lobby"));
        orders.push(events.iter().map(text).collect::<Vec<_>>());
    }
    assert_eq!(orders[0], orders[1]);
    assert_eq!(orders[1], orders[2]);
    // Each sender's messages in the order sent.
    for sender in ["ann", "bob", "cat"] {
        let mine: Vec<usize> = orders[0]
            .iter()
            .filter_map(|text| text.strip_prefix(&format!("{sender} ")))
            .map(|index| index.parse().unwrap())
            .collect();
        let expected: Vec<usize> = (0..PER_SENDER).filter(|index| index % 10 != 0).collect();
        assert_eq!(mine, expected, "{sender}");
    }
    assert_eq!(take(&mut other, 3 * (PER_SENDER / 10)).await.len(), 12);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_publish_is_stored_once_and_resuming_misses_nothing() {
    let Some(nats) = natterd::cluster::testing::NatsServer::start() else {
        return;
    };
    let node = Node::start(&nats, "node-a").await;
    let first = node
        .rooms
        .publish("#lobby", "ann-0", &say("node-a", "ann", 0))
        .await
        .unwrap();
    let again = node
        .rooms
        .publish("#lobby", "ann-0", &say("node-a", "ann", 0))
        .await
        .unwrap();
    assert_eq!(
        first, again,
        "the duplicate is acknowledged with the original's sequence"
    );
    for index in 1..5 {
        node.rooms
            .publish(
                "#lobby",
                &format!("ann-{index}"),
                &say("node-a", "ann", index),
            )
            .await
            .unwrap();
    }
    assert_eq!(node.rooms.last_sequence().await.unwrap(), first + 4);
    // A node that delivered up to ann 1 resumes with ann 2, exactly.
    let mut resumed = Box::pin(
        node.rooms
            .follow("#lobby", From::After(first + 1))
            .await
            .unwrap(),
    );
    let events = take(&mut resumed, 3).await;
    assert_eq!(
        events.iter().map(text).collect::<Vec<_>>(),
        ["ann 2", "ann 3", "ann 4"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_events_on_a_room_subject_are_skipped() {
    let Some(nats) = natterd::cluster::testing::NatsServer::start() else {
        return;
    };
    let node = Node::start(&nats, "node-a").await;
    let mut follower = Box::pin(node.rooms.follow("#lobby", From::Now).await.unwrap());
    let subject = natterd::cluster::Subjects::new(cluster_support::NETWORK).room("#lobby");
    for garbage in [
        &b"not json"[..],
        br#"{"v":99}"#,
        b"{\"v\":1,\"node\":\"x\",\"incarnation\":1,\"event\":{\"type\":\"leaving\"},\"evil\":1}",
    ] {
        node.link
            .jetstream()
            .publish(subject.clone(), bytes::Bytes::from_static(garbage))
            .await
            .unwrap()
            .await
            .unwrap();
    }
    node.rooms
        .publish("#lobby", "ann-1", &say("node-a", "ann", 1))
        .await
        .unwrap();
    let events = take(&mut follower, 1).await;
    assert_eq!(text(&events[0]), "ann 1");
}
