//! Private history belongs to people, not nicks: whoever takes a nick later
//! reads none of its previous holder's whispers or partners (the attacks of
//! issue 8), while the holder keeps them across nick changes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod history_support;

use common::{Client, parse};
use history_support::{ALL_CAPS, next_batch, say_all, start, texts};

const WINDOW: &str = "timestamp=2000-01-01T00:00:00.000Z timestamp=2100-01-01T00:00:00.000Z 100";

async fn ask_texts(client: &mut Client, request: &str) -> Vec<String> {
    client.send(&format!("CHATHISTORY {request}"));
    let (_, lines) = next_batch(client).await;
    texts(&lines)
}

async fn targets(client: &mut Client) -> Vec<String> {
    client.send(&format!("CHATHISTORY TARGETS {WINDOW}"));
    let (_, lines) = next_batch(client).await;
    lines.iter().map(|l| parse(l).params[1].clone()).collect()
}

#[tokio::test]
async fn the_next_holder_of_a_nick_reads_none_of_its_whispers_or_partners() {
    let server = start().await;
    let mut alice = Client::register_with_caps(&server, "alice", ALL_CAPS).await;
    let mut bob = Client::register_with_caps(&server, "bob", ALL_CAPS).await;
    say_all(&mut alice, &mut bob, "bob", &["meet at noon"]).await;
    say_all(&mut bob, &mut alice, "alice", &["ok, the usual place"]).await;
    alice.send("QUIT :bye");
    alice.closed().await;

    let mut mallory = Client::register_with_caps(&server, "alice", ALL_CAPS).await;
    assert!(ask_texts(&mut mallory, "LATEST bob * 100").await.is_empty());
    assert!(targets(&mut mallory).await.is_empty());
    // bob, who was in the conversation, still has it.
    assert_eq!(
        ask_texts(&mut bob, "LATEST alice * 100").await,
        Vec::<String>::new(),
        "the new alice is someone else: bob's conversation with her is empty"
    );
    assert_eq!(targets(&mut bob).await, ["alice"]);
    mallory.send("QUIT :bye");
    mallory.closed().await;
    // With nobody on the nick, bob reads his conversation with the alice he knew.
    assert_eq!(
        ask_texts(&mut bob, "LATEST alice * 100").await,
        ["meet at noon", "ok, the usual place"]
    );
}

#[tokio::test]
async fn whispers_follow_their_owner_through_a_nick_change() {
    let server = start().await;
    let mut alice = Client::register_with_caps(&server, "alice", ALL_CAPS).await;
    let mut bob = Client::register_with_caps(&server, "bob", ALL_CAPS).await;
    say_all(&mut alice, &mut bob, "bob", &["psst"]).await;
    alice.send("NICK alice_away");
    alice.expect(|l| l.contains(" NICK ")).await;
    let mut mallory = Client::register_with_caps(&server, "alice", ALL_CAPS).await;
    assert!(ask_texts(&mut mallory, "LATEST bob * 100").await.is_empty());
    assert!(targets(&mut mallory).await.is_empty());
    assert_eq!(ask_texts(&mut alice, "LATEST bob * 100").await, ["psst"]);
    assert_eq!(targets(&mut alice).await, ["bob"]);
}
