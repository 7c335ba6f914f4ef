//! One node cut off from NATS while the others keep it (its own network
//! link failing, through [`Cuttable`]), and what it learns when it is back:
//! what happened elsewhere meanwhile holds on it too.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accounts_support;
mod cluster_support;
mod common;
mod history_support;

use accounts_support::login_and_register;
use cluster_support::cut::Cuttable;
use cluster_support::servers::{free_on, joined, register_account, told};
use cluster_support::{NETWORK, eventually};
use common::Client;
use natterd::cluster::presence;
use natterd::cluster::testing::NatsServer;
use natterd::testing::TestServer;
use std::time::Duration;

/// Node `name` of the test network reaching NATS at `nats` (a URL: the
/// server's, or a relay's), with history (accounts live in its database)
/// and a grace for impostors far longer than any test, so every rename
/// seen is a login's doing.
async fn node(nats: &NatsServer, url: &str, name: &str) -> TestServer {
    let mut config = history_support::history_config();
    config.accounts.nick_grace = Duration::from_secs(3600);
    config.server.network = NETWORK.to_string();
    config.cluster = cluster_support::config(nats);
    config.cluster.nats = Some(url.to_string());
    config.cluster.node = Some(name.to_string());
    joined(TestServer::start_with(config).await, name).await
}

/// Whether `server` knows the account `name`.
fn knows_account(server: &TestServer, name: &str) -> bool {
    let accounts = server.context.accounts.clone().expect("accounts");
    accounts.lookup(name).is_some()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_back_from_a_long_cut_knows_who_is_logged_in_elsewhere_and_renames_impostors() {
    let Some(nats) = NatsServer::start() else {
        return;
    };
    let relay = Cuttable::to(nats.addr).await;
    let a = node(&nats, &nats.url(), "node-a").await;
    let b = node(&nats, &relay.url(), "node-b").await;
    drop(register_account(&a, "alice", "wonderland").await);
    drop(register_account(&a, "bob", "builder").await);
    eventually("node-b knows alice and bob", || async {
        knows_account(&b, "alice") && knows_account(&b, "bob")
    })
    .await;
    // Alice is online on node-a before the cut; bob logs in during it.
    let _alice = login_and_register(&a, "alice_", "alice", "wonderland", &[]).await;
    eventually("node-b sees alice online", || async {
        !free_on(&b, "alice")
    })
    .await;
    let mut mallory = Client::register(&b, "mallory").await;
    let mut eve = Client::register(&b, "eve").await;

    relay.cut();
    told(&mut [&mut mallory], presence::LOST_NOTICE).await;
    // Cut off for longer than node_timeout, node-b counts node-a dead and
    // forgets its users' claims: alice is offline as far as it knows.
    eventually("node-b counts node-a dead", || async {
        free_on(&b, "alice")
    })
    .await;
    let _bob = login_and_register(&a, "bob_", "bob", "builder", &[]).await;
    // Cut off, node-b believes both offline: their nicks are taken there
    // (with the warning a registered nick gets).
    mallory.send("NICK alice");
    mallory
        .expect(|line| line.starts_with(":mallory!") && line.contains(" NICK "))
        .await;
    eve.send("NICK bob");
    eve.expect(|line| line.starts_with(":eve!") && line.contains(" NICK "))
        .await;

    relay.restore();
    told(&mut [&mut mallory], presence::BACK_NOTICE).await;
    // Back, node-b learns that alice (logged in before the cut) and bob
    // (logged in during it) are online on node-a: their impostors are
    // renamed at once, and their nicks refused.
    mallory
        .expect(|line| line.starts_with(":alice!") && line.contains(" NICK Guest"))
        .await;
    eve.expect(|line| line.starts_with(":bob!") && line.contains(" NICK Guest"))
        .await;
    assert!(!free_on(&b, "alice") && !free_on(&b, "bob"));
    a.shutdown().await;
    b.shutdown().await;
}
