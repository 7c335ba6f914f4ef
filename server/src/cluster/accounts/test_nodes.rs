//! What the account bucket's NATS tests share: nodes each with its link and
//! bucket, and an account record to store.

use super::AccountBucket;
use crate::accounts::AccountRecord;
use crate::cluster::testing::NatsServer;
use crate::cluster::{ClusterConfig, Link, Subjects};
use std::time::Duration;

/// Nodes named `names`, each linked to `nats` (up) with the account bucket
/// of network "testnet" open.
pub(super) async fn nodes(nats: &NatsServer, names: &[&str]) -> (Vec<Link>, Vec<AccountBucket>) {
    let config = ClusterConfig {
        nats: Some(nats.url()),
        ..ClusterConfig::default()
    };
    let subjects = Subjects::new("testnet");
    let (mut links, mut buckets) = (Vec::new(), Vec::new());
    for name in names {
        let link = Link::connect(&config, name).await.expect("connected");
        assert!(
            link.wait_up(Duration::from_secs(30)).await,
            "{name} reached NATS"
        );
        buckets.push(
            AccountBucket::open(&link, &subjects, 1)
                .await
                .expect("opened"),
        );
        links.push(link);
    }
    (links, buckets)
}

/// An account `name` made at `created_ms`, with no certificate.
pub(super) fn account(name: &str, created_ms: i64) -> AccountRecord {
    AccountRecord {
        name: name.to_string(),
        created_ms,
        password_hash: "$argon2id$test".to_string(),
        certs: Vec::new(),
    }
}
