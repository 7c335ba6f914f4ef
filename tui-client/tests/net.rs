//! The network task over real loopback TCP: registration and CAP against
//! natterd, a taken nick, PING, and reconnecting after a drop.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod headless;
mod net_support;

use std::time::Duration;

use natter::event::NetEvent;
use natter::net::{NetCommand, NetConfig};
use natter_protocol::Message;
use net_support::{NetClient, PATIENCE};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

fn start(host: &str, port: u16, nick: &str) -> NetClient {
    NetClient::start(net_support::config(host, port, nick))
}

fn start_with(host: &str, port: u16, nick: &str, registration_timeout: Duration) -> NetClient {
    NetClient::start(NetConfig {
        registration_timeout,
        ..net_support::config(host, port, nick)
    })
}

#[tokio::test]
async fn registers_with_natterd_and_negotiates_capabilities() {
    let server = headless::plaintext_server(Default::default()).await;
    let mut client = start("127.0.0.1", server.addr.port(), "alice");
    client
        .until("Connected", |e| {
            matches!(e, NetEvent::Connected { .. }).then_some(())
        })
        .await;
    let ack = client
        .line("CAP ACK", |m| m.command == "CAP" && m.arg(1) == Some("ACK"))
        .await;
    let acked = ack.params.last().unwrap().clone();
    for cap in [
        "server-time",
        "echo-message",
        "multi-prefix",
        "away-notify",
        "message-tags",
    ] {
        assert!(
            acked.split_whitespace().any(|c| c == cap),
            "{cap} not in {acked}"
        );
    }
    let welcome = client.line("001", |m| m.command == "001").await;
    assert_eq!(welcome.arg(0), Some("alice"));
    let join = Message::new("JOIN").with_param("#lobby");
    client.command(NetCommand::Send(join)).await;
    client
        .line("our JOIN", |m| {
            m.command == "JOIN" && m.source_nick() == Some("alice")
        })
        .await;
    client.quit().await;
    server.shutdown().await;
}

#[tokio::test]
async fn a_taken_nick_is_retried_with_a_suffix() {
    let server = headless::plaintext_server(Default::default()).await;
    let mut first = start("127.0.0.1", server.addr.port(), "alice");
    first.line("001", |m| m.command == "001").await;
    let mut second = start("127.0.0.1", server.addr.port(), "alice");
    let welcome = second.line("001", |m| m.command == "001").await;
    assert_eq!(welcome.arg(0), Some("alice_"));
    server.shutdown().await;
}

#[tokio::test]
async fn answers_ping_and_reconnects_after_a_drop() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut client = start("127.0.0.1", port, "alice");

    let (socket, _) = listener.accept().await.unwrap();
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read).lines();
    let mut first_lines = Vec::new();
    while first_lines.len() < 3 {
        first_lines.push(lines.next_line().await.unwrap().unwrap());
    }
    assert_eq!(
        first_lines,
        vec!["CAP LS 302", "NICK alice", "USER alice 0 * alice"]
    );
    write.write_all(b"PING :are-you-there\r\n").await.unwrap();
    assert_eq!(
        lines.next_line().await.unwrap().unwrap(),
        "PONG are-you-there"
    );

    drop(write);
    drop(lines);
    let (reason, retry_at) = client
        .until("Disconnected", |e| match e {
            NetEvent::Disconnected { reason, retry_at } => Some((reason.clone(), *retry_at)),
            _ => None,
        })
        .await;
    assert!(reason.contains("closed"), "{reason}");
    let wait = retry_at - chrono::Utc::now();
    assert!(
        wait <= chrono::Duration::milliseconds(1300),
        "first retry waits about a second, not {wait}"
    );
    let attempt = client
        .until("a second attempt", |e| match e {
            NetEvent::Connecting { attempt, .. } => Some(*attempt),
            _ => None,
        })
        .await;
    assert_eq!(attempt, 2);
    let (socket, _) = tokio::time::timeout(PATIENCE, listener.accept())
        .await
        .unwrap()
        .unwrap();
    let mut lines = BufReader::new(socket).lines();
    assert_eq!(lines.next_line().await.unwrap().unwrap(), "CAP LS 302");
}

#[tokio::test]
async fn an_unreachable_server_is_reported_with_a_retry_time() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        listener.local_addr().unwrap().port()
    };
    let mut client = start("127.0.0.1", port, "alice");
    let reason = client
        .until("Disconnected", |e| match e {
            NetEvent::Disconnected { reason, .. } => Some(reason.clone()),
            _ => None,
        })
        .await;
    assert!(reason.contains("refused"), "{reason}");
    client.quit().await;
}

#[tokio::test]
async fn a_server_that_never_answers_registration_is_given_up_on() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut client = start_with("127.0.0.1", port, "alice", Duration::from_millis(300));
    // Accept and read, but never answer.
    let (socket, _) = listener.accept().await.unwrap();
    let reason = client
        .until("Disconnected", |e| match e {
            NetEvent::Disconnected { reason, .. } => Some(reason.clone()),
            _ => None,
        })
        .await;
    assert!(
        reason.contains("did not answer the registration"),
        "{reason}"
    );
    drop(socket);
    client.quit().await;
}

#[tokio::test]
async fn a_tls_port_spoken_to_in_clear_is_a_permanent_failure() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut client = start("127.0.0.1", port, "alice");
    let (mut socket, _) = listener.accept().await.unwrap();
    // What a TLS server answers to plain text: a fatal alert, then close.
    socket
        .write_all(&[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x32])
        .await
        .unwrap();
    drop(socket);
    let reason = client
        .until("Failed", |e| match e {
            NetEvent::Failed { reason } => Some(reason.clone()),
            NetEvent::Disconnected { reason, .. } => panic!("retried after TLS: {reason}"),
            _ => None,
        })
        .await;
    assert!(reason.contains("TLS"), "{reason}");
    // No retry until the user asks; then it dials again.
    client.command(NetCommand::Reconnect).await;
    let attempt = client
        .until("Connecting", |e| match e {
            NetEvent::Connecting { attempt, .. } => Some(*attempt),
            _ => None,
        })
        .await;
    assert_eq!(attempt, 1);
    let (_socket, _) = tokio::time::timeout(PATIENCE, listener.accept())
        .await
        .unwrap()
        .unwrap();
    client.quit().await;
}

#[tokio::test]
async fn an_unknown_host_is_a_permanent_failure() {
    let mut client = start("no-such-host.invalid", 6667, "alice");
    let reason = client
        .until("Failed", |e| match e {
            NetEvent::Failed { reason } => Some(reason.clone()),
            NetEvent::Disconnected { reason, .. } => panic!("retried: {reason}"),
            _ => None,
        })
        .await;
    assert!(
        reason.contains("cannot find the host no-such-host.invalid"),
        "{reason}"
    );
    client.quit().await;
}
