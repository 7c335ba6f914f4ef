//! IRCv3 labeled-response over TCP: one labelled line, a labeled-response
//! batch, an ACK, a labelled chathistory batch, and no labels without `batch`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod history_support;

use common::{Client, SERVER, command, parse, prefix};
use history_support::{ALL_CAPS, next_batch, start, tag};

#[tokio::test]
async fn a_labelled_privmsg_echo_is_the_single_labelled_reply() {
    let server = start().await;
    let mut alice = Client::register_with_caps(&server, "alice", ALL_CAPS).await;
    let mut bob = Client::register_with_caps(&server, "bob", ALL_CAPS).await;
    alice.join("#room").await;
    bob.join("#room").await;
    alice.sync().await;
    alice.send("@label=echo1 PRIVMSG #room :hello");
    let echo = alice.recv_line().await;
    assert_eq!(tag(&echo, "label").as_deref(), Some("echo1"), "{echo}");
    assert!(
        echo.contains(&format!(":{} PRIVMSG ", prefix("alice"))),
        "{echo}"
    );
    assert_eq!(parse(&echo).params, ["#room", "hello"]);
    assert!(
        tag(&echo, "msgid").is_some() && tag(&echo, "time").is_some(),
        "{echo}"
    );
    // The recipient's copy is not labelled.
    let delivered = bob.expect(|line| command(line) == "PRIVMSG").await;
    assert_eq!(tag(&delivered, "label"), None, "{delivered}");
    // Nothing else belongs to the response.
    assert!(alice.sync().await.is_empty());
}

/// As irctest's `testLabeledPrivmsgResponsesToSelf` expects: the note is
/// received and echoed, and only the echo carries the label (no batch).
#[tokio::test]
async fn a_labelled_note_to_self_is_received_and_echoed_with_one_label() {
    let server = start().await;
    let mut alice = Client::register_with_caps(&server, "alice", ALL_CAPS).await;
    alice.send("@label=me1 PRIVMSG alice :note to self");
    let lines = alice.sync().await;
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines.iter().all(|line| command(line) == "PRIVMSG"),
        "{lines:?}"
    );
    let labelled: Vec<_> = lines.iter().filter_map(|line| tag(line, "label")).collect();
    assert_eq!(labelled, ["me1"], "{lines:?}");
}

#[tokio::test]
async fn a_command_without_a_reply_gets_a_labelled_ack() {
    let server = start().await;
    let caps: Vec<&str> = ALL_CAPS
        .iter()
        .copied()
        .filter(|c| *c != "echo-message")
        .collect();
    let mut alice = Client::register_with_caps(&server, "alice", &caps).await;
    alice.join("#room").await;
    alice.send("@label=quiet PRIVMSG #room :nobody hears");
    alice
        .expect_next(format!("@label=quiet :{SERVER} ACK"))
        .await;
    alice.send("@label=pong PONG :whatever");
    alice
        .expect_next(format!("@label=pong :{SERVER} ACK"))
        .await;
}

#[tokio::test]
async fn a_multi_line_reply_is_one_labeled_response_batch() {
    let server = start().await;
    let mut alice = Client::register_with_caps(&server, "alice", ALL_CAPS).await;
    alice.send("@label=j1 JOIN #fresh");
    let open = alice.recv_line().await;
    let message = parse(&open);
    assert_eq!(message.command, "BATCH", "{open}");
    assert_eq!(tag(&open, "label").as_deref(), Some("j1"));
    assert_eq!(message.params[1], "labeled-response");
    let id = message.params[0][1..].to_string();
    let close = format!("-{id}");
    let inside = alice
        .lines_until(|line| command(line) == "BATCH" && parse(line).arg(0) == Some(close.as_str()))
        .await;
    let commands: Vec<String> = inside.iter().map(|l| command(l)).collect();
    assert_eq!(commands, ["JOIN", "353", "366"], "{inside:?}");
    for line in &inside {
        assert_eq!(tag(line, "batch").as_deref(), Some(id.as_str()), "{line}");
        assert_eq!(tag(line, "label"), None, "{line}");
    }
    assert!(alice.sync().await.is_empty());
}

#[tokio::test]
async fn an_error_reply_carries_the_label() {
    let server = start().await;
    let mut alice = Client::register_with_caps(&server, "alice", ALL_CAPS).await;
    alice.send("@label=e1 PRIVMSG nobody :hi");
    let reply = alice.recv_line().await;
    assert_eq!(
        reply,
        format!("@label=e1 :{SERVER} 401 alice nobody :No such nick/channel")
    );
}

#[tokio::test]
async fn a_labelled_chathistory_request_labels_its_batch() {
    let server = start().await;
    let mut alice = Client::register_with_caps(&server, "alice", ALL_CAPS).await;
    alice.join("#room").await;
    alice.send("PRIVMSG #room :remember me");
    alice.sync().await;
    alice.send("@label=h1 CHATHISTORY LATEST #room * 10");
    let (open, lines) = next_batch(&mut alice).await;
    assert_eq!(tag(&open, "label").as_deref(), Some("h1"), "{open}");
    assert!(open.ends_with(" chathistory #room"), "{open}");
    assert_eq!(lines.len(), 1, "{lines:?}");
}

#[tokio::test]
async fn labels_need_the_batch_capability() {
    let server = start().await;
    let mut alice = Client::register_with_caps(&server, "alice", &["labeled-response"]).await;
    alice.send("@label=x1 PING :here");
    alice
        .expect_next(format!(":{SERVER} PONG {SERVER} here"))
        .await;
}

/// As irctest's `testUnknownCommand`: a command word that is not even valid
/// IRC syntax still gets its 421 labelled.
#[tokio::test]
async fn an_unknown_odd_command_gets_a_labelled_421() {
    let server = start().await;
    let mut alice = Client::register_with_caps(&server, "alice", ALL_CAPS).await;
    alice.send("@label=deadbeef NONEXISTENT_COMMAND");
    let lines = alice.sync().await;
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(command(&lines[0]), "421", "{lines:?}");
    assert_eq!(tag(&lines[0], "label").as_deref(), Some("deadbeef"));
    assert_eq!(parse(&lines[0]).params[1], "NONEXISTENT_COMMAND");
}
