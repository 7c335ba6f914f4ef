//! Every limit over real TCP, each with a small config so the tests are
//! quick: line length, flood control, registration and ping timeouts,
//! connection limits, SendQ, NUL bytes and shutdown.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Client, PATIENCE, SERVER, command, parse, prefix, test_config};
use natterd::Config;
use natterd::testing::TestServer;
use std::time::Duration;

async fn start_with(adjust: impl FnOnce(&mut Config)) -> TestServer {
    let mut config = test_config();
    adjust(&mut config);
    TestServer::start_with(config).await
}

/// alice and bob in #a, JOIN traffic consumed.
async fn pair(server: &TestServer) -> (Client, Client) {
    let mut alice = Client::register(server, "alice").await;
    alice.join("#a").await;
    let mut bob = Client::register(server, "bob").await;
    bob.join("#a").await;
    alice.expect_command("JOIN").await;
    (alice, bob)
}

#[tokio::test]
async fn overlong_line_gets_417_and_the_connection_lives_on() {
    let server = start_with(|_| {}).await;
    let (mut alice, mut bob) = pair(&server).await;
    // Over 512 bytes but within what the codec buffers.
    alice.send(&format!("PRIVMSG #a :{}", "x".repeat(600)));
    alice
        .expect_next(format!(":{SERVER} 417 alice :Input line was too long"))
        .await;
    // Far over any limit: discarded while it streams in.
    alice.send(&format!("PRIVMSG #a :{}", "y".repeat(20_000)));
    alice
        .expect_next(format!(":{SERVER} 417 alice :Input line was too long"))
        .await;
    // Exactly 512 bytes with CRLF is allowed.
    let prefix_len = "PRIVMSG #a :".len();
    let text = "z".repeat(510 - prefix_len);
    alice.send(&format!("PRIVMSG #a :{text}"));
    let relayed = parse(&bob.expect_command("PRIVMSG").await);
    // Relayed with alice's prefix it is cut to fit 512 bytes (see below).
    assert!(text.starts_with(&relayed.params[1]), "{relayed:?}");
    alice.send("PRIVMSG #a :after the long ones");
    bob.expect_next(format!(
        ":{} PRIVMSG #a :after the long ones",
        prefix("alice")
    ))
    .await;
    // Tags have their own, larger budget.
    alice.send(&format!("@+big={} PRIVMSG #a :tagged", "t".repeat(4000)));
    bob.expect_next(format!(":{} PRIVMSG #a :tagged", prefix("alice")))
        .await;
}

#[tokio::test]
async fn overlong_line_from_a_plain_user_is_refused_with_a_notice() {
    let server = start_with(|_| {}).await;
    let mut alice = Client::plain(&server, "alice").await;
    let mut bob = Client::plain(&server, "bob").await;
    alice.expect_next("* bob joined #lobby").await;
    bob.send(&"w".repeat(2000));
    bob.expect_next("*** That line was too long (the limit is 510 bytes) and was not sent.")
        .await;
    bob.send("short one");
    alice.expect_next("bob: short one").await;
}

#[tokio::test]
async fn nul_byte_gets_400_and_is_not_relayed() {
    let server = start_with(|_| {}).await;
    let (mut alice, mut bob) = pair(&server).await;
    alice.send_bytes(b"PRIVMSG #a :nul\0here\r\n");
    alice
        .expect_next(format!(
            ":{SERVER} 400 alice PRIVMSG :Line contains a NUL byte; ignored"
        ))
        .await;
    alice.send("PRIVMSG #a :clean");
    bob.expect_next(format!(":{} PRIVMSG #a :clean", prefix("alice")))
        .await;
}

#[tokio::test]
async fn a_flood_is_delayed_not_dropped() {
    let server = start_with(|config| {
        config.limits.flood_burst = 5;
        config.limits.flood_rate = 50.0;
        config.limits.flood_max_queued = 64;
    })
    .await;
    let (mut alice, mut bob) = pair(&server).await;
    let mut burst = Vec::new();
    for n in 0..30 {
        burst.extend_from_slice(format!("PRIVMSG #a :line {n}\r\n").as_bytes());
    }
    alice.send_bytes(&burst);
    for n in 0..30 {
        bob.expect_next(format!(":{} PRIVMSG #a :line {n}", prefix("alice")))
            .await;
    }
    // Still connected, and nothing was lost or reordered.
    alice.send("PRIVMSG #a :done");
    bob.expect_next(format!(":{} PRIVMSG #a :done", prefix("alice")))
        .await;
}

#[tokio::test]
async fn sustained_flood_is_disconnected_with_excess_flood() {
    let server = start_with(|config| {
        config.limits.flood_burst = 5;
        config.limits.flood_rate = 2.0;
        config.limits.flood_max_queued = 32;
    })
    .await;
    let (mut alice, mut bob) = pair(&server).await;
    let mut flood = Vec::new();
    for n in 0..500 {
        flood.extend_from_slice(format!("PRIVMSG #a :spam {n}\r\n").as_bytes());
    }
    // The server may close while we are still writing; that is the point.
    let _ = alice.send_all(&flood).await;
    let last = alice.closed().await;
    assert_eq!(
        last.last().map(String::as_str),
        Some("ERROR :Excess Flood"),
        "{last:?}"
    );
    // The burst was delivered before the disconnect; then the QUIT.
    let before = bob
        .lines_until(|l| l == format!(":{} QUIT :Excess Flood", prefix("alice")))
        .await;
    for (n, line) in before.iter().enumerate() {
        assert_eq!(*line, format!(":{} PRIVMSG #a :spam {n}", prefix("alice")));
    }
    assert!(before.len() < 500, "the flood was not cut off");
}

#[tokio::test]
async fn registration_timeout_closes_with_error() {
    let server = start_with(|config| {
        config.limits.registration_timeout = Duration::from_millis(300);
    })
    .await;
    let mut half = Client::connect(&server).await;
    half.send("NICK halfway");
    let last = half.closed().await;
    assert_eq!(last, ["ERROR :Registration timed out"]);
    // A silent connection is prompted, then timed out too.
    let mut silent = Client::connect(&server).await;
    let lines = silent.closed().await;
    assert_eq!(command(&lines[0]), "NOTICE");
    assert_eq!(
        lines.last().map(String::as_str),
        Some("ERROR :Registration timed out")
    );
}

/// Reads lines, answering every PING, until `matches`.
async fn expect_answering_pings(client: &mut Client, matches: impl Fn(&str) -> bool) -> String {
    loop {
        let line = client.recv_line().await;
        if matches(&line) {
            return line;
        }
        let message = parse(&line);
        if message.command == "PING" {
            client.send(&format!("PONG :{}", message.params[0]));
        }
    }
}

#[tokio::test]
async fn idle_clients_are_pinged_and_dropped_when_they_do_not_answer() {
    let server = start_with(|config| {
        config.limits.ping_interval = Duration::from_millis(300);
        config.limits.ping_timeout = Duration::from_millis(300);
    })
    .await;
    let (mut alice, mut bob) = pair(&server).await;
    // bob answers: he stays. alice does not: she goes.
    let quit = expect_answering_pings(&mut bob, |l| command(l) == "QUIT").await;
    let quit = parse(&quit);
    assert_eq!(quit.source.as_deref(), Some(prefix("alice").as_str()));
    assert!(quit.params[0].starts_with("Ping timeout"), "{quit:?}");
    let last = alice.closed().await;
    assert_eq!(parse(&last[last.len() - 2]).command, "PING", "{last:?}");
    assert!(
        last.last().unwrap().starts_with("ERROR :Ping timeout"),
        "{last:?}"
    );
    // Several intervals later bob is still here.
    for _ in 0..3 {
        let ping = expect_answering_pings(&mut bob, |l| command(l) == "PING").await;
        assert_eq!(parse(&ping).params, [SERVER]);
        bob.send(&format!("PONG :{SERVER}"));
    }
    bob.send("PRIVMSG bob :still alive");
    expect_answering_pings(&mut bob, |l| l.ends_with("still alive")).await;
}

#[tokio::test]
async fn plain_users_are_never_pinged() {
    let server = start_with(|config| {
        config.limits.ping_interval = Duration::from_millis(100);
        config.limits.ping_timeout = Duration::from_millis(100);
    })
    .await;
    let mut alice = Client::plain(&server, "alice").await;
    alice
        .assert_no_line_within(Duration::from_millis(600))
        .await;
    alice.send("#");
    alice.expect_next("*** Online in #lobby (1): alice").await;
}

#[tokio::test]
async fn max_clients_refuses_with_an_error_line() {
    let server = start_with(|config| config.limits.max_clients = 2).await;
    let _alice = Client::register(&server, "alice").await;
    let bob = Client::register(&server, "bob").await;
    let mut carol = Client::connect(&server).await;
    let refused = carol.closed().await;
    assert_eq!(
        refused,
        ["ERROR :Server is full (2 clients); try again later"]
    );
    drop(bob);
    // The place is given back once bob's session has ended.
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let mut carol = Client::connect(&server).await;
        carol.send("NICK carol");
        carol.send("USER carol 0 * :Carol");
        if command(&carol.recv_line().await) == "001" {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "place never freed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn max_clients_per_ip_refuses_with_an_error_line() {
    let server = start_with(|config| config.limits.max_clients_per_ip = 2).await;
    let _alice = Client::register(&server, "alice").await;
    let _bob = Client::plain(&server, "bob").await;
    let mut carol = Client::connect(&server).await;
    assert_eq!(
        carol.closed().await,
        ["ERROR :Too many connections from your address (limit 2)"]
    );
}

#[tokio::test]
async fn shutdown_tells_every_client() {
    let server = start_with(|_| {}).await;
    let mut alice = Client::register(&server, "alice").await;
    let mut bob = Client::plain(&server, "bob").await;
    let mut pending = Client::connect(&server).await;
    pending.send("NICK pending");
    alice.sync().await;
    server.shutdown().await;
    for (client, farewell) in [
        (&mut alice, "ERROR :Server shutting down"),
        (&mut bob, "*** The server is shutting down."),
        (&mut pending, "ERROR :Server shutting down"),
    ] {
        let last = client.closed().await;
        assert_eq!(
            last.last().map(String::as_str),
            Some(farewell),
            "{}: {last:?}",
            client.name
        );
    }
}

#[tokio::test]
async fn a_client_that_never_reads_is_dropped_with_sendq_exceeded() {
    let server = start_with(|config| {
        config.limits.sendq_bytes = 16 * 1024;
        config.limits.flood_burst = 1_000_000;
        config.limits.flood_rate = 1_000_000.0;
        config.limits.flood_max_queued = 100_000;
        config.limits.recvq_bytes = 64 * 1024 * 1024;
        config.limits.max_clients = 3;
    })
    .await;
    let mut talker = Client::member(&server, "talker", "#flood").await;
    let mut bob = Client::member(&server, "bob", "#flood").await;
    let mut sleepy = Client::connect_small_buffer(&server)
        .await
        .register_on("sleepy")
        .await;
    sleepy.join("#flood").await;
    talker
        .expect(|l| l.contains("sleepy") && l.contains("JOIN"))
        .await;
    bob.expect(|l| l.contains("sleepy") && l.contains("JOIN"))
        .await;
    // From here on sleepy reads nothing.

    let padding = "p".repeat(300);
    let sleepy_quit = format!(":{} QUIT :SendQ exceeded", prefix("sleepy"));
    let mut next = 0u32;
    'flooding: loop {
        assert!(next < 200_000, "sleepy was never dropped");
        let mut batch = Vec::new();
        for n in next..next + 20 {
            batch.extend_from_slice(format!("PRIVMSG #flood :{n} {padding}\r\n").as_bytes());
        }
        talker.send_all(&batch).await.unwrap();
        // bob keeps up and receives every line, in order.
        for n in next..next + 20 {
            let line = bob.recv_line().await;
            if line == sleepy_quit {
                // The rest of this batch still arrives.
                for n in n..next + 20 {
                    bob.expect_next(format!(
                        ":{} PRIVMSG #flood :{n} {padding}",
                        prefix("talker")
                    ))
                    .await;
                }
                break 'flooding;
            }
            assert_eq!(
                line,
                format!(":{} PRIVMSG #flood :{n} {padding}", prefix("talker"))
            );
        }
        next += 20;
    }
    talker.expect_line(&sleepy_quit).await;
    talker.send("PRIVMSG #flood :after");
    bob.expect_next(format!(":{} PRIVMSG #flood :after", prefix("talker")))
        .await;
    // sleepy's connection ends even though it never reads: its place is given back.
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let mut carol = Client::connect(&server).await;
        carol.send("NICK carol");
        carol.send("USER carol 0 * :Carol");
        if command(&carol.recv_line().await) == "001" {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the stalled client still holds its connection"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Whatever sleepy finally reads ends with the ERROR, if that could be delivered at all.
    let tail = sleepy.closed().await;
    if let Some(error) = tail.iter().find(|l| l.starts_with("ERROR")) {
        assert_eq!(error, "ERROR :SendQ exceeded");
        assert_eq!(tail.last(), Some(error));
    }
}

/// The length of an IRC line as IRC counts it: without the tag section, with CRLF.
fn irc_length(line: &str) -> usize {
    let without_tags = match line.strip_prefix('@') {
        Some(rest) => rest.split_once(' ').map_or("", |(_, rest)| rest),
        None => line,
    };
    without_tags.len() + 2
}

#[tokio::test]
async fn relayed_lines_never_exceed_512_bytes() {
    let server = start_with(|_| {}).await;
    let (mut alice, mut bob) = pair(&server).await;
    // Longest line alice may send; with her prefix added it would not fit.
    // 498 bytes: exactly 512 with "PRIVMSG #a :" and CRLF; the cut falls inside an "é".
    let text = format!("x{}x", "é".repeat(248));
    assert_eq!(text.len() + "PRIVMSG #a :".len() + 2, 512);
    alice.send(&format!("PRIVMSG #a :{text}"));
    let line = bob.recv_line().await;
    assert!(
        irc_length(&line) <= 512,
        "{} bytes: {line}",
        irc_length(&line)
    );
    let relayed = parse(&line).params[1].clone();
    assert!(
        text.starts_with(&relayed) && relayed.len() > 400,
        "{relayed}"
    );
    // The same for a plain user's longest line.
    let mut carol = Client::plain(&server, "carol").await;
    bob.join("#lobby").await;
    carol.expect_next("* bob joined #lobby").await;
    let long = "k".repeat(510);
    carol.send(&long);
    let line = bob.expect_command("PRIVMSG").await;
    assert!(
        irc_length(&line) <= 512,
        "{} bytes: {line}",
        irc_length(&line)
    );
    assert!(long.starts_with(&parse(&line).params[1]));
}

#[tokio::test]
async fn long_part_and_quit_reasons_are_cut_to_fit_512_bytes() {
    let server = start_with(|_| {}).await;
    let (mut alice, mut bob) = pair(&server).await;
    let reason = "r".repeat(495);
    alice.join("#b").await;
    bob.join("#b").await;
    alice.expect_command("JOIN").await;
    alice.send(&format!("PART #b :{reason}"));
    let part = bob.expect_command("PART").await;
    assert!(irc_length(&part) <= 512, "{} bytes", irc_length(&part));
    assert!(reason.starts_with(&parse(&part).params[1]));
    alice.send(&format!("QUIT :{reason}"));
    let quit = bob.expect_command("QUIT").await;
    assert!(irc_length(&quit) <= 512, "{} bytes", irc_length(&quit));
    assert!(parse(&quit).params[0].starts_with("Quit: rrrr"));
}
