//! Behaviours an IRC conformance suite (irctest) checks, each found failing there
//! and fixed: LUSERS peak counts, INVITE past a user limit, the IRCv3 limit on
//! client tag data.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accounts_support;
mod common;
mod history_support;

use common::{Client, QUIET, SERVER, command, parse, start};
use natterd::testing::TestServer;

/// Modern IRC: in 265/266 `<m>` is the most clients there have been at once,
/// not the configured connection limit.
#[tokio::test]
async fn lusers_max_is_the_peak_user_count() {
    let server = start().await;
    let mut alice = Client::register(&server, "alice").await;
    let mut bob = Client::register(&server, "bob").await;
    bob.send("QUIT :bye");
    bob.closed().await;
    alice.sync().await;

    alice.send("LUSERS");
    let local = parse(&alice.expect_command("265").await);
    assert_eq!(local.params[..3], ["alice", "1", "2"]);
    assert_eq!(local.params[3], "Current local users 1, max 2");
    let global = parse(&alice.expect_command("266").await);
    assert_eq!(global.params[..3], ["alice", "1", "2"]);
    assert_eq!(global.params[3], "Current global users 1, max 2");
}

/// An invitation lets its holder join a full (+l) channel, as it does for +i.
#[tokio::test]
async fn invite_lets_a_user_past_the_channel_limit() {
    let server = start().await;
    let mut op = Client::member(&server, "op", "#full").await;
    op.send("MODE #full +l 1");
    op.expect_line(":op!~op@127.0.0.1 MODE #full +l 1").await;
    let mut bob = Client::register(&server, "bob").await;

    bob.send("JOIN #full");
    bob.expect_next(format!(":{SERVER} 471 bob #full :Cannot join channel (+l)"))
        .await;

    op.send("INVITE bob #full");
    op.expect_next(format!(":{SERVER} 341 op bob #full")).await;
    bob.expect_next(":op!~op@127.0.0.1 INVITE bob #full").await;
    bob.send("JOIN #full");
    bob.expect_next(":bob!~bob@127.0.0.1 JOIN #full").await;
}

/// IRCv3 message-tags: a client may send 4094 bytes of tag data (4096 with the
/// `@` and the space); a line with more is answered with 417 and not relayed,
/// and the connection lives on.
#[tokio::test]
async fn client_tag_data_is_limited_to_4094_bytes() {
    let server = start().await;
    let mut alice = Client::register_with_caps(&server, "alice", &["message-tags"]).await;
    alice.join("#tags").await;
    let mut bob = Client::register_with_caps(&server, "bob", &["message-tags"]).await;
    bob.join("#tags").await;
    alice.sync().await;

    let at_limit = format!("@+baz={} TAGMSG #tags", "a".repeat(4089));
    assert_eq!(at_limit.find("TAGMSG"), Some(4096));
    alice.send(&at_limit);
    let relayed = parse(&bob.expect_command("TAGMSG").await);
    assert_eq!(relayed.tag_value("+baz"), Some("a".repeat(4089).as_str()));

    let over_limit = format!("@+baz={} TAGMSG #tags", "a".repeat(4090));
    alice.send(&over_limit);
    let reply = alice.recv_line().await;
    assert_eq!(command(&reply), "417", "{reply}");
    bob.assert_no_line_within(QUIET).await;

    alice.send("PRIVMSG #tags :still here");
    let still_here = parse(&bob.expect_command("PRIVMSG").await);
    assert_eq!(still_here.params, ["#tags", "still here"]);
}

/// NAMES for several channels: each channel's 353s, then one 366 that names
/// the whole request (irctest's testNamesMultipleChannels2812).
#[tokio::test]
async fn names_for_several_channels_ends_with_one_366() {
    let server = start().await;
    let mut nick1 = Client::member(&server, "nick1", "#chan1").await;
    nick1.join("#chan2").await;
    nick1.send("NAMES #chan1,#chan2,#nowhere");
    nick1
        .expect_next(format!(":{SERVER} 353 nick1 = #chan1 :@nick1"))
        .await;
    nick1
        .expect_next(format!(":{SERVER} 353 nick1 = #chan2 :@nick1"))
        .await;
    nick1
        .expect_next(format!(
            ":{SERVER} 366 nick1 #chan1,#chan2,#nowhere :End of /NAMES list"
        ))
        .await;
    nick1.assert_no_line_within(QUIET).await;
}

/// IRCv3 SASL: 905 answers one AUTHENTICATE chunk over 400 bytes; a payload
/// sent in 400-byte chunks that grows past what a login needs fails with 904
/// (irctest's testPlainInfiniteMessages), and the connection can log in after.
#[tokio::test]
async fn sasl_payload_too_long_fails_with_904_and_long_chunk_with_905() {
    let server = TestServer::start_with(history_support::history_config()).await;
    let mut owner = Client::connect(&server).await;
    owner.send("CAP LS 302");
    owner.send("REGISTER carol * sesame123");
    owner.expect(|line| line.contains(" 900 ")).await;

    let mut client = Client::connect(&server).await;
    client.send("CAP REQ sasl");
    client.expect(|line| line.contains(" CAP * ACK ")).await;
    client.send("AUTHENTICATE PLAIN");
    client.expect_next("AUTHENTICATE +").await;
    client.send(&format!("AUTHENTICATE {}", "x".repeat(401)));
    client
        .expect_next(format!(":{SERVER} 905 * :SASL message too long"))
        .await;

    client.send("AUTHENTICATE PLAIN");
    client.expect_next("AUTHENTICATE +").await;
    let chunk = "eHh4".repeat(100);
    for _ in 0..6 {
        client.send(&format!("AUTHENTICATE {chunk}"));
    }
    client
        .expect_next(format!(
            ":{SERVER} 904 * :SASL authentication failed: the message is too long"
        ))
        .await;
    client.send("PING :after");
    client
        .expect_next(format!(":{SERVER} PONG {SERVER} :after"))
        .await;

    let lines = accounts_support::sasl_plain(&mut client, "carol", "sesame123").await;
    assert_eq!(
        lines.last().unwrap(),
        &format!(":{SERVER} 903 * :SASL authentication successful")
    );
}
