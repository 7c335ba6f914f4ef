//! Behaviours an IRC conformance suite (irctest) checks, each found failing there
//! and fixed: LUSERS peak counts, INVITE past a user limit, the IRCv3 limit on
//! client tag data.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Client, parse, start};

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
