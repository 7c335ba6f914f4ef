//! Plain users' place in the default channel and long lines: a refused join
//! is explained and `/join` retries; a long line reaches IRC users whole.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Client, QUIET, command, parse, start};

#[tokio::test]
async fn a_refused_join_is_explained_and_join_retries_after_an_invite() {
    let server = start().await;
    let mut op = Client::member(&server, "op", "#lobby").await;
    op.send("MODE #lobby +i");
    op.expect(|line| command(line) == "MODE").await;
    let mut bob = Client::connect(&server).await;
    bob.send("bob");
    bob.expect_line(
        "*** Welcome to natter, bob! You could not join #lobby: it is invite-only (+i); ask someone there to invite you. Type /join to try again.",
    )
    .await;
    bob.expect(|line| line.starts_with("*** Type & for help"))
        .await;
    bob.send("/join");
    bob.expect_next("*** You could not join #lobby: it is invite-only (+i); ask someone there to invite you. Type /join to try again.")
        .await;
    op.send("INVITE bob #lobby");
    op.expect(|line| command(line) == "341").await;
    bob.expect_next("* op invites you to #lobby").await;
    bob.send("/join");
    bob.expect_next("*** You are in #lobby.").await;
    bob.expect_next("*** Online in #lobby (2): op, bob").await;
}

#[tokio::test]
async fn a_kicked_plain_user_can_rejoin() {
    let server = start().await;
    let mut op = Client::member(&server, "op", "#lobby").await;
    let mut bob = Client::plain(&server, "bob").await;
    op.expect(|line| command(line) == "JOIN").await;
    op.send("KICK #lobby bob :calm down");
    bob.expect_next("* bob was kicked from #lobby by op (calm down)")
        .await;
    bob.send("hello?");
    bob.expect(|line| line.starts_with("*** Your message was not sent"))
        .await;
    bob.send("/join");
    bob.expect_next("*** You are in #lobby.").await;
    bob.expect_next("*** Online in #lobby (2): op, bob").await;
    bob.send("/join");
    bob.expect_next("*** You are already in #lobby.").await;
}

#[tokio::test]
async fn a_long_plain_line_reaches_irc_users_whole_in_several_messages() {
    let server = start().await;
    let mut carol = Client::member(&server, "carol", "#lobby").await;
    let mut alice = Client::plain(&server, "alice").await;
    let mut dave = Client::plain(&server, "dave").await;
    carol
        .expect(|line| line.contains("JOIN") && line.contains("dave"))
        .await;
    let words: Vec<String> = (0..72).map(|i| format!("word{i:02}")).collect();
    let text = words.join(" ");
    assert!(text.len() > 470 && text.len() <= 510);
    alice.send(&text);
    let mut received = Vec::new();
    while received.join(" ").len() < text.len() {
        let line = carol.expect(|line| command(line) == "PRIVMSG").await;
        assert!(line.len() + 2 <= 512, "{line}");
        received.push(parse(&line).params[1].clone());
    }
    assert!(received.len() >= 2);
    assert_eq!(received.join(" "), text);
    let mut plain_received = Vec::new();
    while plain_received.join(" ").len() < text.len() {
        let line = dave.expect(|line| line.starts_with("alice: ")).await;
        plain_received.push(line["alice: ".len()..].to_string());
    }
    assert_eq!(plain_received.join(" "), text);
}

#[tokio::test]
async fn a_whisper_to_yourself_with_echo_message_is_received_and_echoed() {
    let server = start().await;
    let mut alice = Client::register_with_caps(&server, "alice", &["echo-message"]).await;
    alice.send("PRIVMSG alice :note to self");
    for _ in 0..2 {
        alice
            .expect_next(format!(
                "{} PRIVMSG alice :note to self",
                prefix_line("alice")
            ))
            .await;
    }
    alice.assert_no_line_within(QUIET).await;
}

#[tokio::test]
async fn a_whisper_to_yourself_without_echo_message_arrives_once() {
    let server = start().await;
    let mut alice = Client::register(&server, "alice").await;
    alice.send("PRIVMSG alice :note to self");
    alice
        .expect_next(format!(
            "{} PRIVMSG alice :note to self",
            prefix_line("alice")
        ))
        .await;
    alice.assert_no_line_within(QUIET).await;
}

/// `:nick!~nick@127.0.0.1`, how a message from `nick` starts.
fn prefix_line(nick: &str) -> String {
    format!(":{}", common::prefix(nick))
}

#[tokio::test]
async fn exit_at_the_nickname_prompt_leaves_instead_of_becoming_a_nickname() {
    let server = start().await;
    let mut person = Client::connect(&server).await;
    person.send("exit");
    let rest = person.closed().await;
    assert_eq!(
        rest.last().map(String::as_str),
        Some("*** Bye!"),
        "{rest:?}"
    );
    let mut alice = Client::plain(&server, "alice").await;
    alice.send("#");
    alice.expect_next("*** Online in #lobby (1): alice").await;
}
