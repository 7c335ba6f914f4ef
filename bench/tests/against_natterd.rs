//! natter-bench against a real natterd, in-process on 127.0.0.1:0: every
//! scenario completes, counts every delivery, and finds no loss or disorder.

#![allow(clippy::expect_used)]

use natter_bench::idle::{self, IdleOptions};
use natter_bench::traffic::{self, Amount, Shape, TrafficOptions};
use natterd::Config;
use natterd::cluster::testing::NatsServer;
use natterd::testing::TestServer;
use std::time::Duration;

/// natterd with flood control out of the way, as a benchmark needs.
async fn server() -> TestServer {
    let mut config = Config::default();
    config.limits.flood_burst = 1_000_000;
    config.limits.flood_rate = 1e9;
    config.limits.flood_max_queued = 1_000_000;
    config.limits.max_unregistered_per_ip = 64;
    TestServer::start_with(config).await
}

fn options(server: &TestServer, shape: Shape, rate: Option<f64>) -> TrafficOptions {
    TrafficOptions {
        servers: vec![server.addr],
        shape,
        amount: Amount::Messages(300),
        rate,
        size: 100,
        drain_timeout: Duration::from_secs(10),
        stall_limit: Duration::from_secs(30),
        time_limit: Duration::from_secs(600),
        // In-process: the server's CPU and memory are this process's.
        server_pid: Some(std::process::id()),
        parallel_connects: 8,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fanout_counts_every_delivery_in_order() {
    let server = server().await;
    let shape = Shape::Fanout {
        members: 6,
        senders: 3,
        channel: "#bench".into(),
    };
    let result = traffic::run(&options(&server, shape, None)).await.unwrap();
    let summary = result.summary;
    assert_eq!(summary.sent, 300);
    assert_eq!(summary.expected, 300 * 5);
    assert_eq!(summary.received, 300 * 5);
    assert_eq!((summary.lost, summary.order_violations), (0, 0));
    assert!(summary.deliveries_per_s > 0.0);
    assert!(summary.latency.p50_us > 0.0);
    assert!(summary.latency.max_us >= summary.latency.p99_us);
    assert!(result.server.is_some_and(|usage| usage.rss_after_kib > 0));
    assert!(result.disconnected.is_empty(), "{:?}", result.disconnected);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rooms_deliver_each_message_to_its_own_room_only() {
    let server = server().await;
    let shape = Shape::Rooms {
        rooms: 3,
        members: 4,
        senders: 2,
        prefix: "#room".into(),
    };
    let result = traffic::run(&options(&server, shape, None)).await.unwrap();
    let summary = result.summary;
    // Every message reaches the other 3 members of its room and nobody else
    // (a delivery from another room would be counted beyond `expected`).
    assert_eq!(
        (summary.sent, summary.expected, summary.received),
        (300, 300 * 3, 300 * 3)
    );
    assert_eq!((summary.lost, summary.order_violations), (0, 0));
    assert!(result.disconnected.is_empty(), "{:?}", result.disconnected);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paced_whispers_arrive_once_each() {
    let server = server().await;
    let result = traffic::run(&options(&server, Shape::Whisper { pairs: 3 }, Some(3000.0)))
        .await
        .unwrap();
    let summary = result.summary;
    assert_eq!(
        (summary.sent, summary.expected, summary.received),
        (300, 300, 300)
    );
    assert_eq!((summary.lost, summary.order_violations), (0, 0));
    // 300 messages at 3000/s take about 0.1 s: paced, not a burst.
    assert!(summary.elapsed_s >= 0.09, "{summary:?}");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_are_registered_and_measured() {
    let server = server().await;
    let options = IdleOptions {
        addr: server.addr,
        connections: 20,
        hold: Duration::from_millis(50),
        server_pid: Some(std::process::id()),
        parallel_connects: 4,
    };
    let (summary, usage) = idle::run(&options).await.unwrap();
    assert_eq!(summary.connections, 20);
    assert!(summary.rss_per_connection_bytes.is_some());
    assert!(usage.is_some());
    server.shutdown().await;
}

#[tokio::test]
async fn a_server_that_is_not_there_is_a_clear_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let options = TrafficOptions {
        servers: vec![addr],
        shape: Shape::Whisper { pairs: 1 },
        amount: Amount::Messages(1),
        rate: None,
        size: 10,
        drain_timeout: Duration::from_secs(1),
        stall_limit: Duration::from_secs(30),
        time_limit: Duration::from_secs(600),
        server_pid: None,
        parallel_connects: 1,
    };
    let error = traffic::run(&options).await.unwrap_err();
    assert!(
        format!("{error:#}").contains(&format!("cannot connect to {addr}")),
        "{error:#}"
    );
}

/// A benchmark-ready natterd as node `name` of a cluster on `nats`.
async fn cluster_node(nats: &NatsServer, name: &str) -> TestServer {
    let mut config = Config::default();
    config.limits.flood_burst = 1_000_000;
    config.limits.flood_rate = 1e9;
    config.limits.flood_max_queued = 1_000_000;
    config.limits.max_unregistered_per_ip = 64;
    config.cluster.nats = Some(nats.url());
    config.cluster.node = Some(name.to_string());
    let server = TestServer::start_with(config).await;
    let node = server.context.cluster.clone().expect("a cluster node");
    assert!(
        node.wait_joined(Duration::from_secs(30)).await,
        "{name} never joined"
    );
    server
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fanout_over_two_cluster_nodes_counts_every_delivery_in_order() {
    let Some(nats) = NatsServer::start() else {
        return;
    };
    let a = cluster_node(&nats, "node-a").await;
    let b = cluster_node(&nats, "node-b").await;
    let shape = Shape::Fanout {
        members: 6,
        senders: 2,
        channel: "#bench".into(),
    };
    let mut options = options(&a, shape, None);
    // Members and senders alternate: node-a, node-b, node-a, ...
    options.servers.push(b.addr);
    let summary = traffic::run(&options).await.unwrap().summary;
    assert_eq!(summary.sent, 300);
    assert_eq!(summary.expected, 300 * 5);
    assert_eq!(summary.received, 300 * 5);
    assert_eq!((summary.lost, summary.order_violations), (0, 0));
    a.shutdown().await;
    b.shutdown().await;
}
