//! Several natterd nodes in one process sharing rooms through a real
//! nats-server: joins, messages, member lists, whispers and nick ownership
//! cross nodes; a node that stops takes its users with it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cluster_support;
mod common;

use cluster_support::{NETWORK, PATIENCE};
use common::{Client, prefix};
use natterd::Config;
use natterd::cluster::testing::NatsServer;
use natterd::testing::TestServer;

/// A node of the test network called `name`, on `nats`.
async fn node(nats: &NatsServer, name: &str) -> TestServer {
    let mut config: Config = common::test_config();
    config.server.network = NETWORK.to_string();
    config.cluster = cluster_support::config(nats);
    config.cluster.node = Some(name.to_string());
    let server = TestServer::start_with(config).await;
    let cluster = server.context.cluster.clone().expect("a cluster node");
    assert!(
        cluster.wait_joined(PATIENCE).await,
        "node {name} never joined"
    );
    server
}

/// Waits for the line that ends a NAMES reply and returns the names in it.
async fn names(client: &mut Client, channel: &str) -> Vec<String> {
    client.send(&format!("NAMES {channel}"));
    let mut names = Vec::new();
    loop {
        let line = client.recv_line().await;
        let message = common::parse(&line);
        match message.command.as_str() {
            "353" => names.extend(
                message.params[3]
                    .split(' ')
                    .map(|name| name.trim_start_matches(['@', '+']).to_string()),
            ),
            "366" => break,
            _ => {}
        }
    }
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_chat_in_one_room() {
    let Some(nats) = NatsServer::start() else {
        return;
    };
    let a = node(&nats, "node-a").await;
    let b = node(&nats, "node-b").await;
    let mut alice = Client::member(&a, "alice", "#lobby").await;
    let mut bob = Client::member(&b, "bob", "#lobby").await;
    // Each sees the other arrive: bob through his node's roster request,
    // alice through bob's join in the room stream.
    alice
        .expect_line(&format!(":{} JOIN #lobby", prefix("bob")))
        .await;
    bob.expect_line(&format!(":{} JOIN #lobby", prefix("alice")))
        .await;
    assert_eq!(names(&mut alice, "#lobby").await, ["alice", "bob"]);
    assert_eq!(names(&mut bob, "#Lobby").await, ["alice", "bob"]);

    alice.send("PRIVMSG #lobby :hello from a");
    bob.expect_line(&format!(
        ":{} PRIVMSG #lobby :hello from a",
        prefix("alice")
    ))
    .await;
    bob.send("PRIVMSG #lobby :hello from b");
    alice
        .expect_line(&format!(":{} PRIVMSG #lobby :hello from b", prefix("bob")))
        .await;

    // A whisper crosses nodes, both ways.
    bob.send("PRIVMSG alice :psst");
    alice
        .expect_line(&format!(":{} PRIVMSG alice :psst", prefix("bob")))
        .await;
    alice.send("NOTICE bob :noted");
    bob.expect_line(&format!(":{} NOTICE bob :noted", prefix("alice")))
        .await;

    // A node stopping takes its users with it.
    alice.send("QUIT :bye now");
    bob.expect_line(&format!(":{} QUIT :Quit: bye now", prefix("alice")))
        .await;
    assert_eq!(names(&mut bob, "#lobby").await, ["bob"]);
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nick_held_on_one_node_is_refused_on_another() {
    let Some(nats) = NatsServer::start() else {
        return;
    };
    let a = node(&nats, "node-a").await;
    let b = node(&nats, "node-b").await;
    let _alice = Client::register(&a, "Alice").await;
    // Not sharing a channel: the claim in the nick bucket refuses it.
    let mut impostor = Client::connect(&b).await;
    impostor.send("NICK alice");
    impostor.send("USER x 0 * :x");
    let refused = impostor.expect_command("433").await;
    assert!(
        refused.ends_with(":Nickname is already in use on another node (node-a)"),
        "{refused}"
    );
    impostor.send("NICK carol");
    impostor.expect_command("001").await;
    impostor.end_of_motd().await;
    impostor.send("NICK ALICE");
    let refused = impostor.expect_command("433").await;
    assert!(refused.contains("another node (node-a)"), "{refused}");
    a.shutdown().await;
    b.shutdown().await;
}
