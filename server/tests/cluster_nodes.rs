//! Several natterd nodes in one process sharing rooms through a real
//! nats-server: joins, messages, member lists, whispers and nick ownership
//! cross nodes; a node that stops takes its users with it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cluster_support;
mod common;
mod history_support;
mod process;

use cluster_support::{NETWORK, PATIENCE};
use common::{Client, prefix};
use natterd::Config;
use natterd::cluster::testing::NatsServer;
use natterd::cluster::{ClusterConfig, presence};
use natterd::testing::TestServer;

/// A node of the test network called `name`, on `nats`.
async fn node(nats: &NatsServer, name: &str) -> TestServer {
    node_from(common::test_config(), nats, name).await
}

/// A node like [`node`] with history on (its own temporary store).
async fn node_with_history(nats: &NatsServer, name: &str) -> TestServer {
    node_from(history_support::history_config(), nats, name).await
}

/// A node like [`node`] that the others count dead only after a minute,
/// so a short NATS outage is only an outage.
async fn patient_node(nats: &NatsServer, name: &str) -> TestServer {
    let mut cluster = cluster_support::config(nats);
    cluster.node_timeout = std::time::Duration::from_secs(60);
    node_in(common::test_config(), cluster, name).await
}

/// Starts `config` as node `name` of the test network on `nats`, once it
/// has joined the cluster.
async fn node_from(config: Config, nats: &NatsServer, name: &str) -> TestServer {
    node_in(config, cluster_support::config(nats), name).await
}

/// Starts `config` as node `name` of the test network with `cluster`'s
/// settings, once it has joined the cluster.
async fn node_in(mut config: Config, cluster: ClusterConfig, name: &str) -> TestServer {
    config.server.network = NETWORK.to_string();
    config.cluster = cluster;
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
    // alice sees bob arrive through his join in the room stream; bob finds
    // alice in the member list of his join, or (if his node had not yet
    // heard that #lobby lives on node-a) through its roster exchange.
    alice
        .expect_line(&format!(":{} JOIN #lobby", prefix("bob")))
        .await;
    wait_joins(&mut bob, "#lobby", &["alice"]).await;
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

/// WHOIS `nick` from `client` until the server knows them (its nick
/// directory follows the cluster's nick bucket): the 312 line naming the
/// node they are on.
async fn whois_until_known(client: &mut Client, nick: &str) -> String {
    loop {
        client.send(&format!("WHOIS {nick}"));
        let lines = client
            .lines_until(|line| common::command(line) == "318")
            .await;
        if let Some(server) = lines.iter().find(|line| common::command(line) == "312") {
            return server.clone();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whisper_reaches_a_user_of_another_node_who_shares_no_channel() {
    let Some(nats) = NatsServer::start() else {
        return;
    };
    let a = node(&nats, "node-a").await;
    let b = node(&nats, "node-b").await;
    let mut alice = Client::register(&a, "alice").await;
    let mut bob = Client::register(&b, "bob").await;
    let known = whois_until_known(&mut alice, "bob").await;
    assert!(known.contains("node-b"), "WHOIS names bob's node: {known}");
    alice.send("PRIVMSG bob :psst, no channel needed");
    bob.expect_line(&format!(
        ":{} PRIVMSG bob :psst, no channel needed",
        prefix("alice")
    ))
    .await;
    bob.send("PRIVMSG alice :got it");
    alice
        .expect_line(&format!(":{} PRIVMSG alice :got it", prefix("bob")))
        .await;
    // Gone from the directory once bob quits: no such nick.
    bob.send("QUIT :bye");
    loop {
        alice.send("PRIVMSG bob :still there?");
        let lines = alice.sync().await;
        if lines.iter().any(|line| common::command(line) == "401") {
            break;
        }
    }
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

/// Connects an IRC client to a natterd process at `address` as `nick`.
async fn register_at(address: &str, nick: &str) -> Client {
    let stream = tokio::net::TcpStream::connect(address).await.unwrap();
    Client::from_stream(stream).register_on(nick).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_node_takes_its_users_and_frees_their_nicks() {
    let Some(nats) = NatsServer::start() else {
        return;
    };
    let a = node(&nats, "node-a").await;
    let dir = std::env::temp_dir().join(format!(
        "natterd-cluster-kill-{}-{}",
        std::process::id(),
        fastrand::u64(..)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("natterd.toml");
    std::fs::write(
        &config,
        format!(
            "[server]\nnetwork = \"{NETWORK}\"\n[cluster]\nnats = \"{}\"\nnode = \"node-b\"\nheartbeat = \"250ms\"\nnode_timeout = \"3s\"\n",
            nats.url()
        ),
    )
    .unwrap();
    let args = [
        "--no-history".into(),
        "--bind".into(),
        "127.0.0.1:0".into(),
        "--config".into(),
        config.clone().into_os_string(),
    ];
    let (mut b, address, log) = process::spawn_logged(args, "info", &[]);
    log.wait_for("cluster: joined");
    let mut alice = Client::member(&a, "alice", "#lobby").await;
    let mut bob = register_at(&address, "bob").await;
    bob.join("#lobby").await;
    alice
        .expect_line(&format!(":{} JOIN #lobby", prefix("bob")))
        .await;
    alice.send("MODE #lobby +o bob");
    alice
        .expect_line(&format!(":{} MODE #lobby +o bob", prefix("alice")))
        .await;
    // No goodbye: the process is killed; its heartbeat stops.
    b.child.kill().unwrap();
    b.child.wait().unwrap();
    alice
        .expect_line(&format!(
            ":{} QUIT :Node node-b left the cluster",
            prefix("bob")
        ))
        .await;
    assert_eq!(names(&mut alice, "#lobby").await, ["alice"]);
    // Its users' nicks are free again, and their channel privileges gone:
    // a new bob is no operator.
    let node_a = a.context.cluster.clone().expect("a cluster node");
    cluster_support::eventually("node-b forgotten in #lobby", || {
        let forgotten = node_a
            .channel_record("#lobby")
            .is_some_and(|record| record.privileges.keys().all(|nick| nick == "alice"));
        async move { forgotten }
    })
    .await;
    let mut new_bob = Client::register(&a, "bob").await;
    new_bob.send("WHOIS bob");
    new_bob.expect_command("311").await;
    new_bob.join("#lobby").await;
    assert_eq!(
        names_with_prefixes(&mut alice, "#lobby").await,
        ["@alice", "bob"]
    );
    let _ = std::fs::remove_dir_all(&dir);
    a.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_goes_on_locally_while_nats_is_away_and_crosses_again_after() {
    let Some(mut nats) = NatsServer::start() else {
        return;
    };
    let a = node(&nats, "node-a").await;
    let b = node(&nats, "node-b").await;
    let mut alice = Client::member(&a, "alice", "#lobby").await;
    let mut carol = Client::member(&a, "carol", "#lobby").await;
    let mut bob = Client::member(&b, "bob", "#lobby").await;
    alice
        .expect_line(&format!(":{} JOIN #lobby", prefix("bob")))
        .await;

    nats.stop();
    let lost = format!(
        ":{} NOTICE alice :{}",
        common::SERVER,
        presence::LOST_NOTICE
    );
    alice.expect_line(&lost).await;
    bob.expect(|line| line.contains(presence::LOST_NOTICE))
        .await;
    carol.send("PRIVMSG #lobby :still here");
    alice
        .expect_line(&format!(":{} PRIVMSG #lobby :still here", prefix("carol")))
        .await;

    nats.restart();
    let back = format!(
        ":{} NOTICE alice :{}",
        common::SERVER,
        presence::BACK_NOTICE
    );
    alice.expect_line(&back).await;
    bob.expect(|line| line.contains(presence::BACK_NOTICE))
        .await;
    bob.send("PRIVMSG #lobby :back again");
    alice
        .expect_line(&format!(":{} PRIVMSG #lobby :back again", prefix("bob")))
        .await;
    carol
        .expect_line(&format!(":{} PRIVMSG #lobby :back again", prefix("bob")))
        .await;
    alice.send("PRIVMSG #lobby :welcome back");
    bob.expect_line(&format!(
        ":{} PRIVMSG #lobby :welcome back",
        prefix("alice")
    ))
    .await;
    assert_eq!(names(&mut bob, "#lobby").await, ["alice", "bob", "carol"]);
    a.shutdown().await;
    b.shutdown().await;
}

/// The texts of the next `count` PRIVMSGs to `channel` that `client` receives.
async fn said(client: &mut Client, channel: &str, count: usize) -> Vec<String> {
    let mut texts = Vec::new();
    while texts.len() < count {
        let line = client.recv_line().await;
        let message = common::parse(&line);
        if message.command == "PRIVMSG" && message.params[0] == channel {
            texts.push(message.params[1].clone());
        }
    }
    texts
}

/// Waits until `client`'s NAMES of `channel` lists each of `others`: they
/// were there when it joined (its join reply listed them) or joined after
/// (it saw their JOIN), on any node.
async fn wait_joins(client: &mut Client, channel: &str, others: &[&str]) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let names = names(client, channel).await;
        if others
            .iter()
            .all(|other| names.iter().any(|name| name == other))
        {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{channel}: {names:?} never listed all of {others:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// The six members of the ordering test, as NAMES sorts them.
fn everyone_sorted() -> Vec<&'static str> {
    vec!["alma", "ann", "bea", "ben", "cid", "cora"]
}

/// The texts in `texts` that do not start with `prefix`.
fn without(texts: &[String], prefix: char) -> Vec<String> {
    texts
        .iter()
        .filter(|text| !text.starts_with(prefix))
        .cloned()
        .collect()
}

/// The texts in `texts` that start with `prefix`.
fn from(texts: &[String], prefix: char) -> Vec<String> {
    texts
        .iter()
        .filter(|text| text.starts_with(prefix))
        .cloned()
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_member_on_every_node_sees_one_order() {
    let Some(nats) = NatsServer::start() else {
        return;
    };
    let a = node(&nats, "node-a").await;
    let b = node(&nats, "node-b").await;
    let c = node(&nats, "node-c").await;
    // A sender and an observer on each node.
    let mut ann = Client::member(&a, "ann", "#room").await;
    let mut alma = Client::member(&a, "alma", "#room").await;
    let mut ben = Client::member(&b, "ben", "#room").await;
    let mut bea = Client::member(&b, "bea", "#room").await;
    let mut cid = Client::member(&c, "cid", "#room").await;
    let mut cora = Client::member(&c, "cora", "#room").await;
    // The first member of each node has seen every remote member join:
    // every node follows the room. (Later members of a node are not shown
    // JOINs of remote members their node already knew: NAMES lists those.)
    wait_joins(&mut ann, "#room", &["ben", "bea", "cid", "cora"]).await;
    wait_joins(&mut ben, "#room", &["ann", "alma", "cid", "cora"]).await;
    wait_joins(&mut cid, "#room", &["ann", "alma", "ben", "bea"]).await;
    assert_eq!(names(&mut bea, "#room").await, everyone_sorted());
    // Three senders on three nodes, interleaved.
    const EACH: usize = 20;
    for index in 0..EACH {
        ann.send(&format!("PRIVMSG #room :a{index}"));
        ben.send(&format!("PRIVMSG #room :b{index}"));
        cid.send(&format!("PRIVMSG #room :c{index}"));
    }
    let on_a = said(&mut alma, "#room", 3 * EACH).await;
    let on_b = said(&mut bea, "#room", 3 * EACH).await;
    let on_c = said(&mut cora, "#room", 3 * EACH).await;
    assert_eq!(on_a, on_b, "node A and node B show one order");
    assert_eq!(on_a, on_c, "node A and node C show one order");
    // Once each, and each sender's order kept.
    for sender in ['a', 'b', 'c'] {
        let expected: Vec<String> = (0..EACH).map(|index| format!("{sender}{index}")).collect();
        assert_eq!(from(&on_a, sender), expected);
    }
    // Senders see everyone else's messages in that same order.
    assert_eq!(said(&mut ann, "#room", 2 * EACH).await, without(&on_a, 'a'));
    assert_eq!(said(&mut ben, "#room", 2 * EACH).await, without(&on_a, 'b'));
    assert_eq!(said(&mut cid, "#room", 2 * EACH).await, without(&on_a, 'c'));
    for client in [&mut alma, &mut bea, &mut cora] {
        client.assert_no_line_within(common::QUIET).await;
    }
    a.shutdown().await;
    b.shutdown().await;
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sender_with_echo_message_has_its_echo_at_once_and_others_see_it_in_order() {
    let Some(nats) = NatsServer::start() else {
        return;
    };
    let a = node(&nats, "node-a").await;
    let b = node(&nats, "node-b").await;
    let mut ann = Client::register_with_caps(
        &a,
        "ann",
        &["batch", "echo-message", "labeled-response", "message-tags"],
    )
    .await;
    ann.join("#room").await;
    let mut alma = Client::member(&a, "alma", "#room").await;
    let mut ben = Client::member(&b, "ben", "#room").await;
    wait_joins(&mut ann, "#room", &["alma", "ben"]).await;
    wait_joins(&mut alma, "#room", &["ben"]).await;
    wait_joins(&mut ben, "#room", &["ann", "alma"]).await;
    ann.send("@label=x1 PRIVMSG #room :hello");
    let echo = ann.recv_line().await;
    assert!(
        echo.starts_with("@label=x1;"),
        "the echo is the labelled response: {echo}"
    );
    let echoed = common::parse(&echo);
    assert_eq!(echoed.command, "PRIVMSG", "{echo}");
    assert_eq!(echoed.params, ["#room", "hello"], "{echo}");
    // The node's other member and the other node's get it once, from the stream.
    assert_eq!(said(&mut alma, "#room", 1).await, ["hello"]);
    assert_eq!(said(&mut ben, "#room", 1).await, ["hello"]);
    ann.assert_no_line_within(common::QUIET).await;
    alma.assert_no_line_within(common::QUIET).await;
    a.shutdown().await;
    b.shutdown().await;
}

/// Joins `channel` and returns the texts of its join backlog (a batch,
/// after the member list).
async fn join_backlog(client: &mut Client, channel: &str) -> Vec<String> {
    client.send(&format!("JOIN {channel}"));
    client.expect_command("366").await;
    let (_, lines) = history_support::next_batch(client).await;
    history_support::texts(&lines)
}

/// The texts CHATHISTORY LATEST returns for `channel`.
async fn latest(client: &mut Client, channel: &str) -> Vec<String> {
    client.send(&format!("CHATHISTORY LATEST {channel} * 50"));
    let (_, lines) = history_support::next_batch(client).await;
    history_support::texts(&lines)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chathistory_on_any_node_has_what_was_said_on_another_before_it_had_members() {
    let Some(nats) = NatsServer::start() else {
        return;
    };
    let a = node_with_history(&nats, "node-a").await;
    let c = node_with_history(&nats, "node-c").await;
    let reader_caps = ["batch", "draft/chathistory", "message-tags", "server-time"];
    let mut alice = Client::member(&a, "alice", "#history").await;
    // amy gets alice's messages only once the room stream has them.
    let mut amy = Client::member(&a, "amy", "#history").await;
    for text in ["one", "two", "three"] {
        alice.send(&format!("PRIVMSG #history :{text}"));
    }
    assert_eq!(said(&mut amy, "#history", 3).await, ["one", "two", "three"]);
    // node-c has never had anyone in #history: it copies the room's history
    // from the stream before carol's backlog and CHATHISTORY read it.
    let mut carol = Client::register_with_caps(&c, "carol", &reader_caps).await;
    assert_eq!(
        join_backlog(&mut carol, "#history").await,
        ["one", "two", "three"]
    );
    assert_eq!(
        latest(&mut carol, "#history").await,
        ["one", "two", "three"]
    );
    // While node-c follows the room, it records what comes live.
    alice.send("PRIVMSG #history :four");
    assert_eq!(said(&mut carol, "#history", 1).await, ["four"]);
    assert_eq!(said(&mut amy, "#history", 1).await, ["four"]);
    assert_eq!(
        latest(&mut carol, "#history").await,
        ["one", "two", "three", "four"]
    );
    // Nobody left on node-c: what is said meanwhile is copied on the next join.
    carol.send("PART #history");
    let parted = format!(":{} PART #history", prefix("carol"));
    carol.expect(|line| line.ends_with(&parted)).await;
    alice
        .expect_line(&format!(":{} PART #history", prefix("carol")))
        .await;
    alice.send("PRIVMSG #history :five");
    alice.send("NOTICE #history :six");
    assert_eq!(said(&mut amy, "#history", 1).await, ["five"]);
    amy.expect(|line| line.ends_with("NOTICE #history six"))
        .await;
    let mut cleo = Client::register_with_caps(&c, "cleo", &reader_caps).await;
    let everything = ["one", "two", "three", "four", "five", "six"];
    assert_eq!(join_backlog(&mut cleo, "#history").await, everything);
    assert_eq!(latest(&mut cleo, "#history").await, everything);
    // And the same from node-a, where it was all said.
    let mut ada = Client::register_with_caps(&a, "ada", &reader_caps).await;
    assert_eq!(join_backlog(&mut ada, "#history").await, everything);
    a.shutdown().await;
    c.shutdown().await;
}

/// The messages of `channel` (folded) in `server`'s store as (text,
/// time_ms, stream sequence), once it holds `count` and each has its room
/// stream sequence (a node learns its own messages' sequences when it reads
/// them back).
async fn placed(server: &TestServer, channel: &str, count: usize) -> Vec<(String, i64, i64)> {
    let history = server.context.history.clone().expect("history on");
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        history.flush().await.unwrap();
        let conn = rusqlite::Connection::open(history.path()).unwrap();
        let mut rows = conn
            .prepare(
                "SELECT m.text, m.time_ms, m.stream_seq FROM messages m
                 JOIN conversations c ON c.id = m.conversation WHERE c.key = ?1",
            )
            .unwrap();
        let mut found: Vec<(String, i64, i64)> = rows
            .query_map([format!("chan:{channel}")], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?))
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        if found.len() == count && found.iter().all(|(_, _, seq)| *seq > 0) {
            found.sort();
            return found;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{channel}: never stored {count} messages with their places: {found:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_node_lists_a_rooms_history_in_one_order_even_within_a_millisecond() {
    let Some(nats) = NatsServer::start() else {
        return;
    };
    let a = node_with_history(&nats, "node-a").await;
    let b = node_with_history(&nats, "node-b").await;
    let caps = ["batch", "draft/chathistory", "message-tags", "server-time"];
    let mut alice = Client::register_with_caps(&a, "alice", &caps).await;
    alice.join("#tie").await;
    let mut bob = Client::register_with_caps(&b, "bob", &caps).await;
    bob.join("#tie").await;
    wait_joins(&mut alice, "#tie", &["bob"]).await;
    wait_joins(&mut bob, "#tie", &["alice"]).await;
    // Both say a burst at once. Messages of the two nodes share
    // milliseconds, and each node stores its own as they are said and the
    // other's as the room stream brings them: in a different order.
    const EACH: usize = 40;
    let burst = |who: char| -> Vec<u8> {
        (0..EACH)
            .map(|index| format!("PRIVMSG #tie :{who}{index}\r\n"))
            .collect::<String>()
            .into_bytes()
    };
    alice.send_bytes(&burst('a'));
    bob.send_bytes(&burst('b'));
    assert_eq!(said(&mut alice, "#tie", EACH).await.len(), EACH);
    assert_eq!(said(&mut bob, "#tie", EACH).await.len(), EACH);
    // Both stores hold every message with the same time and place.
    let on_a = placed(&a, "#tie", 2 * EACH).await;
    let on_b = placed(&b, "#tie", 2 * EACH).await;
    assert_eq!(on_a, on_b);
    // So both nodes list the room in one order: by time, and within a
    // millisecond by the room stream's order.
    let mut expected = on_a.clone();
    expected.sort_by_key(|(_, time_ms, seq)| (*time_ms, *seq));
    let expected: Vec<String> = expected.into_iter().map(|(text, ..)| text).collect();
    for client in [&mut alice, &mut bob] {
        client.send("CHATHISTORY LATEST #tie * 100");
        let (_, lines) = history_support::next_batch(client).await;
        assert_eq!(history_support::texts(&lines), expected);
    }
    a.shutdown().await;
    b.shutdown().await;
}

/// Waits until `server`'s node knows the cluster's record of `channel`.
async fn knows_channel(server: &TestServer, channel: &str) {
    let cluster = server.context.cluster.clone().expect("a cluster node");
    cluster_support::eventually(&format!("the record of {channel}"), || {
        let known = cluster.knows_channel(channel);
        async move { known }
    })
    .await;
}

/// The 324 reply to `MODE channel`: the modes and their arguments.
async fn modes_of(client: &mut Client, channel: &str) -> String {
    client.send(&format!("MODE {channel}"));
    let line = client.expect(|line| common::command(line) == "324").await;
    common::parse(&line).params[2..].join(" ")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn modes_topic_bans_and_operators_set_on_one_node_hold_on_another() {
    let Some(nats) = NatsServer::start() else {
        return;
    };
    let a = node(&nats, "node-a").await;
    let b = node(&nats, "node-b").await;
    let mut alice = Client::member(&a, "alice", "#c").await;
    knows_channel(&b, "#c").await;
    let mut bob = Client::member(&b, "bob", "#c").await;
    alice
        .expect_line(&format!(":{} JOIN #c", prefix("bob")))
        .await;
    // Created on a: bob, first on b, is no operator there.
    bob.send("MODE #c +m");
    bob.expect(|line| common::command(line) == "482").await;

    // +o given on a makes bob an operator on b.
    alice.send("MODE #c +o bob");
    alice
        .expect_line(&format!(":{} MODE #c +o bob", prefix("alice")))
        .await;
    bob.expect_line(&format!(":{} MODE #c +o bob", prefix("alice")))
        .await;
    // Modes and topic set on b: the live lines and the state on a.
    bob.send("MODE #c +m");
    alice
        .expect_line(&format!(":{} MODE #c +m", prefix("bob")))
        .await;
    assert_eq!(modes_of(&mut alice, "#c").await, "+mnt");
    bob.send("TOPIC #c :set on b");
    alice
        .expect_line(&format!(":{} TOPIC #c :set on b", prefix("bob")))
        .await;
    alice.send("TOPIC #c");
    alice
        .expect(|line| line.ends_with(" 332 alice #c :set on b"))
        .await;
    let whotime = alice.expect(|line| common::command(line) == "333").await;
    assert_eq!(common::parse(&whotime).params[2], prefix("bob"));
    // +t from a: bob is an operator, so his topic still goes.
    assert_eq!(
        names_with_prefixes(&mut alice, "#c").await,
        ["@alice", "@bob"]
    );

    // +k and +b set on a refuse JOINs on b.
    alice.send("MODE #c +k sesame");
    bob.expect_line(&format!(":{} MODE #c +k sesame", prefix("alice")))
        .await;
    alice.send("MODE #c +b dave!*@*");
    bob.expect_line(&format!(":{} MODE #c +b dave!*@*", prefix("alice")))
        .await;
    let mut carol = Client::register(&b, "carol").await;
    carol.send("JOIN #c");
    carol.expect(|line| common::command(line) == "475").await;
    carol.send("JOIN #c sesame");
    carol
        .expect_line(&format!(":{} JOIN #c", prefix("carol")))
        .await;
    let mut dave = Client::register(&b, "dave").await;
    dave.send("JOIN #c sesame");
    dave.expect(|line| common::command(line) == "474").await;
    a.shutdown().await;
    b.shutdown().await;
}

/// NAMES of `channel` with the prefixes kept, sorted.
async fn names_with_prefixes(client: &mut Client, channel: &str) -> Vec<String> {
    client.send(&format!("NAMES {channel}"));
    let line = client.expect(|line| common::command(line) == "353").await;
    client.expect(|line| common::command(line) == "366").await;
    let mut names: Vec<String> = common::parse(&line).params[3]
        .split(' ')
        .map(str::to_string)
        .collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conflicting_mode_changes_on_two_nodes_at_once_end_in_one_state() {
    let Some(nats) = NatsServer::start() else {
        return;
    };
    let a = node(&nats, "node-a").await;
    let b = node(&nats, "node-b").await;
    let mut alice = Client::member(&a, "alice", "#c").await;
    knows_channel(&b, "#c").await;
    let mut bob = Client::member(&b, "bob", "#c").await;
    alice
        .expect_line(&format!(":{} JOIN #c", prefix("bob")))
        .await;
    alice.send("MODE #c +o bob");
    bob.expect_line(&format!(":{} MODE #c +o bob", prefix("alice")))
        .await;
    // Each node says the opposite at the same moment.
    for round in 0..10 {
        alice.send(&format!("MODE #c +k-m alpha{round}"));
        bob.send(&format!("MODE #c +mk beta{round}"));
        alice.send("MODE #c +s");
        bob.send("MODE #c -s+i");
    }
    // The last change of each: once both show, all of each node's are written.
    alice.send("MODE #c +l 50");
    bob.send("MODE #c -n");
    let deadline = tokio::time::Instant::now() + PATIENCE;
    let last = loop {
        let (on_a, on_b) = (
            modes_of(&mut alice, "#c").await,
            modes_of(&mut bob, "#c").await,
        );
        let flags = on_a.split(' ').next().unwrap_or_default().to_string();
        if on_a == on_b && !flags.contains('n') && on_a.contains(" 50") {
            break (on_a, on_b);
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the nodes never agreed: {on_a} / {on_b}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    // And they stay agreed: nothing was still on its way.
    assert_eq!(modes_of(&mut alice, "#c").await, last.0);
    assert_eq!(modes_of(&mut bob, "#c").await, last.0);
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_kicked_from_another_node_leaves_the_channel_everywhere() {
    let Some(nats) = NatsServer::start() else {
        return;
    };
    let a = node(&nats, "node-a").await;
    let b = node(&nats, "node-b").await;
    let c = node(&nats, "node-c").await;
    let mut alice = Client::member(&a, "alice", "#c").await;
    knows_channel(&b, "#c").await;
    knows_channel(&c, "#c").await;
    let mut bob = Client::member(&b, "bob", "#c").await;
    let mut ben = Client::member(&b, "ben", "#c").await;
    let mut cid = Client::member(&c, "cid", "#c").await;
    wait_joins(&mut alice, "#c", &["bob", "ben", "cid"]).await;
    wait_joins(&mut cid, "#c", &["alice", "bob", "ben"]).await;
    wait_joins(&mut ben, "#c", &["cid"]).await;

    alice.send("KICK #c bob :out you go");
    let kick = format!(":{} KICK #c bob :out you go", prefix("alice"));
    alice.expect_line(&kick).await;
    bob.expect_line(&kick).await;
    ben.expect_line(&kick).await;
    cid.expect_line(&kick).await;
    assert_eq!(names(&mut alice, "#c").await, ["alice", "ben", "cid"]);
    assert_eq!(names(&mut ben, "#c").await, ["alice", "ben", "cid"]);
    assert_eq!(names(&mut cid, "#c").await, ["alice", "ben", "cid"]);
    // bob is out on his own node too: he can speak there no more (+n).
    bob.send("PRIVMSG #c :still here?");
    bob.expect(|line| common::command(line) == "404").await;
    a.shutdown().await;
    b.shutdown().await;
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invitation_from_another_node_lets_its_holder_into_an_invite_only_channel() {
    let Some(nats) = NatsServer::start() else {
        return;
    };
    let a = node(&nats, "node-a").await;
    let b = node(&nats, "node-b").await;
    let c = node(&nats, "node-c").await;
    let mut alice = Client::member(&a, "alice", "#c").await;
    knows_channel(&b, "#c").await;
    let mut bob = Client::member(&b, "bob", "#c").await;
    alice
        .expect_line(&format!(":{} JOIN #c", prefix("bob")))
        .await;
    alice.send("MODE #c +i");
    bob.expect_line(&format!(":{} MODE #c +i", prefix("alice")))
        .await;
    let mut carol = Client::register(&a, "carol").await;
    carol.send("JOIN #c");
    carol.expect(|line| common::command(line) == "473").await;
    let mut dave = Client::register(&c, "dave").await;
    let node_c = c.context.cluster.clone().expect("a cluster node");
    cluster_support::eventually("node-c knows #c is +i", || {
        let invite_only = node_c
            .channel_record("#c")
            .is_some_and(|record| record.modes.invite_only);
        async move { invite_only }
    })
    .await;
    dave.send("JOIN #c");
    dave.expect(|line| common::command(line) == "473").await;

    // Invitations need an operator in a +i channel; bob on b becomes one.
    bob.send("INVITE carol #c");
    bob.expect(|line| common::command(line) == "482").await;
    alice.send("MODE #c +o bob");
    bob.expect_line(&format!(":{} MODE #c +o bob", prefix("alice")))
        .await;
    // carol is on a, where #c has members; dave on c, where it has none.
    for (invitee, client) in [("carol", &mut carol), ("dave", &mut dave)] {
        bob.send(&format!("INVITE {invitee} #c"));
        bob.expect(|line| common::command(line) == "341").await;
        client
            .expect_line(&format!(":{} INVITE {invitee} #c", prefix("bob")))
            .await;
        client.send("JOIN #c");
        client
            .expect_line(&format!(":{} JOIN #c", prefix(invitee)))
            .await;
    }
    // Already a member: no second invitation.
    bob.send("INVITE carol #c");
    bob.expect(|line| common::command(line) == "443").await;
    a.shutdown().await;
    b.shutdown().await;
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_on_one_node_is_shown_with_account_notify_on_another() {
    let Some(nats) = NatsServer::start() else {
        return;
    };
    let a = node_with_history(&nats, "node-a").await;
    let b = node_with_history(&nats, "node-b").await;
    let caps = ["account-notify", "extended-join"];
    let mut watcher = Client::register_with_caps(&a, "watcher", &caps).await;
    watcher.join("#room").await;
    knows_channel(&b, "#room").await;
    let mut dave = Client::member(&b, "dave", "#room").await;
    watcher
        .expect_line(&format!(":{} JOIN #room * :dave tester", prefix("dave")))
        .await;
    dave.send("PRIVMSG NickServ :REGISTER correcthorse");
    dave.expect_command("900").await;
    watcher
        .expect_line(&format!(":{} ACCOUNT dave", prefix("dave")))
        .await;
    dave.send("PRIVMSG NickServ :LOGOUT");
    dave.expect_command("901").await;
    watcher
        .expect_line(&format!(":{} ACCOUNT *", prefix("dave")))
        .await;
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_protected_channel_that_ends_everywhere_leaves_no_history_to_catch_up() {
    let Some(nats) = NatsServer::start() else {
        return;
    };
    let a = node_with_history(&nats, "node-a").await;
    let c = node_with_history(&nats, "node-c").await;
    let cluster = a.context.cluster.clone().expect("a cluster node");
    let reader_caps = ["batch", "draft/chathistory", "message-tags", "server-time"];
    // #open kept nobody out: its history outlives it, as on one server.
    // #hush had a key: when it ends on every node, so does its history.
    let mut alice = Client::member(&a, "alice", "#hush").await;
    alice.send("MODE #hush +k sesame");
    alice.expect(|line| line.contains(" MODE #hush +k")).await;
    alice.send("JOIN #open");
    alice.expect_command("366").await;
    let mut bob = Client::register(&c, "bob").await;
    bob.send("JOIN #hush sesame");
    bob.expect_command("366").await;
    alice
        .expect_line(&format!(":{} JOIN #hush", prefix("bob")))
        .await;
    alice.send("PRIVMSG #hush :the plan");
    alice.send("PRIVMSG #open :hello all");
    assert_eq!(said(&mut bob, "#hush", 1).await, ["the plan"]);
    cluster_support::eventually("both messages in the room stream", || {
        let cluster = cluster.clone();
        async move {
            cluster.stream_history("#hush").await == Some(vec!["the plan".to_string()])
                && cluster.stream_history("#open").await == Some(vec!["hello all".to_string()])
        }
    })
    .await;
    bob.send("PART #hush");
    alice
        .expect_line(&format!(":{} PART #hush", prefix("bob")))
        .await;
    alice.send("PART #hush");
    alice.send("PART #open");
    alice.expect(|line| line.contains(" PART #open")).await;
    cluster_support::eventually("#hush purged from the room stream", || {
        let cluster = cluster.clone();
        async move { cluster.stream_history("#hush").await == Some(Vec::new()) }
    })
    .await;
    // A new #hush, on either node, starts with nothing; #open kept its past.
    // (No backlog comes with an empty history; a backlog batch would be
    // the first batch `latest` reads.)
    let mut carol = Client::register_with_caps(&c, "carol", &reader_caps).await;
    carol.send("JOIN #hush");
    carol.expect_command("366").await;
    assert_eq!(latest(&mut carol, "#hush").await, Vec::<String>::new());
    assert_eq!(join_backlog(&mut carol, "#open").await, ["hello all"]);
    // A node that never followed #hush catches up from the stream's start.
    let d = node_with_history(&nats, "node-d").await;
    let mut dave = Client::register_with_caps(&d, "dave", &reader_caps).await;
    dave.send("JOIN #hush");
    dave.expect_command("366").await;
    assert_eq!(latest(&mut dave, "#hush").await, Vec::<String>::new());
    assert_eq!(join_backlog(&mut dave, "#open").await, ["hello all"]);
    a.shutdown().await;
    c.shutdown().await;
    d.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_joiner_on_a_node_new_to_the_room_finds_everyone_in_its_first_names() {
    let Some(nats) = NatsServer::start() else {
        return;
    };
    let a = node(&nats, "node-a").await;
    let b = node(&nats, "node-b").await;
    let mut alice = Client::member(&a, "alice", "#early").await;
    let _amy = Client::member(&a, "amy", "#early").await;
    alice
        .expect_line(&format!(":{} JOIN #early", prefix("amy")))
        .await;
    knows_channel(&b, "#early").await;
    // node-b has nobody in #early: bob's JOIN reply lists node-a's members
    // with their status, and nobody "joins" after him who was there first.
    let mut bob = Client::register(&b, "bob").await;
    bob.send("JOIN #early");
    bob.expect_line(&format!(":{} JOIN #early", prefix("bob")))
        .await;
    let line = bob.expect(|line| common::command(line) == "353").await;
    let reply = common::parse(&line);
    let mut names: Vec<&str> = reply.params[3].split(' ').collect();
    names.sort_unstable();
    assert_eq!(names, ["@alice", "amy", "bob"], "{line}");
    bob.expect_command("366").await;
    bob.assert_no_line_within(common::QUIET).await;
    a.shutdown().await;
    b.shutdown().await;
}

/// How long NATS stays away in the outage tests that need more than a
/// blip: longer than the NATS client's 5 s request timeout.
const LONG_OUTAGE: std::time::Duration = std::time::Duration::from_secs(6);

/// Asks `MODE channel` and `TOPIC channel` until `client` sees `modes` and
/// `topic` (the nodes write and read the records in the background).
async fn until_state(client: &mut Client, channel: &str, modes: &str, topic: &str) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let now_modes = modes_of(client, channel).await;
        client.send(&format!("TOPIC {channel}"));
        let line = client
            .expect(|line| ["331", "332"].contains(&common::command(line).as_str()))
            .await;
        let now_topic = match common::command(&line).as_str() {
            "332" => common::parse(&line).params[2].clone(),
            _ => String::new(),
        };
        if now_modes == modes && now_topic == topic {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{channel} stayed at {now_modes:?} {now_topic:?}, not {modes:?} {topic:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn channel_changes_made_while_nats_is_away_reach_every_node_when_it_is_back() {
    let Some(mut nats) = NatsServer::start() else {
        return;
    };
    let a = patient_node(&nats, "node-a").await;
    let b = patient_node(&nats, "node-b").await;
    let mut alice = Client::member(&a, "alice", "#c").await;
    knows_channel(&b, "#c").await;
    let mut bob = Client::member(&b, "bob", "#c").await;
    alice
        .expect_line(&format!(":{} JOIN #c", prefix("bob")))
        .await;
    alice.send("MODE #c +o bob");
    bob.expect_line(&format!(":{} MODE #c +o bob", prefix("alice")))
        .await;

    nats.stop();
    alice
        .expect(|line| line.contains(presence::LOST_NOTICE))
        .await;
    bob.expect(|line| line.contains(presence::LOST_NOTICE))
        .await;
    // Each side changes the channel while cut off: shown there at once.
    alice.send("MODE #c +m");
    alice
        .expect_line(&format!(":{} MODE #c +m", prefix("alice")))
        .await;
    alice.send("TOPIC #c :set while away");
    alice
        .expect_line(&format!(":{} TOPIC #c :set while away", prefix("alice")))
        .await;
    bob.send("MODE #c +k sesame");
    bob.expect_line(&format!(":{} MODE #c +k sesame", prefix("bob")))
        .await;
    // Kept to be written, not given up.
    let cluster_a = a.context.cluster.clone().expect("a cluster node");
    assert!(cluster_a.channel_changes_waiting() >= 2);
    let cluster_b = b.context.cluster.clone().expect("a cluster node");
    assert!(cluster_b.channel_changes_waiting() >= 1);
    assert_eq!(modes_of(&mut bob, "#c").await, "+ntk sesame");
    // The outage is the scenario, not a wait for something: it outlasts
    // the NATS client's request timeout (5 s), so a write tried while NATS
    // is away fails instead of waiting the outage out.
    tokio::time::sleep(LONG_OUTAGE).await;

    nats.restart();
    // Each node's members see the other node's changes as they arrive...
    bob.expect(|line| line.ends_with(" MODE #c +m")).await;
    bob.expect(|line| line.ends_with(" TOPIC #c :set while away"))
        .await;
    alice
        .expect(|line| line.ends_with(" MODE #c +k sesame"))
        .await;
    // ...and both end in one state with everything, and stay in step.
    until_state(&mut alice, "#c", "+mntk sesame", "set while away").await;
    until_state(&mut bob, "#c", "+mntk sesame", "set while away").await;
    assert_eq!(cluster_a.channel_changes_waiting(), 0);
    bob.send("MODE #c -m");
    alice
        .expect_line(&format!(":{} MODE #c -m", prefix("bob")))
        .await;
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_channel_outlives_an_outage_that_made_its_nodes_count_each_other_dead() {
    let Some(mut nats) = NatsServer::start() else {
        return;
    };
    let a = node(&nats, "node-a").await;
    let b = node(&nats, "node-b").await;
    let mut alice = Client::member(&a, "alice", "#c").await;
    alice.send("MODE #c +k sesame");
    alice
        .expect_line(&format!(":{} MODE #c +k sesame", prefix("alice")))
        .await;
    knows_channel(&b, "#c").await;
    let mut bob = Client::register(&b, "bob").await;
    bob.send("JOIN #c sesame");
    bob.expect_command("366").await;
    alice
        .expect_line(&format!(":{} JOIN #c", prefix("bob")))
        .await;
    alice.send("MODE #c +o bob");
    bob.expect_line(&format!(":{} MODE #c +o bob", prefix("alice")))
        .await;

    nats.stop();
    alice
        .expect(|line| line.contains(presence::LOST_NOTICE))
        .await;
    bob.expect(|line| line.contains(presence::LOST_NOTICE))
        .await;
    alice.send("TOPIC #c :said while away");
    alice
        .expect_line(&format!(":{} TOPIC #c :said while away", prefix("alice")))
        .await;
    // Longer than node_timeout: each node may count the other dead (its
    // users quit there and join again) and write it out of the channel's
    // record, whichever of them notices first.
    tokio::time::sleep(LONG_OUTAGE).await;
    nats.restart();
    alice
        .expect(|line| line.contains(presence::BACK_NOTICE))
        .await;
    bob.expect(|line| line.contains(presence::BACK_NOTICE))
        .await;
    wait_joins(&mut alice, "#c", &["bob"]).await;
    wait_joins(&mut bob, "#c", &["alice"]).await;
    // The record is back as the channel is: a node with nobody in #c
    // checks a JOIN against its key, instead of making a new #c. Its
    // operators are operators again: whoever counted them dead kept their
    // privileges for their node's return, and they are the same users.
    let c = node(&nats, "node-c").await;
    let cluster_c = c.context.cluster.clone().expect("a cluster node");
    let cluster_a = a.context.cluster.clone().expect("a cluster node");
    let cluster_b = b.context.cluster.clone().expect("a cluster node");
    cluster_support::eventually(
        "#c's record back, with its key, topic and operators",
        || {
            let record = cluster_c.channel_record("#c");
            let settled = cluster_a.channel_changes_waiting() == 0
                && cluster_b.channel_changes_waiting() == 0;
            async move {
                settled
                    && record.is_some_and(|record| {
                        let op = |nick: &str| record.privileges.get(nick).is_some_and(|p| p.op);
                        record.modes.key.as_deref() == Some("sesame")
                            && op("alice")
                            && op("bob")
                            && record.topic.is_some_and(|t| t.text == "said while away")
                    })
            }
        },
    )
    .await;
    let mut carol = Client::register(&c, "carol").await;
    carol.send("JOIN #c");
    carol.expect_command("475").await;
    carol.send("JOIN #c sesame");
    carol
        .expect_line(&format!(":{} JOIN #c", prefix("carol")))
        .await;
    let names = carol.expect(|line| line.contains(" 353 carol ")).await;
    assert!(
        names.contains("@alice") && names.contains("@bob"),
        "{names}"
    );
    carol.expect_command("366").await;
    carol.send("TOPIC #c");
    carol
        .expect(|line| line.ends_with(" 332 carol #c :said while away"))
        .await;
    a.shutdown().await;
    b.shutdown().await;
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whisper_to_another_node_while_nats_is_away_is_refused_at_once() {
    let Some(mut nats) = NatsServer::start() else {
        return;
    };
    let a = patient_node(&nats, "node-a").await;
    let b = patient_node(&nats, "node-b").await;
    let mut alice = Client::member(&a, "alice", "#c").await;
    let mut bob = Client::register(&b, "bob").await;
    whois_until_known(&mut alice, "bob").await;

    nats.stop();
    alice
        .expect(|line| line.contains(presence::LOST_NOTICE))
        .await;
    alice.send("PRIVMSG bob :are you there?");
    let refused = format!(
        ":{} 437 alice bob :Cannot reach bob's node right now; message not delivered",
        common::SERVER
    );
    alice.expect_line(&refused).await;
    // An invitation would be lost the same way: refused too.
    alice.send("INVITE bob #c");
    alice.expect_line(&refused).await;

    nats.restart();
    alice
        .expect(|line| line.contains(presence::BACK_NOTICE))
        .await;
    alice.send("PRIVMSG bob :back?");
    bob.expect_line(&format!(":{} PRIVMSG bob :back?", prefix("alice")))
        .await;
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_user_on_a_node_new_to_the_lobby_sees_everyone_in_its_first_member_list() {
    let Some(nats) = NatsServer::start() else {
        return;
    };
    let a = node(&nats, "node-a").await;
    let b = node(&nats, "node-b").await;
    let _alice = Client::member(&a, "alice", "#lobby").await;
    knows_channel(&b, "#lobby").await;
    // node-b has nobody in #lobby: the plain user's automatic join first
    // learns who node-a has there, as an IRC JOIN does.
    let mut pat = Client::connect(&b).await;
    pat.send("pat");
    let line = pat
        .expect(|line| line.starts_with("*** Online in #lobby"))
        .await;
    assert_eq!(line, "*** Online in #lobby (2): alice, pat");
    a.shutdown().await;
    b.shutdown().await;
}

/// `LINKS` from `client` until its reply has `servers` 364 lines (nodes
/// appear and go with their heartbeats); the whole reply.
async fn links_until(client: &mut Client, servers: usize) -> Vec<String> {
    tokio::time::timeout(PATIENCE, async {
        loop {
            client.send("LINKS");
            let lines = client.sync().await;
            if lines.len() == servers + 1 {
                return lines;
            }
        }
    })
    .await
    .expect("LINKS never showed the expected nodes")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_lists_the_other_live_nodes_and_stats_describes_the_nats_link_to_operators() {
    let Some(nats) = NatsServer::start() else {
        return;
    };
    let mut config = common::test_config();
    config.operators = vec![natterd::operators::OperatorConfig {
        name: "root".into(),
        password: Some(natterd::accounts::password::hash("operpassword").unwrap()),
        ..Default::default()
    }];
    let a = node_from(config, &nats, "node-a").await;
    let b = node(&nats, "node-b").await;
    let server = common::SERVER;
    let mut alice = Client::register(&a, "alice").await;
    assert_eq!(
        links_until(&mut alice, 2).await,
        [
            format!(":{server} 364 alice {server} {server} :0 natter LAN chat server"),
            format!(":{server} 364 alice node-b {server} :1 another node of this natter cluster"),
            format!(":{server} 365 alice * :End of /LINKS list"),
        ]
    );
    alice.send("LINKS node-?");
    assert_eq!(
        alice.sync().await,
        [
            format!(":{server} 364 alice node-b {server} :1 another node of this natter cluster"),
            format!(":{server} 365 alice node-? :End of /LINKS list"),
        ]
    );

    alice.send("OPER root operpassword");
    alice.expect_command("381").await;
    alice.sync().await;
    // c: the configured NATS server, without scheme or credentials.
    let url = nats.url();
    let address = url.rsplit_once("://").map_or(url.as_str(), |(_, a)| a);
    let (host, port) = address.rsplit_once(':').unwrap();
    alice.send("STATS c");
    assert_eq!(
        alice.sync().await,
        [
            format!(":{server} 213 alice C {host} * nats {port} cluster"),
            format!(":{server} 219 alice c :End of /STATS report"),
        ]
    );
    // l: the NATS connection's traffic, which joining the cluster made.
    alice.send("STATS l");
    let lines = alice.sync().await;
    assert_eq!(lines.len(), 2, "{lines:?}");
    let link = common::parse(&lines[0]);
    assert_eq!(link.command, "211");
    assert_eq!(link.params[1], "nats[up]");
    assert_eq!(link.params[2], "0");
    let figures: Vec<u64> = link.params[3..8]
        .iter()
        .map(|figure| figure.parse().unwrap())
        .collect();
    assert!(figures[0] > 0 && figures[2] > 0, "{lines:?}");
    assert_eq!(
        lines[1],
        format!(":{server} 219 alice l :End of /STATS report")
    );

    // A node that stops leaves the list.
    b.shutdown().await;
    assert_eq!(
        links_until(&mut alice, 1).await,
        [
            format!(":{server} 364 alice {server} {server} :0 natter LAN chat server"),
            format!(":{server} 365 alice * :End of /LINKS list"),
        ]
    );
    a.shutdown().await;
}
