//! Many clients at once: 200 clients in #lobby send 20 messages each; every
//! client receives every message, and all of them in the same order.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Client, PATIENCE, parse, test_config};
use natterd::testing::TestServer;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};

const CLIENTS: usize = 200;
const MESSAGES: u32 = 20;

/// Lines received by all clients together: the test's measure of progress.
static RECEIVED: AtomicUsize = AtomicUsize::new(0);

/// Reads until `client` has seen `expected` PRIVMSGs to #lobby; returns them as (sender, n).
///
/// Waiting for a line gives up only when no client at all received one for
/// [`PATIENCE`], i.e. the server is stuck. One client alone may wait longer:
/// on a loaded machine the 400 tasks of this test share two worker threads,
/// and one can go unpolled for more than PATIENCE while the others make
/// progress (this failed once with one client stuck and 109 others done).
async fn collect(mut client: Client, expected: usize) -> Vec<(String, u32)> {
    let mut seen = Vec::with_capacity(expected);
    while seen.len() < expected {
        let progress = RECEIVED.load(Ordering::SeqCst);
        let Some(line) = client.recv_line_within(PATIENCE).await else {
            let stuck = RECEIVED.load(Ordering::SeqCst) == progress;
            assert!(
                !stuck,
                "{}: no client received anything for {PATIENCE:?}; {} of {expected} seen",
                client.name,
                seen.len()
            );
            continue;
        };
        RECEIVED.fetch_add(1, Ordering::SeqCst);
        let message = parse(&line);
        if message.command != "PRIVMSG" {
            continue;
        }
        assert_eq!(message.params[0], "#lobby", "{line}");
        let sender = message.source_nick().unwrap().to_string();
        let n: u32 = message.params[1]
            .strip_prefix("message ")
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("unexpected text: {line}"));
        seen.push((sender, n));
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_clients_all_see_every_message_in_one_order() {
    let mut config = test_config();
    config.limits.max_clients_per_ip = CLIENTS + 10;
    config.limits.flood_burst = 100;
    config.limits.flood_rate = 1000.0;
    config.limits.sendq_bytes = 8 * 1024 * 1024;
    let server = TestServer::start_with(config).await;

    let mut clients = Vec::with_capacity(CLIENTS);
    for index in 0..CLIENTS {
        let nick = format!("u{index:03}");
        // echo-message: every client's full sequence, own messages included, must be identical.
        let mut client = Client::register_with_caps(&server, &nick, &["echo-message"]).await;
        client.join("#lobby").await;
        clients.push(client);
    }

    let total = CLIENTS * MESSAGES as usize;
    let tasks: Vec<_> = clients
        .into_iter()
        .map(|mut client| {
            tokio::spawn(async move {
                let mut burst = Vec::new();
                for n in 0..MESSAGES {
                    burst.extend_from_slice(format!("PRIVMSG #lobby :message {n}\r\n").as_bytes());
                }
                client.send_all(&burst).await.unwrap();
                collect(client, total).await
            })
        })
        .collect();
    // No overall deadline: how fast is for the benchmarks, and on a loaded
    // machine 800,000 deliveries in a debug build can take longer than any
    // fixed budget (this test once failed a 60 s one). A stall still fails
    // (see `collect`).
    let mut sequences = Vec::with_capacity(CLIENTS);
    for task in tasks {
        sequences.push(task.await.unwrap());
    }

    let reference = &sequences[0];
    // Every message of every client, exactly once, each sender's in the order sent.
    let mut next_from: HashMap<&str, u32> = HashMap::new();
    for (sender, n) in reference {
        let next = next_from.entry(sender.as_str()).or_insert(0);
        assert_eq!(*n, *next, "{sender}'s messages out of order or duplicated");
        *next += 1;
    }
    assert_eq!(next_from.len(), CLIENTS);
    assert!(next_from.values().all(|count| *count == MESSAGES));
    // Everyone saw that same order.
    for (index, sequence) in sequences.iter().enumerate() {
        assert_eq!(sequence.len(), total);
        if let Some(position) = sequence.iter().zip(reference).position(|(a, b)| a != b) {
            panic!(
                "client u{index:03} diverges at message {position}: {:?} vs {:?}",
                sequence[position], reference[position]
            );
        }
    }
    server.shutdown().await;
}
