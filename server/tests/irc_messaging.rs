//! IRC messaging over real TCP: PRIVMSG, NOTICE and TAGMSG to channels and
//! nicks, their errors, and the capabilities that change delivery
//! (echo-message, server-time, message-tags, away-notify).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Client, QUIET, SERVER, command, parse, prefix, start};

/// alice, bob and carol in #a; everyone's JOIN traffic consumed.
async fn three_in_a_channel(
    server: &natterd::testing::TestServer,
    carol_caps: &[&str],
) -> (Client, Client, Client) {
    let mut alice = Client::register(server, "alice").await;
    alice.join("#a").await;
    let mut bob = Client::register(server, "bob").await;
    bob.join("#a").await;
    let mut carol = Client::register_with_caps(server, "carol", carol_caps).await;
    carol.join("#a").await;
    alice
        .expect(|l| l.contains("JOIN") && l.contains("carol"))
        .await;
    bob.expect(|l| l.contains("JOIN") && l.contains("carol"))
        .await;
    (alice, bob, carol)
}

#[tokio::test]
async fn privmsg_to_a_channel_reaches_every_other_member_once() {
    let server = start().await;
    let (mut alice, mut bob, mut carol) = three_in_a_channel(&server, &[]).await;
    alice.send("PRIVMSG #a :hello everyone");
    let line = format!(":{} PRIVMSG #a :hello everyone", prefix("alice"));
    bob.expect_next(&line).await;
    carol.expect_next(&line).await;
    // Without echo-message the sender gets nothing back.
    assert!(alice.sync().await.is_empty());
    bob.assert_no_line_within(QUIET).await;
}

#[tokio::test]
async fn privmsg_and_notice_to_a_nick_reach_only_that_nick() {
    let server = start().await;
    let (mut alice, mut bob, mut carol) = three_in_a_channel(&server, &[]).await;
    alice.send("PRIVMSG Bob :just between us");
    bob.expect_next(format!(":{} PRIVMSG Bob :just between us", prefix("alice")))
        .await;
    alice.send("NOTICE bob :a notice");
    bob.expect_next(format!(":{} NOTICE bob :a notice", prefix("alice")))
        .await;
    alice.send("NOTICE #a :channel notice");
    bob.expect_next(format!(":{} NOTICE #a :channel notice", prefix("alice")))
        .await;
    carol
        .expect_next(format!(":{} NOTICE #a :channel notice", prefix("alice")))
        .await;
    carol.assert_no_line_within(QUIET).await;
    assert!(alice.sync().await.is_empty());
}

#[tokio::test]
async fn privmsg_errors_401_403_404_411_412() {
    let server = start().await;
    let (mut alice, _bob, _carol) = three_in_a_channel(&server, &[]).await;
    alice.send("PRIVMSG nobody :hi");
    alice
        .expect_next(format!(":{SERVER} 401 alice nobody :No such nick/channel"))
        .await;
    alice.send("PRIVMSG #nowhere :hi");
    alice
        .expect_next(format!(":{SERVER} 403 alice #nowhere :No such channel"))
        .await;
    alice.send("PRIVMSG");
    alice
        .expect_next(format!(":{SERVER} 411 alice :No recipient given (PRIVMSG)"))
        .await;
    alice.send("PRIVMSG bob");
    alice
        .expect_next(format!(":{SERVER} 412 alice :No text to send"))
        .await;
    alice.send("PRIVMSG bob :");
    alice
        .expect_next(format!(":{SERVER} 412 alice :No text to send"))
        .await;
    // +n (the default): outsiders cannot send to the channel.
    let mut dave = Client::register(&server, "dave").await;
    dave.send("PRIVMSG #a :let me in");
    let refused = parse(&dave.recv_line().await);
    assert_eq!(refused.command, "404");
    assert_eq!(refused.params[..2], ["dave", "#a"]);
    assert!(refused.params[2].starts_with("Cannot send to channel"));
}

#[tokio::test]
async fn notice_never_gets_an_error_reply() {
    let server = start().await;
    let (_alice, _bob, _carol) = three_in_a_channel(&server, &[]).await;
    let mut dave = Client::register(&server, "dave").await;
    dave.send("NOTICE nobody :hi");
    dave.send("NOTICE #nowhere :hi");
    dave.send("NOTICE #a :outsider");
    dave.send("NOTICE");
    dave.send("NOTICE bob");
    let replies = dave.sync().await;
    assert!(replies.is_empty(), "{replies:?}");
}

#[tokio::test]
async fn multiple_targets_each_get_the_message() {
    let server = start().await;
    let (mut alice, mut bob, mut carol) = three_in_a_channel(&server, &[]).await;
    alice.send("PRIVMSG bob,carol :to you both");
    bob.expect_next(format!(":{} PRIVMSG bob :to you both", prefix("alice")))
        .await;
    carol
        .expect_next(format!(":{} PRIVMSG carol :to you both", prefix("alice")))
        .await;
}

#[tokio::test]
async fn echo_message_returns_the_senders_own_messages() {
    let server = start().await;
    let (_alice, mut bob, mut carol) = three_in_a_channel(&server, &["echo-message"]).await;
    carol.send("PRIVMSG #a :echoed");
    let line = format!(":{} PRIVMSG #a :echoed", prefix("carol"));
    carol.expect_next(&line).await;
    bob.expect_next(&line).await;
    carol.send("PRIVMSG bob :private echo");
    carol
        .expect_next(format!(":{} PRIVMSG bob :private echo", prefix("carol")))
        .await;
}

fn assert_server_time(value: &str) {
    // YYYY-MM-DDThh:mm:ss.sssZ
    let bytes = value.as_bytes();
    assert_eq!(bytes.len(), 24, "{value}");
    for (index, byte) in bytes.iter().enumerate() {
        let expected = match index {
            4 | 7 => Some(b'-'),
            10 => Some(b'T'),
            13 | 16 => Some(b':'),
            19 => Some(b'.'),
            23 => Some(b'Z'),
            _ => None,
        };
        match expected {
            Some(wanted) => assert_eq!(*byte, wanted, "{value}"),
            None => assert!(byte.is_ascii_digit(), "{value}"),
        }
    }
    let year: i32 = value[..4].parse().unwrap();
    assert!(year >= 2024, "{value}");
}

#[tokio::test]
async fn server_time_tags_messages_with_rfc3339_milliseconds() {
    let server = start().await;
    let (mut alice, _bob, mut carol) = three_in_a_channel(&server, &["server-time"]).await;
    alice.send("PRIVMSG #a :what time is it");
    let line = carol.recv_line().await;
    let message = parse(&line);
    assert_eq!(message.command, "PRIVMSG");
    assert_eq!(message.params, ["#a", "what time is it"]);
    assert_eq!(message.tags.len(), 1, "{line}");
    assert_server_time(message.tag_value("time").unwrap());
}

#[tokio::test]
async fn message_tags_adds_msgid_and_relays_client_tags() {
    let server = start().await;
    let (mut alice, mut bob, mut carol) = three_in_a_channel(&server, &["message-tags"]).await;
    alice.send("@+draft/react=x PRIVMSG #a :tagged");
    bob.expect_next(format!(":{} PRIVMSG #a :tagged", prefix("alice")))
        .await;
    let message = parse(&carol.recv_line().await);
    assert_eq!(message.params, ["#a", "tagged"]);
    assert!(!message.tag_value("msgid").unwrap().is_empty());
    assert_server_time(message.tag_value("time").unwrap());
    assert_eq!(message.tag_value("+draft/react"), Some("x"));
    // Two messages never share a msgid.
    alice.send("PRIVMSG #a :again");
    let second = parse(&carol.recv_line().await);
    assert_ne!(second.tag_value("msgid"), message.tag_value("msgid"));
}

#[tokio::test]
async fn tagmsg_reaches_only_message_tags_clients() {
    let server = start().await;
    let (mut alice, mut bob, mut carol) = three_in_a_channel(&server, &["message-tags"]).await;
    alice.send("@+typing=active TAGMSG #a");
    let message = parse(&carol.recv_line().await);
    assert_eq!(message.command, "TAGMSG");
    assert_eq!(message.source.as_deref(), Some(prefix("alice").as_str()));
    assert_eq!(message.params, ["#a"]);
    assert_eq!(message.tag_value("+typing"), Some("active"));
    bob.assert_no_line_within(QUIET).await;
    assert!(alice.sync().await.is_empty());
}

#[tokio::test]
async fn away_sets_305_306_and_whisperers_get_301() {
    let server = start().await;
    let (mut alice, mut bob, mut carol) = three_in_a_channel(&server, &["away-notify"]).await;
    bob.send("AWAY :gone fishing");
    bob.expect_next(format!(
        ":{SERVER} 306 bob :You have been marked as being away"
    ))
    .await;
    carol
        .expect_next(format!(":{} AWAY :gone fishing", prefix("bob")))
        .await;
    alice.send("PRIVMSG bob :are you there?");
    alice
        .expect_next(format!(":{SERVER} 301 alice bob :gone fishing"))
        .await;
    bob.expect_next(format!(":{} PRIVMSG bob :are you there?", prefix("alice")))
        .await;
    // NOTICE never triggers the automatic reply.
    alice.send("NOTICE bob :ping");
    assert!(alice.sync().await.is_empty());
    bob.send("AWAY");
    bob.expect(|l| command(l) == "305").await;
    assert_eq!(
        bob.transcript.last().unwrap(),
        &format!(":{SERVER} 305 bob :You are no longer marked as being away")
    );
    carol.expect_next(format!(":{} AWAY", prefix("bob"))).await;
    alice.send("PRIVMSG bob :back?");
    assert!(alice.sync().await.is_empty());
    // Clients without away-notify never see AWAY lines.
    let seen = alice
        .transcript
        .iter()
        .filter(|l| command(l) == "AWAY")
        .count();
    assert_eq!(seen, 0);
}

#[tokio::test]
async fn away_notify_client_learns_a_joiners_away_state() {
    let server = start().await;
    let mut carol = Client::register_with_caps(&server, "carol", &["away-notify"]).await;
    carol.join("#a").await;
    let mut bob = Client::register(&server, "bob").await;
    bob.send("AWAY :brb");
    bob.expect_command("306").await;
    bob.join("#a").await;
    carol
        .expect_next(format!(":{} JOIN #a", prefix("bob")))
        .await;
    carol
        .expect_next(format!(":{} AWAY brb", prefix("bob")))
        .await;
}

#[tokio::test]
async fn nick_change_is_seen_once_by_everyone_sharing_a_channel() {
    let server = start().await;
    let (mut alice, mut bob, mut carol) = three_in_a_channel(&server, &[]).await;
    alice.join("#b").await;
    bob.join("#b").await;
    alice.expect_command("JOIN").await;
    let mut dave = Client::register(&server, "dave").await;
    alice.send("NICK alicia");
    let line = format!(":{} NICK alicia", prefix("alice"));
    alice.expect_next(&line).await;
    bob.expect_next(&line).await;
    carol.expect_next(&line).await;
    bob.assert_no_line_within(QUIET).await;
    dave.assert_no_line_within(QUIET).await;
    bob.send("PRIVMSG alicia :new name");
    alice
        .expect_next(format!(":{} PRIVMSG alicia :new name", prefix("bob")))
        .await;
    bob.send("PRIVMSG alice :old name");
    bob.expect_command("401").await;
    // A case change of one's own nick is allowed.
    alice.send("NICK Alicia");
    alice
        .expect_next(":alicia!~alice@127.0.0.1 NICK Alicia")
        .await;
}

#[tokio::test]
async fn quit_is_seen_by_peers_and_the_quitter_gets_error() {
    let server = start().await;
    let (mut alice, mut bob, mut carol) = three_in_a_channel(&server, &[]).await;
    alice.send("QUIT :off to bed");
    let quit = format!(":{} QUIT :Quit: off to bed", prefix("alice"));
    bob.expect_next(&quit).await;
    carol.expect_next(&quit).await;
    let last = alice.closed().await;
    assert_eq!(last.len(), 1, "{last:?}");
    assert!(last[0].starts_with("ERROR :"), "{last:?}");
    bob.send("PRIVMSG alice :gone?");
    bob.expect_command("401").await;
    // The nickname is free again.
    let _again = Client::register(&server, "alice").await;
}

#[tokio::test]
async fn dropped_connection_quits_with_a_reason() {
    let server = start().await;
    let (alice, mut bob, _carol) = three_in_a_channel(&server, &[]).await;
    drop(alice);
    let quit = parse(&bob.expect_command("QUIT").await);
    assert_eq!(quit.source.as_deref(), Some(prefix("alice").as_str()));
    assert!(!quit.params[0].is_empty());
}

#[tokio::test]
async fn echo_carries_the_same_msgid_as_the_delivered_copies() {
    let server = start().await;
    let mut alice =
        Client::register_with_caps(&server, "alice", &["echo-message", "message-tags"]).await;
    alice.join("#a").await;
    let mut bob = Client::register_with_caps(&server, "bob", &["message-tags"]).await;
    bob.join("#a").await;
    alice.expect_command("JOIN").await;
    alice.send("@+label=x PRIVMSG #a :same id");
    let echo = parse(&alice.recv_line().await);
    let copy = parse(&bob.recv_line().await);
    assert_eq!(echo.params, ["#a", "same id"]);
    assert_eq!(echo.tag_value("msgid"), copy.tag_value("msgid"));
    assert!(echo.tag_value("msgid").is_some());
}

/// The millisecond a natterd msgid carries in its first 8 characters
/// (base64url digits in ASCII order, 6 bits each).
fn msgid_millis(msgid: &str) -> i64 {
    const ALPHABET: &[u8] = b"-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";
    msgid.as_bytes()[..8].iter().fold(0, |millis, byte| {
        let digit = ALPHABET.iter().position(|a| a == byte).unwrap();
        millis << 6 | digit as i64
    })
}

#[tokio::test]
async fn whispers_from_two_senders_have_unique_ids_and_times_in_the_order_received() {
    let mut config = common::test_config();
    config.limits.flood_burst = 1000;
    config.limits.flood_max_queued = 1000;
    let server = natterd::testing::TestServer::start_with(config).await;
    let mut bob =
        Client::register_with_caps(&server, "bob", &["message-tags", "server-time"]).await;
    let mut alice = Client::register(&server, "alice").await;
    let mut carol = Client::register(&server, "carol").await;
    // Each burst in one write: the server reads many lines at once.
    let burst = |from: &str| {
        (0..150)
            .map(|n| format!("PRIVMSG bob :{from} {n}\r\n"))
            .collect::<String>()
    };
    alice.send_bytes(burst("alice").as_bytes());
    carol.send_bytes(burst("carol").as_bytes());
    let mut ids = std::collections::HashSet::new();
    let mut last = 0;
    let mut next = [0, 0];
    for _ in 0..300 {
        let message = parse(&bob.recv_line().await);
        let id = message.tag_value("msgid").unwrap().to_owned();
        let time = message.tag_value("time").unwrap();
        let millis = chrono::DateTime::parse_from_rfc3339(time)
            .unwrap()
            .timestamp_millis();
        // The id and the server time come from one clock reading.
        assert_eq!(msgid_millis(&id), millis, "{id} {time}");
        assert!(millis >= last, "{time} after {last} ms");
        last = millis;
        assert!(ids.insert(id), "a msgid seen twice");
        // Each sender's messages in the order sent.
        let (who, n) = message.params[1].split_once(' ').unwrap();
        let slot = usize::from(who == "carol");
        assert_eq!(n.parse::<usize>().unwrap(), next[slot], "{who}");
        next[slot] += 1;
    }
    assert_eq!(next, [150, 150]);
}
