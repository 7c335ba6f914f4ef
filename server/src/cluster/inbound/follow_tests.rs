//! A room's follower after the last local member left: what it reads then
//! is not recorded here, so the next catch-up must copy it.

use crate::cluster::ClusterConfig;
use crate::cluster::node::ClusterNode;
use crate::cluster::testing::NatsServer;
use crate::cluster::wire::{Envelope, Event, Kind, Source};
use crate::config::Config;
use crate::testing::TestServer;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// A hang guard, not a speed requirement.
const PATIENCE: Duration = Duration::from_secs(30);

/// The room (folded), which nobody on the node under test is in.
const ROOM: &str = "#h";

/// Node `node-c` of the test network on `nats`, history on, its data in `dir`.
async fn node_c(nats: &NatsServer, dir: &Path) -> (TestServer, Arc<ClusterNode>) {
    let mut config = Config::default();
    config.history.enabled = true;
    config.server.network = "testnet".to_string();
    config.server.bind = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    config.server.data_dir = Some(dir.to_path_buf());
    config.cluster = ClusterConfig {
        nats: Some(nats.url()),
        node: Some("node-c".to_string()),
        ..ClusterConfig::default()
    };
    let server = TestServer::start_exact(config, dir.to_path_buf()).await;
    let node = server.context.cluster.clone().expect("a cluster node");
    assert!(node.wait_joined(PATIENCE).await, "node-c never joined");
    (server, node)
}

/// Stores `text` in the room stream as said by alice on node-a; returns
/// its sequence.
async fn said_on_a(node: &ClusterNode, text: &str) -> u64 {
    let msgid = crate::history::new_msgid();
    let event = Event::Message {
        channel: ROOM.to_string(),
        from: Source {
            nick: "alice".to_string(),
            user: "al".to_string(),
            host: "node-a".to_string(),
            account: None,
        },
        kind: Kind::Privmsg,
        text: text.to_string(),
        msgid: msgid.clone(),
        time_ms: chrono::Utc::now().timestamp_millis(),
        tags: Vec::new(),
    };
    let parts = node.parts.get().expect("joined");
    parts
        .rooms
        .publish(ROOM, &msgid, &Envelope::new("node-a", 1, event))
        .await
        .expect("published")
}

/// Waits until `done` holds (every 20 ms); fails after [`PATIENCE`].
async fn until(what: &str, done: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !done() {
        assert!(tokio::time::Instant::now() < deadline, "never: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The texts node-c's history holds for [`ROOM`].
async fn stored_texts(server: &TestServer) -> Vec<String> {
    let history = server.context.history.clone().expect("history on");
    history.flush().await.expect("flushed");
    let mut texts: Vec<(i64, String)> = crate::history::offline::stored(&server.data_dir)
        .expect("readable")
        .into_iter()
        .filter(|record| record.conversation == format!("chan:{ROOM}"))
        .map(|record| (record.stream_seq, record.message.text))
        .collect();
    texts.sort();
    texts.into_iter().map(|(_, text)| text).collect()
}

/// The follower goes on reading for a moment after the room's last local
/// member left (the PART is published before the follower is stopped).
/// Messages it reads then reach no channel here and are not recorded:
/// how far the room's history is complete must not pass them, or the next
/// join's catch-up starts after them and they are missing here for good
/// (cluster_history failed so under load: a join backlog lacked the two
/// lines said while nobody was in the room).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_a_follower_reads_after_the_room_was_left_is_copied_on_the_next_join() {
    let Some(nats) = NatsServer::start() else {
        return;
    };
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (server, node) = node_c(&nats, dir.path()).await;
    said_on_a(&node, "one").await;
    node.follow(ROOM, None);
    until("node-c caught up with the room", || {
        node.catch_ups.is_done(ROOM)
    })
    .await;
    // Nobody here is in the room (as after the last member's PART), but
    // the follower is not stopped yet.
    said_on_a(&node, "two").await;
    let three = said_on_a(&node, "three").await;
    until("the follower read everything", || {
        node.followed()
            .get(ROOM)
            .is_some_and(|follow| follow.last.load(Ordering::Relaxed) >= three)
    })
    .await;
    node.unfollow_if_empty(ROOM);
    assert_eq!(stored_texts(&server).await, ["one"]);
    // Shut down: whatever position the unfollow notes is committed.
    server.shutdown().await;

    let (server, node) = node_c(&nats, dir.path()).await;
    node.follow(ROOM, None);
    until("node-c caught up with the room again", || {
        node.catch_ups.is_done(ROOM)
    })
    .await;
    assert_eq!(stored_texts(&server).await, ["one", "two", "three"]);
    server.shutdown().await;
}
