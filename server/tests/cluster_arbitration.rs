//! Nick ownership, channel state, accounts and ChanServ
//! registrations across nodes, against a real nats-server (skipped with a
//! note when it is not installed, failed under CI).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accounts_support;
mod cluster_support;
mod common;
mod history_support;

use accounts_support::login_and_register;
use cluster_support::servers::{free_on, joined, register_account};
use cluster_support::{NETWORK, Node, eventually};
use common::{Client, SERVER};
use natter_protocol::Fingerprint;
use natterd::Config;
use natterd::accounts::Accounts;
use natterd::cluster::channels::{BanRecord, Change, ChannelRecord};
use natterd::cluster::nicks::Claim;
use natterd::cluster::testing::NatsServer;
use natterd::hub::bus::Directory;
use natterd::testing::TestServer;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nick_claimed_on_one_node_is_refused_on_another() {
    let Some(nats) = NatsServer::start() else {
        return;
    };
    let a = Node::start(&nats, "node-a").await;
    let b = Node::start(&nats, "node-b").await;
    assert_eq!(
        a.nicks.claim("alice", "Alice", 1, None).await.unwrap(),
        Claim::Granted
    );
    // Idempotent for its holder, even under another spelling.
    assert_eq!(
        a.nicks.claim("alice", "ALICE", 1, None).await.unwrap(),
        Claim::Granted
    );
    match b.nicks.claim("alice", "alice", 7, None).await.unwrap() {
        Claim::Taken(owner) => {
            assert_eq!(owner.node, a.id());
            assert_eq!(owner.client, 1);
            assert_eq!(owner.nick, "ALICE");
        }
        granted => panic!("node-b got alice: {granted:?}"),
    }
    // Another client of the same node is refused too.
    assert!(matches!(
        a.nicks.claim("alice", "alice", 2, None).await.unwrap(),
        Claim::Taken(_)
    ));
    // Someone else's release changes nothing; the holder's frees it.
    b.nicks.release("alice", 7).await.unwrap();
    assert!(matches!(
        b.nicks.claim("alice", "alice", 7, None).await.unwrap(),
        Claim::Taken(_)
    ));
    a.nicks.release("alice", 1).await.unwrap();
    assert_eq!(a.nicks.owner("alice").await.unwrap(), None);
    assert_eq!(
        b.nicks.claim("alice", "alice", 7, None).await.unwrap(),
        Claim::Granted
    );
    assert_eq!(a.nicks.owner("alice").await.unwrap().unwrap().node, b.id());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_many_nodes_racing_for_one_nick_exactly_one_wins() {
    let Some(nats) = NatsServer::start() else {
        return;
    };
    let mut nodes = Vec::new();
    for name in ["n1", "n2", "n3", "n4", "n5"] {
        nodes.push(Node::start(&nats, name).await);
    }
    for round in 0..5 {
        let nick = format!("racer{round}");
        let claims = futures::future::join_all(
            nodes
                .iter()
                .map(|node| node.nicks.claim(&nick, &nick, 1, None)),
        )
        .await;
        let winners: Vec<usize> = claims
            .iter()
            .enumerate()
            .filter(|(_, claim)| *claim.as_ref().unwrap() == Claim::Granted)
            .map(|(index, _)| index)
            .collect();
        assert_eq!(winners.len(), 1, "round {round}: {claims:?}");
        let owner = nodes[0].nicks.owner(&nick).await.unwrap().unwrap();
        assert_eq!(owner.node, nodes[winners[0]].id());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_nodes_nicks_become_free_after_its_heartbeat_expires() {
    let Some(nats) = NatsServer::start() else {
        return;
    };
    let b = Node::start(&nats, "node-b").await;
    let a = Node::start(&nats, "node-a").await;
    let a_id = a.id();
    assert_eq!(
        a.nicks.claim("carol", "carol", 3, None).await.unwrap(),
        Claim::Granted
    );
    // node-a is alive: the nick stays taken.
    assert!(matches!(
        b.nicks.claim("carol", "carol", 9, None).await.unwrap(),
        Claim::Taken(_)
    ));
    // node-a dies without a goodbye: no more heartbeats, nothing deleted.
    drop(a);
    eventually("carol is free once node-a's heartbeat expired", || async {
        b.nicks.claim("carol", "carol", 9, None).await.unwrap() == Claim::Granted
    })
    .await;
    assert!(!b.liveness.is_alive(&a_id).await.unwrap());
    assert_eq!(b.nicks.owner("carol").await.unwrap().unwrap().node, b.id());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_node_is_a_new_run_and_the_old_runs_claims_are_stale() {
    let Some(nats) = NatsServer::start() else {
        return;
    };
    let old = Node::start(&nats, "node-a").await;
    assert_eq!(
        old.nicks.claim("dave", "dave", 1, None).await.unwrap(),
        Claim::Granted
    );
    let old_id = old.id();
    drop(old);
    // Same name, new incarnation: the old run's heartbeat is replaced at once.
    let new = Node::start(&nats, "node-a").await;
    assert_ne!(new.id(), old_id);
    assert!(!new.liveness.is_alive(&old_id).await.unwrap());
    assert_eq!(
        new.nicks.claim("dave", "dave", 5, None).await.unwrap(),
        Claim::Granted
    );
    // Tidying up after a run seen to be gone deletes only its claims.
    let b = Node::start(&nats, "node-b").await;
    assert_eq!(
        b.nicks.claim("erin", "erin", 1, None).await.unwrap(),
        Claim::Granted
    );
    assert_eq!(new.nicks.release_node(&b.id()).await.unwrap(), 1);
    assert_eq!(new.nicks.owner("erin").await.unwrap(), None);
    assert_eq!(
        new.nicks.owner("dave").await.unwrap().unwrap().node,
        new.id()
    );
}

fn ban(mask: &str) -> BanRecord {
    BanRecord {
        mask: mask.into(),
        setter: "op!op@host".into(),
        time_ms: 0,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_channel_changes_on_two_nodes_are_all_kept() {
    let Some(nats) = NatsServer::start() else {
        return;
    };
    let a = Node::start(&nats, "node-a").await;
    let b = Node::start(&nats, "node-b").await;
    // Exactly one creator, whoever asks first.
    let create = |record: Option<&ChannelRecord>| match record {
        None => Change::Write(Box::new(ChannelRecord {
            name: "#Lobby".into(),
            ..ChannelRecord::default()
        })),
        Some(_) => Change::Keep,
    };
    let (one, two) = tokio::join!(
        a.channels.update("#lobby", create),
        b.channels.update("#lobby", create)
    );
    assert_eq!(one.unwrap(), two.unwrap());
    // 20 bans from each node at once, plus +m from a and +t from b.
    let from = |node: &'static Node, prefix: &'static str| async move {
        for index in 0..20 {
            let mask = format!("{prefix}{index}!*@*");
            node.channels
                .update("#lobby", |record| {
                    let mut next = record.cloned().unwrap_or_default();
                    next.bans.push(ban(&mask));
                    if prefix == "a" {
                        next.modes.moderated = true;
                    } else {
                        next.modes.topic_lock = true;
                    }
                    Change::Write(Box::new(next))
                })
                .await
                .unwrap();
        }
    };
    let a: &'static Node = Box::leak(Box::new(a));
    let b: &'static Node = Box::leak(Box::new(b));
    tokio::join!(from(a, "a"), from(b, "b"));
    let record = b.channels.get("#lobby").await.unwrap().unwrap();
    assert_eq!(record, a.channels.get("#lobby").await.unwrap().unwrap());
    assert_eq!(record.name, "#Lobby");
    assert_eq!(record.bans.len(), 40, "{:?}", record.bans);
    assert!(record.modes.moderated && record.modes.topic_lock);
    // Deleting: the channel is gone for everyone.
    a.channels
        .update("#lobby", |_| Change::Delete)
        .await
        .unwrap();
    assert_eq!(b.channels.get("#lobby").await.unwrap(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_writers_changing_one_channel_at_once_all_get_their_change_in() {
    let Some(nats) = NatsServer::start() else {
        return;
    };
    // Twelve writers (three nodes, four at once on each) add five bans each
    // to one record at the same moment, as many nodes saying they are here
    // after an outage do: every change is written, none given up on.
    let nodes = [
        Node::start(&nats, "node-a").await,
        Node::start(&nats, "node-b").await,
        Node::start(&nats, "node-c").await,
    ];
    let writer = |node: &Node, name: String| {
        let channels = node.channels.clone();
        async move {
            for index in 0..5 {
                let mask = format!("{name}-{index}!*@*");
                channels
                    .update("#busy", |record| {
                        let mut next = record.cloned().unwrap_or_default();
                        next.bans.push(ban(&mask));
                        Change::Write(Box::new(next))
                    })
                    .await
                    .unwrap();
            }
        }
    };
    let writers = (0..12).map(|index| {
        let node = &nodes[index % nodes.len()];
        tokio::spawn(writer(node, format!("w{index}")))
    });
    for written in futures::future::join_all(writers.collect::<Vec<_>>()).await {
        written.unwrap();
    }
    let record = nodes[0].channels.get("#busy").await.unwrap().unwrap();
    assert_eq!(record.bans.len(), 60, "{:?}", record.bans);
}

/// `config` as node `name` of the test network on `nats`, with its data in
/// `dir`, once it has joined the cluster.
async fn node_in(nats: &NatsServer, name: &str, dir: &std::path::Path) -> TestServer {
    let mut config = cluster_config(nats, name);
    config.server.data_dir = Some(dir.to_path_buf());
    config.server.bind = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    joined(
        TestServer::start_exact(config, dir.to_path_buf()).await,
        name,
    )
    .await
}

/// A node with history (accounts live in its database) and a short grace
/// for impostors of registered nicks.
async fn node_with_accounts(nats: &NatsServer, name: &str) -> TestServer {
    joined(
        TestServer::start_with(cluster_config(nats, name)).await,
        name,
    )
    .await
}

fn cluster_config(nats: &NatsServer, name: &str) -> Config {
    let mut config = history_support::history_config();
    config.accounts.nick_grace = Duration::from_millis(200);
    config.server.network = NETWORK.to_string();
    config.cluster = cluster_support::config(nats);
    config.cluster.node = Some(name.to_string());
    config
}

fn accounts(server: &TestServer) -> Accounts {
    server.context.accounts.clone().expect("accounts")
}

/// When the account `name` was created, as `server` knows it.
fn created(server: &TestServer, name: &str) -> Option<i64> {
    accounts(server)
        .lookup(name)
        .map(|account| account.created.timestamp_millis())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_registered_on_one_node_is_the_same_account_on_every_node() {
    let Some(nats) = NatsServer::start() else {
        return;
    };
    let a = node_with_accounts(&nats, "node-a").await;
    let b = node_with_accounts(&nats, "node-b").await;
    let _owner = register_account(&a, "alice", "wonderland").await;
    eventually("node-b knows alice", || async {
        created(&b, "alice").is_some()
    })
    .await;
    assert_eq!(created(&a, "alice"), created(&b, "alice"));
    // Neither the name, another case of it, nor a look-alike can be
    // registered on node-b as another account.
    let mut rival = Client::connect(&b).await;
    rival.send("CAP LS 302");
    rival.send("REGISTER ALICE * looking-glass");
    rival
        .expect_line(&format!(
            ":{SERVER} FAIL REGISTER ACCOUNT_EXISTS ALICE :The account alice already exists"
        ))
        .await;
    rival.send("REGISTER a1ice * looking-glass");
    rival
        .expect_line(&format!(
            ":{SERVER} FAIL REGISTER ACCOUNT_EXISTS a1ice :The account name looks too much like the account alice"
        ))
        .await;
    // The nick is alice's on node-b too: an impostor is warned and renamed.
    let mut mallory = Client::connect(&b).await;
    mallory.send("NICK alice");
    mallory.send("USER m 0 * :m");
    mallory
        .expect(|line| line.contains("NOTICE alice :The nickname alice is registered."))
        .await;
    mallory
        .expect(|line| line.starts_with(":alice!~m@127.0.0.1 NICK Guest"))
        .await;
    // She logs in on node-b with the password given on node-a (SASL), and
    // a password changed on node-b holds on node-a.
    let mut alice = login_and_register(&b, "alice_", "alice", "wonderland", &[]).await;
    alice.send("PRIVMSG NickServ :SET PASSWORD through-the-glass");
    alice
        .expect(|line| line.ends_with("NOTICE alice_ :Your password is changed."))
        .await;
    let on_a = accounts(&a);
    eventually("node-a has the new password", || {
        let on_a = on_a.clone();
        async move {
            on_a.authenticate("alice", "through-the-glass")
                .await
                .is_ok()
        }
    })
    .await;
    assert!(on_a.authenticate("alice", "wonderland").await.is_err());
    // A certificate added on node-a logs in to alice on node-b (SASL EXTERNAL).
    let fingerprint: Fingerprint = "ab".repeat(32).parse().unwrap();
    on_a.add_cert("alice", fingerprint).await.unwrap();
    eventually("node-b knows alice's certificate", || async {
        accounts(&b).account_for_cert(&fingerprint).map(|a| a.name) == Some("alice".into())
    })
    .await;
    // Dropped on node-a: gone on node-b, with its certificate; her session
    // there is logged out; the name can be registered again, anywhere.
    let mut dropper = login_and_register(&a, "alice2", "alice", "through-the-glass", &[]).await;
    dropper.send("PRIVMSG NickServ :DROP");
    dropper
        .expect(|line| line.ends_with(":Account alice is dropped; its nick is free."))
        .await;
    eventually("node-b forgot alice", || async {
        created(&b, "alice").is_none()
    })
    .await;
    assert_eq!(accounts(&b).account_for_cert(&fingerprint), None);
    let logged_in = b.context.hub.read(|hub| {
        hub.client_by_nick("alice_")
            .map(|client| client.account.clone())
    });
    assert_eq!(logged_in, Some(None));
    let _heir = register_account(&b, "alice", "a-new-alice").await;
    eventually("node-a knows the new alice", || async {
        created(&a, "alice").is_some()
    })
    .await;
    assert!(
        accounts(&a)
            .authenticate("alice", "a-new-alice")
            .await
            .is_ok()
    );
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registered_nick_is_its_owners_on_every_node_while_she_is_online_on_any() {
    let Some(nats) = NatsServer::start() else {
        return;
    };
    // A grace far longer than the test: every rename seen is her login's doing.
    let patient = |name: &str| {
        let mut config = cluster_config(&nats, name);
        config.accounts.nick_grace = Duration::from_secs(3600);
        config
    };
    let a = joined(TestServer::start_with(patient("node-a")).await, "node-a").await;
    let b = joined(TestServer::start_with(patient("node-b")).await, "node-b").await;
    drop(register_account(&a, "alice", "wonderland").await);
    eventually("node-b knows alice", || async {
        created(&b, "alice").is_some()
    })
    .await;
    // She is offline: mallory may sit on her nick on node-b, warned.
    let mut mallory = Client::connect(&b).await;
    mallory.send("NICK alice");
    mallory.send("USER m 0 * :m");
    mallory
        .expect(|line| line.contains("NOTICE alice :The nickname alice is registered."))
        .await;
    // She logs in on node-a under another nick: node-b renames mallory now.
    let mut alice = login_and_register(&a, "alice_", "alice", "wonderland", &[]).await;
    mallory
        .expect(|line| line.starts_with(":alice!~m@127.0.0.1 NICK Guest"))
        .await;
    // While she is online on node-a, node-b refuses her nick at once, with
    // the numeric one server gives.
    let mut eve = Client::connect(&b).await;
    eve.send("NICK alice");
    eve.expect_line(&format!(
        ":{SERVER} 433 * alice :Nickname is registered and its owner is online"
    ))
    .await;
    eve.send("NICK eve");
    eve.send("USER e 0 * :e");
    eve.expect_command("001").await;
    eve.send("NICK alice");
    eve.expect_line(&format!(
        ":{SERVER} 433 eve alice :Nickname is registered and its owner is online"
    ))
    .await;
    // She logs out: her nick may be taken on node-b again (with the warning).
    alice.send("PRIVMSG NickServ :LOGOUT");
    eventually("node-b sees alice logged out", || async {
        free_on(&b, "alice")
    })
    .await;
    eve.send("NICK alice");
    eve.expect(|line| {
        line.starts_with(":eve!~e@127.0.0.1 NICK :alice")
            || line.starts_with(":eve!~e@127.0.0.1 NICK alice")
    })
    .await;
    // She identifies again on node-a: eve is renamed on node-b now.
    alice.send("PRIVMSG NickServ :IDENTIFY alice wonderland");
    eve.expect(|line| line.starts_with(":alice!~e@127.0.0.1 NICK Guest"))
        .await;
    assert!(!free_on(&b, "alice"));
    // She quits: the nick is free on node-b again.
    alice.send("QUIT :bye");
    eventually("node-b sees alice gone", || async { free_on(&b, "alice") }).await;
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_two_nodes_registering_one_name_at_once_exactly_one_wins() {
    let Some(nats) = NatsServer::start() else {
        return;
    };
    let a = node_with_accounts(&nats, "node-a").await;
    let b = node_with_accounts(&nats, "node-b").await;
    for round in 0..5 {
        let name = format!("racer{round}");
        let (on_a, on_b) = (accounts(&a), accounts(&b));
        let upper = name.to_uppercase();
        let (first, second) = tokio::join!(
            on_a.register(&name, "password-a"),
            on_b.register(&upper, "password-b")
        );
        assert!(first.is_ok() != second.is_ok(), "{first:?} {second:?}");
        let winner = if first.is_ok() {
            "password-a"
        } else {
            "password-b"
        };
        eventually("both nodes agree", || async {
            created(&a, &name).is_some() && created(&a, &name) == created(&b, &name)
        })
        .await;
        assert!(on_a.authenticate(&name, winner).await.is_ok());
        assert!(on_b.authenticate(&name, winner).await.is_ok());
    }
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_two_accounts_adding_one_certificate_on_two_nodes_at_once_exactly_one_gets_it() {
    let Some(nats) = NatsServer::start() else {
        return;
    };
    let a = node_with_accounts(&nats, "node-a").await;
    let b = node_with_accounts(&nats, "node-b").await;
    drop(register_account(&a, "alice", "wonderland").await);
    drop(register_account(&b, "bob", "builder-bob").await);
    eventually("both nodes know both accounts", || async {
        created(&a, "bob").is_some() && created(&b, "alice").is_some()
    })
    .await;
    for round in 0..5u8 {
        let fingerprint: Fingerprint = format!("{round:02x}").repeat(32).parse().unwrap();
        let (on_a, on_b) = (accounts(&a), accounts(&b));
        let (alice, bob) = tokio::join!(
            on_a.add_cert("alice", fingerprint),
            on_b.add_cert("bob", fingerprint)
        );
        let winner = match (&alice, &bob) {
            (Ok(()), Err(natterd::accounts::AccountError::CertTaken)) => "alice",
            (Err(natterd::accounts::AccountError::CertTaken), Ok(())) => "bob",
            other => panic!("round {round}: not exactly one winner: {other:?}"),
        };
        eventually("both nodes agree who owns the certificate", || async {
            let owner = |server: &TestServer| {
                accounts(server)
                    .account_for_cert(&fingerprint)
                    .map(|account| account.name)
            };
            owner(&a).as_deref() == Some(winner) && owner(&b).as_deref() == Some(winner)
        })
        .await;
        // The loser is told so by NickServ when trying again.
        let (loser, node) = if winner == "alice" {
            ("bob", &b)
        } else {
            ("alice", &a)
        };
        let password = if loser == "bob" {
            "builder-bob"
        } else {
            "wonderland"
        };
        if round == 0 {
            let mut client =
                login_and_register(node, &format!("{loser}_"), loser, password, &[]).await;
            client.send(&format!("PRIVMSG NickServ :CERT ADD {}", fingerprint.hex()));
            client
                .expect(|line| {
                    line.ends_with(":That certificate is already added to another account.")
                })
                .await;
        }
    }
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_joining_a_cluster_brings_its_accounts_but_not_a_name_taken_first() {
    let Some(nats) = NatsServer::start() else {
        return;
    };
    // node-c ran alone first, with accounts carol and alice of its own.
    let dir = tempfile::tempdir().unwrap();
    let alone = TestServer::start_exact(
        history_support::history_config_in(dir.path()),
        dir.path().to_path_buf(),
    )
    .await;
    let _carol = register_account(&alone, "carol", "carols-password").await;
    let _alice = register_account(&alone, "alice", "c-alices-password").await;
    alone.shutdown().await;
    // Meanwhile the cluster gave alice to someone else.
    let a = node_with_accounts(&nats, "node-a").await;
    let _owner = register_account(&a, "alice", "a-alices-password").await;
    let c = node_in(&nats, "node-c", dir.path()).await;
    eventually("node-a knows carol", || async {
        created(&a, "carol").is_some()
    })
    .await;
    assert!(
        accounts(&a)
            .authenticate("carol", "carols-password")
            .await
            .is_ok()
    );
    eventually("node-c uses the cluster's alice", || async {
        created(&c, "alice") == created(&a, "alice")
    })
    .await;
    assert!(
        accounts(&c)
            .authenticate("alice", "a-alices-password")
            .await
            .is_ok()
    );
    assert!(
        accounts(&c)
            .authenticate("alice", "c-alices-password")
            .await
            .is_err()
    );
    a.shutdown().await;
    c.shutdown().await;
}

/// Whether `server` holds `channel` as registered (with a key, if `keyed`).
fn registered_on(server: &TestServer, channel: &str, keyed: bool) -> bool {
    let history = server.context.history.as_ref().expect("history");
    history
        .channel_states()
        .get(channel)
        .is_some_and(|record| record.is_registered() && (record.key.is_some() || !keyed))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_channel_registered_on_one_node_is_registered_on_every_node() {
    let Some(nats) = NatsServer::start() else {
        return;
    };
    let a = node_with_accounts(&nats, "node-a").await;
    let b = node_with_accounts(&nats, "node-b").await;
    let mut alice = Client::register(&a, "alice").await;
    alice.send("PRIVMSG NickServ :REGISTER sesame123");
    alice.expect_command("900").await;
    alice.join("#reg").await;
    alice.send("PRIVMSG ChanServ :REGISTER #reg");
    alice
        .expect(|line| line.ends_with("NOTICE alice :#reg is now registered to alice."))
        .await;
    alice.send("MODE #reg +k sesame");
    alice.expect(|line| common::command(line) == "MODE").await;
    eventually("node-b has #reg registered with its key", || async {
        registered_on(&b, "#reg", true)
    })
    .await;
    let mut bob = Client::register(&b, "bob").await;
    bob.send("PRIVMSG ChanServ :INFO #reg");
    bob.expect_line(":ChanServ!ChanServ@services. NOTICE bob :Information on #reg:")
        .await;
    bob.expect_next(":ChanServ!ChanServ@services. NOTICE bob :Founder    : alice")
        .await;
    // Nobody is left in #reg anywhere: it stays registered, so on node-b
    // its key holds and its founder alone is opped.
    alice.send("QUIT");
    alice.expect(|line| line.starts_with("ERROR")).await;
    eventually("#reg has ended on node-b", || async {
        b.context
            .cluster
            .as_ref()
            .unwrap()
            .shared_channel("#reg")
            .is_none()
    })
    .await;
    bob.send("JOIN #reg");
    bob.expect_line(&format!(":{SERVER} 475 bob #reg :Cannot join channel (+k)"))
        .await;
    let mut founder = login_and_register(&b, "alice_", "alice", "sesame123", &[]).await;
    founder.send("JOIN #reg");
    founder.expect_command("366").await;
    assert_eq!(founder.names("#reg").await, ["@alice_"]);
    bob.send("JOIN #reg sesame");
    bob.expect_command("366").await;
    assert_eq!(bob.names("#reg").await, ["@alice_", "bob"]);
    // Dropped on node-b: node-a forgets the registration too.
    founder.send("PRIVMSG ChanServ :DROP #reg");
    founder
        .expect(|line| line.ends_with("NOTICE alice_ :#reg is no longer registered."))
        .await;
    eventually("node-a has #reg unregistered", || async {
        !registered_on(&a, "#reg", false)
    })
    .await;
    a.shutdown().await;
    b.shutdown().await;
}
