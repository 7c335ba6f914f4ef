//! Behaviours an IRC conformance suite (irctest) checks, each found failing there
//! and fixed: LUSERS peak counts, INVITE past a user limit, the IRCv3 limit on
//! client tag data.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Client, SERVER, parse, start};

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
    let mut op = Client::register(&server, "op").await;
    op.join("#full").await;
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
