//! NATS going away for every node and coming back: chat goes on locally,
//! changes made meanwhile reach every node after, a channel outlives
//! nodes counting each other dead, and whispers across nodes are refused
//! at once while it lasts.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cluster_support;
mod common;
mod history_support;

use cluster_support::PATIENCE;
use cluster_support::servers::{
    knows_channel, modes_of, names, node, patient_node, told, wait_joins, whois_until_known,
};
use common::{Client, prefix};
use natterd::cluster::presence;
use natterd::cluster::testing::NatsServer;

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
    told(&mut [&mut alice, &mut bob], presence::LOST_NOTICE).await;
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
    // Every change a kept is written in the end. Not necessarily by the
    // time both show one state: a node's `Here` after the outage may still
    // be pausing after a lost compare-and-set race (cluster/contention.rs).
    cluster_support::eventually("a's kept channel changes all written", || {
        let waiting = cluster_a.channel_changes_waiting();
        async move { waiting == 0 }
    })
    .await;
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
    told(&mut [&mut alice, &mut bob], presence::LOST_NOTICE).await;
    alice.send("TOPIC #c :said while away");
    alice
        .expect_line(&format!(":{} TOPIC #c :said while away", prefix("alice")))
        .await;
    // Longer than node_timeout: each node may count the other dead (its
    // users quit there and join again) and write it out of the channel's
    // record, whichever of them notices first.
    tokio::time::sleep(LONG_OUTAGE).await;
    nats.restart();
    told(&mut [&mut alice, &mut bob], presence::BACK_NOTICE).await;
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
    told(&mut [&mut alice], presence::LOST_NOTICE).await;
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
    told(&mut [&mut alice], presence::BACK_NOTICE).await;
    alice.send("PRIVMSG bob :back?");
    bob.expect_line(&format!(":{} PRIVMSG bob :back?", prefix("alice")))
        .await;
    a.shutdown().await;
    b.shutdown().await;
}
