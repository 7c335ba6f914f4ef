//! Tests of the packed queued message (fields, keys, peers, the conversions).

use super::*;
use chrono::TimeZone;
use proptest::prelude::*;

fn time() -> DateTime<Utc> {
    Utc.timestamp_millis_opt(1_700_000_000_123)
        .single()
        .unwrap_or_default()
}

fn whisper(sender: [&str; 2], recipient: [&str; 2]) -> QueuedMessage {
    QueuedMessage::new(
        "id-1",
        time(),
        MessageKind::Notice,
        ["Alice", "al", "10.0.0.1"],
        "Bob",
        "hi: there",
        Between::Private { sender, recipient },
    )
}

#[test]
fn history_queued_channel_message_keeps_every_field() {
    let message = QueuedMessage::new(
        "id-0",
        time(),
        MessageKind::Privmsg,
        ["Alice", "al", "10.0.0.1"],
        "#Lobby",
        "hello",
        Between::Channel("#lobby"),
    );
    assert_eq!(message.msgid(), "id-0");
    assert_eq!(message.source(), "Alice!al@10.0.0.1");
    assert_eq!(message.source_nick(), "Alice");
    assert!(!message.replayed(), "a fresh msgid is new to the store");
    assert_eq!(message.target(), "#Lobby");
    assert_eq!(message.text(), "hello");
    assert_eq!(message.key(), Conversation::channel("#lobby").key());
    assert_eq!(message.time_ms(), 1_700_000_000_123);
    assert_eq!(message.kind(), MessageKind::Privmsg);
    assert!(message.in_channel("#lobby"));
    assert!(!message.in_channel("#lobb"));
    let peers = message.peers();
    assert_eq!((peers.a, peers.b), ("#lobby", None));
    assert_eq!((peers.display_a, peers.display_b), ("#Lobby", None));
}

#[test]
fn history_queued_whisper_is_filed_like_conversation_private() {
    // The sender sorts after the recipient: it is the conversation's b.
    let message = whisper(["conn:", "zz9"], ["account:", "bob"]);
    let expected = Conversation::private("conn:zz9", "account:bob");
    assert_eq!(message.key(), expected.key());
    let Conversation::Private(pair) = expected else {
        panic!("not private")
    };
    let peers = message.peers();
    assert_eq!((peers.a, peers.b), (pair.a(), Some(pair.b())));
    // Display names follow the sides, not the order of the message.
    assert_eq!((peers.display_a, peers.display_b), ("Bob", Some("Alice")));
    assert!(!message.in_channel("#lobby"));

    let reverse = whisper(["account:", "bob"], ["conn:", "zz9"]);
    assert_eq!(reverse.key(), message.key());
    let peers = reverse.peers();
    assert_eq!((peers.display_a, peers.display_b), ("Alice", Some("Bob")));
}

#[test]
fn history_queued_from_stored_message_is_the_same_row() {
    for conversation in [
        Conversation::channel("#x"),
        Conversation::private("account:carol", "account:alice"),
        Conversation::private("account:alice", "account:carol"),
    ] {
        let stored = StoredMessage {
            msgid: "m".into(),
            time: time(),
            conversation: conversation.clone(),
            kind: MessageKind::Privmsg,
            source: "carol!c@h".into(),
            target: "#X".into(),
            text: "text".into(),
        };
        let queued = QueuedMessage::from(&stored);
        assert_eq!(queued.key(), conversation.key());
        assert_eq!(
            (
                queued.msgid(),
                queued.source(),
                queued.target(),
                queued.text()
            ),
            ("m", "carol!c@h", "#X", "text")
        );
        assert_eq!(queued.time_ms(), stored.time.timestamp_millis());
        assert!(queued.replayed(), "the store may hold it already");
        if let Conversation::Private(pair) = &conversation {
            let peers = queued.peers();
            assert_eq!((peers.a, peers.b), (pair.a(), Some(pair.b())));
            let sender_side = if pair.actor_is_a() {
                peers.display_a
            } else {
                peers.display_b.unwrap_or_default()
            };
            assert_eq!(sender_side, "carol");
        }
    }
}

proptest! {
    #[test]
    fn history_queued_private_key_matches_conversation_key(
        sender in "[a-z:]{0,6}", sender_tail in "[a-z:0-9]{0,12}",
        recipient in "[a-z:]{0,6}", recipient_tail in "[a-z:0-9]{0,12}",
    ) {
        let message = whisper([&sender, &sender_tail], [&recipient, &recipient_tail]);
        let (sender, recipient) = (sender + &sender_tail, recipient + &recipient_tail);
        let expected = Conversation::private(sender.as_str(), recipient.as_str());
        prop_assert_eq!(message.key(), expected.key());
        let Conversation::Private(pair) = expected else {
            panic!("not private")
        };
        let peers = message.peers();
        prop_assert_eq!((peers.a, peers.b), (pair.a(), Some(pair.b())));
        prop_assert_eq!(message.text(), "hi: there");
    }
}

proptest! {
    #[test]
    fn history_queued_pieces_compare_as_their_concatenations(
        a in proptest::collection::vec("[a-c:é]{0,4}", 0..4),
        b in proptest::collection::vec("[a-c:é]{0,4}", 0..4),
    ) {
        let pieces = |strings: &[String]| strings.iter().map(String::as_str).collect::<Vec<_>>();
        let (joined_a, joined_b) = (a.concat(), b.concat());
        prop_assert_eq!(
            compare_concatenations(&pieces(&a), &pieces(&b)),
            joined_a.cmp(&joined_b)
        );
        prop_assert_eq!(sender_first(&pieces(&a), &pieces(&b)), joined_a <= joined_b);
    }

    #[test]
    fn history_queued_key_length_is_written_in_decimal(n in any::<usize>()) {
        let mut written = String::from("x");
        push_decimal(&mut written, n);
        prop_assert_eq!(written, format!("x{n}"));
    }
}

#[test]
fn history_queued_key_length_edges() {
    for n in [0, 9, 10, 99, 100, usize::MAX] {
        let mut written = String::new();
        push_decimal(&mut written, n);
        assert_eq!(written, n.to_string());
    }
}
