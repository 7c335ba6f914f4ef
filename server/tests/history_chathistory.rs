//! CHATHISTORY over TCP: every subcommand with msgid and timestamp selectors,
//! limits, errors, privacy, and the ISUPPORT/CAP advertisement.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod history_support;

use common::{Client, SERVER, command, parse, prefix};
use history_support::{ALL_CAPS, Seen, history_config, next_batch, say_all, start, tag, texts};
use natterd::testing::TestServer;

/// Sends `CHATHISTORY <request>` and returns the batch's lines.
async fn ask(client: &mut Client, request: &str) -> Vec<String> {
    client.send(&format!("CHATHISTORY {request}"));
    let (open, lines) = next_batch(client).await;
    assert!(open.contains(" chathistory "), "{open}");
    lines
}

async fn ask_texts(client: &mut Client, request: &str) -> Vec<String> {
    texts(&ask(client, request).await)
}

fn names(seen: &[Seen], range: std::ops::RangeInclusive<usize>) -> Vec<String> {
    seen[range].iter().map(|s| s.text.clone()).collect()
}

/// alice and bob in #room; alice says m0..m9.
async fn room_with_ten(server: &TestServer) -> (Client, Client, Vec<Seen>) {
    let mut alice = Client::register_with_caps(server, "alice", ALL_CAPS).await;
    let mut bob = Client::register_with_caps(server, "bob", ALL_CAPS).await;
    alice.join("#room").await;
    bob.join("#room").await;
    let bodies: Vec<String> = (0..10).map(|n| format!("m{n}")).collect();
    let bodies: Vec<&str> = bodies.iter().map(String::as_str).collect();
    let seen = say_all(&mut alice, &mut bob, "#room", &bodies).await;
    bob.sync().await;
    (alice, bob, seen)
}

#[tokio::test]
async fn caps_and_isupport_advertise_chathistory() {
    let server = start().await;
    let mut alice = Client::connect(&server).await;
    alice.send("CAP LS 302");
    let ls = alice.expect(|line| line.contains(" CAP * LS ")).await;
    for cap in [
        "batch",
        "draft/chathistory",
        "labeled-response",
        "server-time",
    ] {
        assert!(
            ls.split([' ', ':']).any(|word| word == cap),
            "{cap} in {ls}"
        );
    }
    alice.send("CAP END");
    alice.send("NICK alice");
    alice.send("USER alice 0 * :Alice");
    let mut tokens = Vec::new();
    loop {
        let line = alice.recv_line().await;
        match command(&line).as_str() {
            "005" => tokens.extend(parse(&line).params),
            "376" | "422" => break,
            _ => {}
        }
    }
    assert!(tokens.iter().any(|t| t == "CHATHISTORY=100"), "{tokens:?}");
    assert!(
        tokens.iter().any(|t| t == "MSGREFTYPES=timestamp,msgid"),
        "{tokens:?}"
    );
}

#[tokio::test]
async fn history_off_offers_no_chathistory() {
    let server = common::start().await;
    let mut alice = Client::connect(&server).await;
    alice.send("CAP LS 302");
    let ls = alice.expect(|line| line.contains(" CAP * LS ")).await;
    assert!(!ls.contains("draft/chathistory"), "{ls}");
    assert!(
        ls.contains("batch") && ls.contains("labeled-response"),
        "{ls}"
    );
}

#[tokio::test]
async fn replayed_lines_carry_batch_time_msgid_and_the_original_source() {
    let server = start().await;
    let (_alice, mut bob, seen) = room_with_ten(&server).await;
    bob.send("CHATHISTORY LATEST #room * 1");
    let (open, lines) = next_batch(&mut bob).await;
    let id = parse(&open).arg(0).unwrap()[1..].to_string();
    assert_eq!(open, format!(":{SERVER} BATCH +{id} chathistory #room"));
    assert_eq!(
        lines,
        [format!(
            "@batch={id};time={};msgid={} :{} PRIVMSG #room m9",
            seen[9].time,
            seen[9].msgid,
            prefix("alice")
        )]
    );
}

#[tokio::test]
async fn latest_with_star_msgid_and_timestamp() {
    let server = start().await;
    let (_alice, mut bob, seen) = room_with_ten(&server).await;
    assert_eq!(
        ask_texts(&mut bob, "LATEST #room * 3").await,
        names(&seen, 7..=9)
    );
    assert_eq!(
        ask_texts(&mut bob, "LATEST #ROOM * 100").await,
        names(&seen, 0..=9)
    );
    let since = format!("LATEST #room msgid={} 100", seen[6].msgid);
    assert_eq!(ask_texts(&mut bob, &since).await, names(&seen, 7..=9));
    let since = format!("LATEST #room timestamp={} 2", seen[5].time);
    assert_eq!(ask_texts(&mut bob, &since).await, names(&seen, 8..=9));
}

#[tokio::test]
async fn before_and_after_exclude_their_anchor() {
    let server = start().await;
    let (_alice, mut bob, seen) = room_with_ten(&server).await;
    let request = format!("BEFORE #room msgid={} 2", seen[5].msgid);
    assert_eq!(ask_texts(&mut bob, &request).await, names(&seen, 3..=4));
    let request = format!("BEFORE #room timestamp={} 100", seen[5].time);
    assert_eq!(ask_texts(&mut bob, &request).await, names(&seen, 0..=4));
    let request = format!("AFTER #room msgid={} 2", seen[5].msgid);
    assert_eq!(ask_texts(&mut bob, &request).await, names(&seen, 6..=7));
    let request = format!("AFTER #room timestamp={} 100", seen[5].time);
    assert_eq!(ask_texts(&mut bob, &request).await, names(&seen, 6..=9));
}

#[tokio::test]
async fn around_splits_the_limit_around_the_anchor() {
    let server = start().await;
    let (_alice, mut bob, seen) = room_with_ten(&server).await;
    let request = format!("AROUND #room msgid={} 3", seen[5].msgid);
    assert_eq!(ask_texts(&mut bob, &request).await, names(&seen, 4..=6));
    let request = format!("AROUND #room timestamp={} 4", seen[5].time);
    assert_eq!(ask_texts(&mut bob, &request).await, names(&seen, 3..=6));
}

#[tokio::test]
async fn between_works_both_ways_with_either_selector() {
    let server = start().await;
    let (_alice, mut bob, seen) = room_with_ten(&server).await;
    let forward = format!(
        "BETWEEN #room msgid={} msgid={} 10",
        seen[2].msgid, seen[6].msgid
    );
    assert_eq!(ask_texts(&mut bob, &forward).await, names(&seen, 3..=5));
    let backward = format!(
        "BETWEEN #room msgid={} msgid={} 2",
        seen[6].msgid, seen[2].msgid
    );
    assert_eq!(ask_texts(&mut bob, &backward).await, names(&seen, 4..=5));
    let mixed = format!(
        "BETWEEN #room timestamp={} msgid={} 10",
        seen[2].time, seen[6].msgid
    );
    assert_eq!(ask_texts(&mut bob, &mixed).await, names(&seen, 3..=5));
}

#[tokio::test]
async fn limits_are_capped_at_the_advertised_maximum() {
    let mut config = history_config();
    config.history.chathistory_limit = 3;
    let server = TestServer::start_with(config).await;
    let (_alice, mut bob, seen) = room_with_ten(&server).await;
    assert_eq!(
        ask_texts(&mut bob, "LATEST #room * 50").await,
        names(&seen, 7..=9)
    );
    assert_eq!(
        ask_texts(&mut bob, "LATEST #room * 0").await,
        names(&seen, 7..=9)
    );
}

#[tokio::test]
async fn unknown_msgid_gives_an_empty_batch() {
    let server = start().await;
    let (_alice, mut bob, _seen) = room_with_ten(&server).await;
    assert!(
        ask(&mut bob, "BEFORE #room msgid=nosuchmessage 10")
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn bad_requests_get_standard_fail_replies() {
    let server = start().await;
    let (_alice, mut bob, _seen) = room_with_ten(&server).await;
    let cases = [
        ("CHATHISTORY", "FAIL CHATHISTORY NEED_MORE_PARAMS *"),
        (
            "CHATHISTORY SIDEWAYS #room * 10",
            "FAIL CHATHISTORY UNKNOWN_COMMAND SIDEWAYS",
        ),
        (
            "CHATHISTORY LATEST #room *",
            "FAIL CHATHISTORY NEED_MORE_PARAMS LATEST",
        ),
        (
            "CHATHISTORY BEFORE #room yesterday 10",
            "FAIL CHATHISTORY INVALID_PARAMS BEFORE yesterday",
        ),
        (
            "CHATHISTORY AFTER #room timestamp=noon 10",
            "FAIL CHATHISTORY INVALID_PARAMS AFTER timestamp=noon",
        ),
        (
            "CHATHISTORY LATEST #room * many",
            "FAIL CHATHISTORY INVALID_PARAMS LATEST many",
        ),
        (
            "CHATHISTORY TARGETS msgid=x timestamp=2020-01-01T00:00:00.000Z 10",
            "FAIL CHATHISTORY INVALID_PARAMS TARGETS msgid=x",
        ),
        (
            "CHATHISTORY LATEST #elsewhere * 10",
            "FAIL CHATHISTORY INVALID_TARGET LATEST #elsewhere",
        ),
        (
            "CHATHISTORY LATEST bad,nick * 10",
            "FAIL CHATHISTORY INVALID_TARGET LATEST bad,nick",
        ),
    ];
    for (request, wanted) in cases {
        bob.send(request);
        let reply = bob.expect(|line| command(line) == "FAIL").await;
        assert!(
            reply.starts_with(&format!(":{SERVER} {wanted} :")),
            "{request} -> {reply}"
        );
    }
}

#[tokio::test]
async fn private_history_is_served_only_to_its_two_participants() {
    let server = start().await;
    let mut alice = Client::register_with_caps(&server, "alice", ALL_CAPS).await;
    let mut bob = Client::register_with_caps(&server, "bob", ALL_CAPS).await;
    let mut carol = Client::register_with_caps(&server, "carol", ALL_CAPS).await;
    say_all(&mut alice, &mut bob, "bob", &["secret one"]).await;
    say_all(&mut bob, &mut alice, "alice", &["secret two"]).await;
    alice.join("#hidden").await;
    alice.send("MODE #hidden +s");
    alice.sync().await;

    // Both participants see the whole conversation, under the other's name.
    assert_eq!(
        ask_texts(&mut bob, "LATEST alice * 10").await,
        ["secret one", "secret two"]
    );
    assert_eq!(
        ask_texts(&mut alice, "LATEST BOB * 10").await,
        ["secret one", "secret two"]
    );
    // carol asking for either side gets her own (empty) conversation with them.
    assert!(ask(&mut carol, "LATEST bob * 10").await.is_empty());
    assert!(ask(&mut carol, "LATEST alice * 10").await.is_empty());
    // Nor does TARGETS reveal who talked to whom.
    let window = "timestamp=2000-01-01T00:00:00.000Z timestamp=2100-01-01T00:00:00.000Z 10";
    carol.send(&format!("CHATHISTORY TARGETS {window}"));
    let (open, carol_targets) = next_batch(&mut carol).await;
    assert!(open.ends_with(" draft/chathistory-targets"), "{open}");
    assert!(carol_targets.is_empty(), "{carol_targets:?}");
    bob.send(&format!("CHATHISTORY TARGETS {window}"));
    let (_, bob_targets) = next_batch(&mut bob).await;
    assert_eq!(bob_targets.len(), 1, "{bob_targets:?}");
    let line = parse(&bob_targets[0]);
    assert_eq!(line.command, "CHATHISTORY");
    assert_eq!(&line.params[..2], ["TARGETS", "alice"]);
    // A secret channel she is not in is not hers to read either.
    carol.send("CHATHISTORY LATEST #hidden * 10");
    let fail = carol.expect(|line| command(line) == "FAIL").await;
    assert!(fail.contains("INVALID_TARGET LATEST #hidden"), "{fail}");
}

#[tokio::test]
async fn targets_lists_channels_and_partners_by_latest_activity() {
    let server = start().await;
    let (mut alice, mut bob, _seen) = room_with_ten(&server).await;
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    say_all(&mut alice, &mut bob, "bob", &["later, in private"]).await;
    let window = "timestamp=2000-01-01T00:00:00.000Z timestamp=2100-01-01T00:00:00.000Z 10";
    bob.send(&format!("CHATHISTORY TARGETS {window}"));
    let (_, lines) = next_batch(&mut bob).await;
    let found: Vec<String> = lines.iter().map(|l| parse(l).params[1].clone()).collect();
    assert_eq!(found, ["#room", "alice"]);
    for line in &lines {
        assert!(tag(line, "batch").is_some(), "{line}");
    }
}

#[tokio::test]
async fn stored_target_is_the_channels_display_name() {
    let server = start().await;
    let mut alice = Client::register_with_caps(&server, "alice", ALL_CAPS).await;
    let mut bob = Client::register_with_caps(&server, "bob", ALL_CAPS).await;
    alice.join("#MixedCase").await;
    bob.send("JOIN #mixedcase");
    bob.expect_command("366").await;
    say_all(&mut bob, &mut alice, "#MIXEDCASE", &["shouting"]).await;
    let lines = ask(&mut alice, "LATEST #mixedcase * 10").await;
    assert_eq!(parse(&lines[0]).params[0], "#MixedCase", "{lines:?}");
}
