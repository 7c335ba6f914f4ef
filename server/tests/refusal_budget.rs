//! Refused connections cost a bounded amount: at most
//! `MAX_ANSWERS_IN_FLIGHT` refused clients are told why at a time (on the
//! TLS port each answer is a whole handshake); past that a refused connection
//! is closed at once, and the answers resume when the budget comes back.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod tls_support;

use common::{Client, test_config};
use natterd::refusal::MAX_ANSWERS_IN_FLIGHT;
use natterd::testing::TestServer;
use natterd::tls::self_signed_paths;
use std::time::Duration;
use tls_support::{PATIENCE, TlsClient, trusting};
use tokio::net::TcpStream;

const STILL_REGISTERING: &str =
    "ERROR :Too many connections are still registering; try again in a moment";

/// A server whose single unregistered slot is taken by a connection that
/// stays unregistered for the whole test.
async fn full_server() -> (TestServer, Client) {
    let mut config = test_config();
    config.limits.max_unregistered = 1;
    config.limits.registration_timeout = Duration::from_secs(3600);
    config.limits.registration_timeout_min = Duration::from_secs(3600);
    let server = TestServer::start_with(config).await;
    let mut holder = Client::connect(&server).await;
    holder.send("CAP LS 302");
    holder.expect(|line| line.contains(" CAP * LS ")).await;
    (server, holder)
}

/// A TLS client's first line, or `None` when the connection was closed
/// before or during the handshake.
async fn first_line_over_tls(server: &TestServer) -> Option<String> {
    let (cert, _) = self_signed_paths(&server.data_dir);
    let mut client = TlsClient::connect(server.tls_addr.unwrap(), "localhost", trusting(&cert))
        .await
        .ok()?;
    client.next_line().await
}

#[tokio::test]
async fn past_the_answer_budget_a_refused_tls_client_is_closed_without_a_handshake() {
    let (server, _holder) = full_server().await;
    // A refused TLS client is told why, over TLS.
    assert_eq!(
        first_line_over_tls(&server).await.as_deref(),
        Some(STILL_REGISTERING)
    );
    // Refused clients that never send a ClientHello: each answer waits in
    // its handshake. The listener takes them in order, so they hold the
    // whole budget before the next client is accepted.
    let tls_addr = server.tls_addr.unwrap();
    let mut silent = Vec::new();
    for _ in 0..MAX_ANSWERS_IN_FLIGHT {
        silent.push(TcpStream::connect(tls_addr).await.unwrap());
    }
    // The next refused client costs no handshake: it is closed at once.
    assert_eq!(first_line_over_tls(&server).await, None);
    // The budget is shared by both listeners: a refused plaintext client is
    // closed without its ERROR line too.
    let mut plain = Client::connect(&server).await;
    assert_eq!(plain.closed().await, Vec::<String>::new());
    // Once the silent ones have gone, refused clients are told why again.
    drop(silent);
    tokio::time::timeout(PATIENCE * 3, async {
        while first_line_over_tls(&server).await.as_deref() != Some(STILL_REGISTERING) {}
    })
    .await
    .expect("refused TLS clients were not answered again after the silent ones left");
    let mut plain = Client::connect(&server).await;
    assert_eq!(
        plain.closed().await.first().map(String::as_str),
        Some(STILL_REGISTERING)
    );
}
