//! Unicode-safe identity over real TCP: case variants in any script collide,
//! look-alike nicks are refused with a reason, hidden characters are refused.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Client, SERVER, start};

/// Sends `NICK wanted` from a fresh connection and returns the reply line.
async fn try_nick(server: &natterd::testing::TestServer, wanted: &str) -> String {
    let mut client = Client::connect(server).await;
    client.send(&format!("NICK {wanted}"));
    client.send("USER x 0 * :x");
    client
        .expect(|line| line.contains(" 001 ") || line.contains(" 432 ") || line.contains(" 433 "))
        .await
}

#[tokio::test]
async fn case_variants_in_any_script_are_one_nick() {
    let server = start().await;
    let _zoe = Client::register(&server, "Zoë").await;
    for variant in ["ZOË", "zoë", "zoe\u{308}"] {
        let reply = try_nick(&server, variant).await;
        assert_eq!(
            reply,
            format!(":{SERVER} 433 * {variant} :Nickname is already in use")
        );
    }
}

#[tokio::test]
async fn fullwidth_and_lookalike_nicks_collide_with_the_online_nick() {
    let server = start().await;
    let _alice = Client::register(&server, "alice").await;
    let reply = try_nick(&server, "ａlice").await;
    assert_eq!(
        reply,
        format!(":{SERVER} 433 * ａlice :Nickname is already in use")
    );
    let _martin = Client::register(&server, "martin").await;
    let reply = try_nick(&server, "rnartin").await;
    assert_eq!(
        reply,
        format!(
            ":{SERVER} 433 * rnartin :Nickname is already in use: it looks like martin, who is online"
        )
    );
    // Cyrillic с о р е is single-script, but looks like Latin "cope".
    let _cope = Client::register(&server, "cope").await;
    let cyrillic = "\u{0441}\u{043E}\u{0440}\u{0435}";
    let reply = try_nick(&server, cyrillic).await;
    assert!(reply.contains(" 433 * "), "{reply}");
    assert!(
        reply.ends_with("it looks like cope, who is online"),
        "{reply}"
    );
}

#[tokio::test]
async fn mixed_script_small_capital_and_hidden_characters_are_erroneous() {
    let server = start().await;
    for (nick, reason) in [
        (
            "\u{0430}lice",
            "nickname mixes scripts that look alike (e.g. Latin with Cyrillic or Greek): use one script",
        ),
        (
            "ᴀlice",
            "nickname must not contain 'ᴀ': it is a look-alike or obsolete letter",
        ),
        (
            "al\u{200B}ice",
            "nickname must not contain invisible characters (found U+200B)",
        ),
        (
            "al\u{202E}ice",
            "nickname must not contain text-direction controls (found U+202E)",
        ),
    ] {
        let reply = try_nick(&server, nick).await;
        assert_eq!(
            reply,
            format!(":{SERVER} 432 * {nick} :Erroneous nickname: {reason}")
        );
    }
}

#[tokio::test]
async fn a_nick_change_to_a_lookalike_is_refused_and_case_changes_of_ones_own_are_not() {
    let server = start().await;
    let _martin = Client::register(&server, "martin").await;
    let mut zoe = Client::register(&server, "zoë").await;
    zoe.send("NICK rnartin");
    zoe.expect_next(format!(
        ":{SERVER} 433 zoë rnartin :Nickname is already in use: it looks like martin, who is online"
    ))
    .await;
    zoe.send("NICK ZOË");
    zoe.expect_next(":zoë!~zoë@127.0.0.1 NICK ZOË").await;
}

#[tokio::test]
async fn channel_names_fold_in_any_script_and_refuse_hidden_characters() {
    let server = start().await;
    let mut zoe = Client::member(&server, "zoe", "#CAFÉ").await;
    let mut bob = Client::register(&server, "bob").await;
    bob.send("JOIN #café");
    bob.expect(|line| line.contains(" JOIN ")).await;
    zoe.expect_next(":bob!~bob@127.0.0.1 JOIN #CAFÉ").await;
    bob.send("JOIN #caf\u{200B}e");
    let reply = bob.expect(|line| line.contains(" 476 ")).await;
    assert!(reply.contains("invisible characters"), "{reply}");
}
