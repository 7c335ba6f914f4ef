//! Several natterd nodes in one process sharing rooms through a real
//! nats-server: joins, messages, member lists, whispers, logins and nick
//! ownership cross nodes; a node that stops takes its users with it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cluster_support;
mod common;
mod history_support;
mod process;

use cluster_support::servers::{
    knows_channel, names, names_with_prefixes, node, node_from, node_with_history, wait_joins,
    whois_until_known,
};
use cluster_support::{NETWORK, PATIENCE};
use common::{Client, prefix};
use natterd::cluster::testing::NatsServer;

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
    // a new bob is no operator. alice, who made the channel, still is
    // (an empty list of privileges is not what is waited for: node-b's
    // JOIN could be written before alice's, and node-b's creation of the
    // channel then took her operator status away).
    let node_a = a.context.cluster.clone().expect("a cluster node");
    cluster_support::eventually("node-b forgotten in #lobby", || {
        let forgotten = node_a
            .channel_record("#lobby")
            .is_some_and(|record| record.privileges.keys().eq(["alice"]));
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
