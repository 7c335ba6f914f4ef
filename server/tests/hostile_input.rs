//! What hostile clients send: input bounded in bytes, nothing done in the
//! name of a client that has gone, bare HTTP verbs, and connection slots that
//! idle connections cannot take from everyone else.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Client, SERVER, prefix, test_config};
use natterd::Config;
use natterd::testing::TestServer;
use std::net::Ipv4Addr;

async fn start_with(adjust: impl FnOnce(&mut Config)) -> TestServer {
    let mut config = test_config();
    adjust(&mut config);
    TestServer::start_with(config).await
}

#[tokio::test]
async fn lines_waiting_behind_flood_control_are_bounded_in_bytes() {
    let server = start_with(|config| {
        // NICK and USER take two tokens; one is left.
        config.limits.flood_burst = 3;
        config.limits.flood_rate = 0.01;
        config.limits.flood_max_queued = 1000;
        config.limits.recvq_bytes = 2048;
    })
    .await;
    let mut alice = Client::register(&server, "alice").await;
    // Six lines of 500 bytes: few lines, but more bytes than the queue holds.
    let line = format!("PRIVMSG #nowhere :{}\r\n", "x".repeat(480));
    let _ = alice.send_all(line.repeat(6).as_bytes()).await;
    assert_eq!(
        alice.closed().await.last().map(String::as_str),
        Some("ERROR :Excess Flood")
    );
}

#[tokio::test]
async fn overlong_lines_are_refused_before_they_take_room_in_the_queue() {
    let server = start_with(|config| {
        config.limits.flood_burst = 1;
        config.limits.flood_rate = 20.0;
        config.limits.recvq_bytes = 2048;
    })
    .await;
    let mut alice = Client::register(&server, "alice").await;
    // Each is far over the limit (tags beyond IRCv3's 4096 bytes): queued
    // whole, three would overflow the 2 KiB queue; refused, they cost nothing.
    let overlong = format!("@+t={} PING :x\r\n", "t".repeat(4200));
    alice.send_all(overlong.repeat(3).as_bytes()).await.unwrap();
    for _ in 0..3 {
        alice
            .expect_next(format!(":{SERVER} 417 alice :Input line was too long"))
            .await;
    }
    alice.send("PING :still-here");
    alice
        .expect_next(format!(":{SERVER} PONG {SERVER} :still-here"))
        .await;
}

#[tokio::test]
async fn nothing_a_client_queued_is_said_after_it_disconnected() {
    let server = start_with(|config| {
        config.limits.flood_burst = 2;
        config.limits.flood_rate = 1.0;
    })
    .await;
    let mut watcher = Client::member(&server, "watcher", "#a").await;
    let mut talker = Client::member(&server, "talker", "#a").await;
    watcher.expect_command("JOIN").await;
    let mut lines = String::new();
    for n in 0..20 {
        lines.push_str(&format!("PRIVMSG #a :line {n}\r\n"));
    }
    talker.send_all(lines.as_bytes()).await.unwrap();
    talker.close();
    // The burst (one token went to the JOIN) is said at once; the rest goes with the client.
    let before_quit = watcher.lines_until(|line| line.contains(" QUIT ")).await;
    assert!(
        before_quit.len() <= 2,
        "said after the client left: {before_quit:?}"
    );
    // Its nickname is free as soon as it is gone.
    let mut again = Client::register(&server, "talker").await;
    again.sync().await;
    watcher.assert_no_line_within(common::QUIET).await;
}

/// No IRC message may carry NUL, or CR before its end (IRCv3 has no escape
/// for NUL in a tag value): such a line is answered with 400 naming the
/// character, and nothing of it is executed or relayed.
#[tokio::test]
async fn nul_or_an_inner_cr_anywhere_in_a_line_gets_400_and_nothing_is_relayed() {
    let server = start_with(|_| {}).await;
    let mut watcher = Client::member(&server, "watcher", "#a").await;
    let mut alice = Client::member(&server, "alice", "#a").await;
    watcher
        .expect_next(format!(":{} JOIN #a", prefix("alice")))
        .await;
    for (line, command, what) in [
        (&b"@+k=a\0b TAGMSG #a\r\n"[..], "TAGMSG", "a NUL byte"),
        (
            b"@+draft/reply=\0 PRIVMSG #a :hi\r\n",
            "PRIVMSG",
            "a NUL byte",
        ),
        (b":alice\0 PRIVMSG #a :x\r\n", "PRIVMSG", "a NUL byte"),
        (b"PRIVMSG #a :nul\0here\r\n", "PRIVMSG", "a NUL byte"),
        (
            b"PRIVMSG #a :hi\rthere\r\n",
            "PRIVMSG",
            "a carriage return (CR)",
        ),
        (b"TOPIC #a\r :x\r\n", "TOPIC", "a carriage return (CR)"),
        (b"\0\r\n", "*", "a NUL byte"),
    ] {
        alice.send_bytes(line);
        alice
            .expect_next(format!(
                ":{SERVER} 400 alice {command} :Line contains {what}; ignored"
            ))
            .await;
    }
    // A CR just before the terminator is still part of the terminator.
    alice.send_bytes(b"PRIVMSG #a :clean\r\r\n");
    watcher
        .expect_next(format!(":{} PRIVMSG #a :clean", prefix("alice")))
        .await;
}

#[tokio::test]
async fn a_bare_http_verb_as_the_first_line_is_not_a_nickname() {
    let server = start_with(|_| {}).await;
    for verb in ["GET", "POST", "HEAD", "PUT", "OPTIONS", "CONNECT"] {
        let mut client = Client::connect(&server).await;
        client.send(verb);
        let answer = client.closed().await;
        assert_eq!(
            answer.first().map(String::as_str),
            Some("HTTP/1.1 400 Bad Request"),
            "{verb}: {answer:?}"
        );
    }
    let mut alice = Client::plain(&server, "alice").await;
    alice.send("#");
    alice.expect_next("*** Online in #lobby (1): alice").await;
}

/// Connects from 127.0.0.`host` and starts registering; returns the
/// client and its first line (an `ERROR` when it was refused).
async fn idle_from(server: &TestServer, host: u8) -> (Client, String) {
    let mut client = Client::connect_from(server, Ipv4Addr::new(127, 0, 0, host)).await;
    client.send("CAP LS 302");
    let first = client.recv_line().await;
    (client, first)
}

#[tokio::test]
async fn unregistered_connections_have_a_smaller_cap_of_their_own() {
    let server = start_with(|config| {
        config.limits.max_clients = 30;
        config.limits.max_clients_per_ip = 10;
        config.limits.max_unregistered = 10;
        config.limits.max_unregistered_per_ip = 2;
    })
    .await;
    // Idle connections from four hosts, four each: two per host are let in.
    let mut idle = Vec::new();
    for host in 2..=5 {
        for attempt in 0..4 {
            let (client, first) = idle_from(&server, host).await;
            if attempt < 2 {
                assert!(first.contains(" CAP * LS "), "{first}");
            } else {
                assert_eq!(
                    first,
                    "ERROR :Too many unregistered connections from your address (limit 2)"
                );
            }
            idle.push(client);
        }
    }
    // Someone else can still connect and register, from any address.
    let mut alice = Client::register(&server, "alice").await;
    alice.join("#a").await;
    let mut bob = Client::connect_from(&server, Ipv4Addr::new(127, 0, 0, 9))
        .await
        .register_on("bob")
        .await;
    bob.join("#a").await;
    alice.expect_next(":bob!~bob@127.0.0.9 JOIN #a").await;
    // Past the total cap on unregistered connections, newcomers are told to wait.
    let (_ninth, first) = idle_from(&server, 6).await;
    assert!(first.contains(" CAP * LS "), "{first}");
    let (_tenth, first) = idle_from(&server, 7).await;
    assert!(first.contains(" CAP * LS "), "{first}");
    let (_eleventh, first) = idle_from(&server, 8).await;
    assert_eq!(
        first,
        "ERROR :Too many connections are still registering; try again in a moment"
    );
}

#[tokio::test]
async fn the_registration_timeout_shrinks_as_the_server_fills() {
    let server = start_with(|config| {
        config.limits.registration_timeout = std::time::Duration::from_secs(3600);
        config.limits.registration_timeout_min = std::time::Duration::from_secs(1);
        config.limits.max_unregistered = 2;
    })
    .await;
    let mut first = Client::connect(&server).await;
    first.send("CAP LS 302");
    let mut second = Client::connect(&server).await;
    second.send("CAP LS 302");
    // The unregistered share is full: an hour shrinks to a second. Whichever
    // connection checks first is closed; after that the server is only half
    // full again, so the other one rightly gets the long timeout back.
    let lines = tokio::select! {
        lines = first.closed() => lines,
        lines = second.closed() => lines,
    };
    assert_eq!(
        lines.last().map(String::as_str),
        Some("ERROR :Registration timed out")
    );
}
