//! What the cluster tests share: a nats-server per test, cluster configs
//! with short timeouts, and a "node" (link, liveness, registries) without a
//! chat server around it; [`servers`] starts whole natterd nodes and asks
//! them what the tests check, [`cut`] cuts one node off NATS.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod cut;
pub mod servers;

use natterd::cluster::channels::ChannelStore;
use natterd::cluster::liveness::Liveness;
use natterd::cluster::nicks::NickRegistry;
use natterd::cluster::ordering::RoomLog;
use natterd::cluster::testing::NatsServer;
use natterd::cluster::{ClusterConfig, Link, NodeId, Subjects};
use std::time::Duration;

/// How long anything may take before a test gives up (a hang guard, not a
/// speed requirement).
pub const PATIENCE: Duration = Duration::from_secs(30);

/// The network every test node is on.
pub const NETWORK: &str = "testnet";

/// A config for `nats` with fast heartbeats, so a dead node is noticed in
/// a few seconds (not faster: a loaded test machine can delay a heartbeat
/// by a second, and a live node must never look dead).
pub fn config(nats: &NatsServer) -> ClusterConfig {
    ClusterConfig {
        nats: Some(nats.url()),
        heartbeat: Duration::from_millis(250),
        node_timeout: Duration::from_secs(3),
        ..ClusterConfig::default()
    }
}

/// The cluster parts of one node.
pub struct Node {
    pub link: Link,
    pub liveness: Liveness,
    pub nicks: NickRegistry,
    pub channels: ChannelStore,
    pub rooms: RoomLog,
    /// The heartbeat loop; aborting it is the node dying.
    heartbeat: tokio::task::JoinHandle<()>,
    shutdown: tokio_util::sync::CancellationToken,
}

impl Drop for Node {
    /// A dropped node dies: no more heartbeats, no goodbye.
    fn drop(&mut self) {
        self.heartbeat.abort();
    }
}

impl Node {
    /// Connects node `name` to `nats` and opens everything.
    pub async fn start(nats: &NatsServer, name: &str) -> Node {
        Node::start_with(&config(nats), name).await
    }

    /// Like [`Node::start`] with a given config.
    pub async fn start_with(config: &ClusterConfig, name: &str) -> Node {
        let link = Link::connect(config, name).await.unwrap();
        assert!(
            link.wait_up(PATIENCE).await,
            "node {name} never reached NATS"
        );
        let subjects = Subjects::new(NETWORK);
        let liveness = Liveness::start(
            &link,
            &subjects,
            NodeId::new(name),
            config.heartbeat,
            config.node_timeout,
            1,
        )
        .await
        .unwrap();
        let nicks = NickRegistry::open(&link, &subjects, liveness.clone(), 1)
            .await
            .unwrap();
        let channels = ChannelStore::open(&link, &subjects, 1).await.unwrap();
        let rooms = RoomLog::open(&link, &subjects, Duration::ZERO, 0, 1)
            .await
            .unwrap();
        let shutdown = tokio_util::sync::CancellationToken::new();
        let heartbeat = tokio::spawn(
            liveness
                .clone()
                .run(tokio::sync::mpsc::channel(1).0, shutdown.clone()),
        );
        Node {
            heartbeat,
            shutdown,
            link,
            liveness,
            nicks,
            channels,
            rooms,
        }
    }

    /// Stops cleanly: the heartbeat loop says goodbye (deletes its entry).
    pub async fn stop(mut self) {
        self.shutdown.cancel();
        (&mut self.heartbeat).await.unwrap();
    }

    /// This node's id.
    pub fn id(&self) -> NodeId {
        self.liveness.me().clone()
    }
}

/// Retries `check` (every 50 ms) until it holds; fails after [`PATIENCE`].
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !check().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "gave up waiting: {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
