//! Channel state shared by every node: modes, topic, bans and operators
//! set on one node hold on the others, conflicting changes end in one
//! state, and KICK and INVITE cross nodes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cluster_support;
mod common;
mod history_support;

use cluster_support::PATIENCE;
use cluster_support::servers::{
    knows_channel, modes_of, names, names_with_prefixes, node, wait_joins,
};
use common::{Client, prefix};
use natterd::cluster::testing::NatsServer;

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
