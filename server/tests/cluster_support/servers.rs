//! Cluster nodes for tests: a natterd with a cluster node on the test
//! network, joined before the test goes on, and what the cluster tests ask
//! those nodes (member lists, WHOIS, channel records).

use super::{NETWORK, PATIENCE};
use crate::common::{self, Client};
use crate::history_support;
use natterd::Config;
use natterd::cluster::ClusterConfig;
use natterd::cluster::testing::NatsServer;
use natterd::testing::TestServer;

/// A node of the test network called `name`, on `nats`.
pub async fn node(nats: &NatsServer, name: &str) -> TestServer {
    node_from(common::test_config(), nats, name).await
}

/// A node like [`node`] with history on (its own temporary store).
pub async fn node_with_history(nats: &NatsServer, name: &str) -> TestServer {
    node_from(history_support::history_config(), nats, name).await
}

/// A node like [`node`] that the others count dead only after a minute,
/// so a short NATS outage is only an outage.
pub async fn patient_node(nats: &NatsServer, name: &str) -> TestServer {
    let mut cluster = super::config(nats);
    cluster.node_timeout = std::time::Duration::from_secs(60);
    node_in(common::test_config(), cluster, name).await
}

/// Starts `config` as node `name` of the test network on `nats`, once it
/// has joined the cluster.
pub async fn node_from(config: Config, nats: &NatsServer, name: &str) -> TestServer {
    node_in(config, super::config(nats), name).await
}

/// Starts `config` as node `name` of the test network with `cluster`'s
/// settings, once it has joined the cluster.
pub async fn node_in(mut config: Config, cluster: ClusterConfig, name: &str) -> TestServer {
    config.server.network = NETWORK.to_string();
    config.cluster = cluster;
    config.cluster.node = Some(name.to_string());
    joined(TestServer::start_with(config).await, name).await
}

/// `server` (node `name`) once it has joined the cluster.
pub async fn joined(server: TestServer, name: &str) -> TestServer {
    let cluster = server.context.cluster.clone().expect("a cluster node");
    assert!(
        cluster.wait_joined(PATIENCE).await,
        "node {name} never joined"
    );
    server
}

/// Waits until each of `clients` is told `notice` (NATS lost or back:
/// `presence::LOST_NOTICE`, `presence::BACK_NOTICE`).
pub async fn told(clients: &mut [&mut Client], notice: &str) {
    for client in clients {
        client.expect(|line| line.contains(notice)).await;
    }
}

/// Registers the account `name` before connecting
/// (draft/account-registration); the client stays connected, logged in.
pub async fn register_account(server: &TestServer, name: &str, password: &str) -> Client {
    let mut client = Client::connect(server).await;
    client.send("CAP LS 302");
    client.send(&format!("REGISTER {name} * {password}"));
    client.expect(|line| line.contains(" 900 ")).await;
    client
}

/// Whether `nick` may be taken on `server` by someone not logged in.
pub fn free_on(server: &TestServer, nick: &str) -> bool {
    server
        .context
        .hub
        .read(|hub| hub.check_nick(nick, None).is_ok())
}

/// Waits for the line that ends a NAMES reply and returns the names in it.
pub async fn names(client: &mut Client, channel: &str) -> Vec<String> {
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

/// WHOIS `nick` from `client` until the server knows them (its nick
/// directory follows the cluster's nick bucket): the 312 line naming the
/// node they are on.
pub async fn whois_until_known(client: &mut Client, nick: &str) -> String {
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

/// Waits until `client`'s NAMES of `channel` lists each of `others`: they
/// were there when it joined (its join reply listed them) or joined after
/// (it saw their JOIN), on any node.
pub async fn wait_joins(client: &mut Client, channel: &str, others: &[&str]) {
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

/// Waits until `server`'s node knows the cluster's record of `channel`.
pub async fn knows_channel(server: &TestServer, channel: &str) {
    let cluster = server.context.cluster.clone().expect("a cluster node");
    super::eventually(&format!("the record of {channel}"), || {
        let known = cluster.knows_channel(channel);
        async move { known }
    })
    .await;
}

/// The 324 reply to `MODE channel`: the modes and their arguments.
pub async fn modes_of(client: &mut Client, channel: &str) -> String {
    client.send(&format!("MODE {channel}"));
    let line = client.expect(|line| common::command(line) == "324").await;
    common::parse(&line).params[2..].join(" ")
}

/// NAMES of `channel` with the prefixes kept, sorted.
pub async fn names_with_prefixes(client: &mut Client, channel: &str) -> Vec<String> {
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
