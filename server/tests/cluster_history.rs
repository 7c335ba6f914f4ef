//! One order and one history for a room across nodes: every member on
//! every node sees a room's messages in the room stream's order, and
//! CHATHISTORY and join backlogs on any node show the same messages.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cluster_support;
mod common;
mod history_support;

use cluster_support::PATIENCE;
use cluster_support::servers::{names, node, node_with_history, wait_joins};
use common::{Client, prefix};
use natterd::cluster::testing::NatsServer;
use natterd::testing::TestServer;

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
        let data_dir = history
            .path()
            .parent()
            .expect("history.db is in the data directory");
        let key = format!("chan:{channel}");
        let mut found: Vec<(String, i64, i64)> = natterd::history::offline::stored(data_dir)
            .unwrap()
            .into_iter()
            .filter(|record| record.conversation == key)
            .map(|record| {
                let time_ms = record.message.time.timestamp_millis();
                (record.message.text, time_ms, record.stream_seq)
            })
            .collect();
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
