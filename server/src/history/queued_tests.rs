//! Tests of packed queued messages (fields, keys, peers, stored messages)
//! and of the buffers that hold them.

use super::*;
use crate::history::backlog::Backlog;
use crate::history::keys::{compare_concatenations, push_decimal, sender_first};
use crate::history::model::{Conversation, StoredMessage};
use crate::history::records::{Between, Records, Said, ToRecord};
use chrono::{DateTime, TimeZone, Utc};
use proptest::prelude::*;

fn time() -> DateTime<Utc> {
    Utc.timestamp_millis_opt(1_700_000_000_123)
        .single()
        .unwrap_or_default()
}

fn said<'a>(target: &'a str, text: &'a str, between: Between<'a>) -> ToRecord<'a> {
    ToRecord::Said(Said {
        msgid: "id-1",
        time: time(),
        kind: MessageKind::Notice,
        source: "Alice!al@10.0.0.1",
        target,
        text,
        between,
    })
}

/// One message packed alone.
fn packed(message: ToRecord<'_>) -> Records {
    let mut records = Records::default();
    records.push(&message);
    records
}

fn whisper(sender: [&str; 2], recipient: [&str; 2]) -> Records {
    packed(said(
        "Bob",
        "hi: there",
        Between::Private { sender, recipient },
    ))
}

fn only(records: &Records) -> QueuedMessage<'_> {
    assert_eq!(records.len(), 1);
    records.get(0).unwrap()
}

#[test]
fn history_queued_channel_message_keeps_every_field() {
    let records = packed(ToRecord::Said(Said {
        msgid: "id-0",
        time: time(),
        kind: MessageKind::Privmsg,
        source: "Alice!al@10.0.0.1",
        target: "#Lobby",
        text: "hello",
        between: Between::Channel("#lobby"),
    }));
    let message = only(&records);
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
    let records = whisper(["conn:", "zz9"], ["account:", "bob"]);
    let message = only(&records);
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

    let reverse_records = whisper(["account:", "bob"], ["conn:", "zz9"]);
    let reverse = only(&reverse_records);
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
        let records = packed(ToRecord::from(&stored));
        let queued = only(&records);
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

#[test]
fn history_records_keep_messages_in_order_and_reuse_their_buffer() {
    let mut records = Records::default();
    let texts: Vec<String> = (0..100).map(|n| format!("message {n}")).collect();
    for text in &texts {
        records.push(&said("#a", text, Between::Channel("#a")));
    }
    let read: Vec<&str> = records.iter().map(|message| message.text()).collect();
    assert_eq!(read, texts);
    let bytes = records.bytes();
    assert!(bytes >= texts.iter().map(String::len).sum::<usize>());
    // Drops by index and content; the others keep their fields.
    records.retain(|index, message| index % 2 == 0 && message.text() != "message 4");
    let kept: Vec<&str> = records.iter().map(|message| message.text()).collect();
    assert_eq!(kept[..3], ["message 0", "message 2", "message 6"]);
    assert_eq!(records.len(), 49);
    records.clear(usize::MAX);
    assert!(records.is_empty());
    assert_eq!(records.bytes(), 0);
}

#[test]
fn history_records_fill_blocks_in_turn_and_keep_them_when_emptied() {
    use crate::history::records::BLOCK;
    let mut records = Records::default();
    let texts: Vec<String> = (0..300)
        .map(|n| format!("{n} {}", "y".repeat(n * 37 % 900)))
        .collect();
    let long = "z".repeat(3 * BLOCK);
    let fill = |records: &mut Records| {
        for (n, text) in texts.iter().enumerate() {
            records.push(&said("#a", text, Between::Channel("#a")));
            if n == 150 {
                // Longer than a block: one of its own, the others go on.
                records.push(&said("#a", &long, Between::Channel("#a")));
            }
        }
    };
    fill(&mut records);
    let mut expected: Vec<&str> = texts.iter().map(String::as_str).collect();
    expected.insert(151, &long);
    let read: Vec<&str> = records.iter().map(|message| message.text()).collect();
    assert_eq!(read, expected);
    assert!(records.iter().all(|message| message.key() == "chan:#a"));
    let held = records.capacity();
    assert!(held >= 5 * BLOCK, "several blocks: {held}");
    // Emptied and filled again: the same blocks, nothing more allocated.
    records.clear(usize::MAX);
    fill(&mut records);
    assert_eq!(records.capacity(), held);
    let again: Vec<&str> = records.iter().map(|message| message.text()).collect();
    assert_eq!(again, expected);
    // A bound on what is kept gives back what a burst grew.
    records.clear(2 * BLOCK);
    assert!(
        records.capacity() <= 2 * BLOCK + 2 * BLOCK / 4,
        "{}",
        records.capacity()
    );
}

#[test]
fn history_backlog_keeps_the_buffers_it_took_in_order_and_within_its_room() {
    let mut backlog = Backlog::default();
    let mut intake = Records::default();
    for round in 0..3usize {
        for n in 0..4 {
            let text = format!("{round}.{n}");
            intake.push(&said("#a", &text, Between::Channel("#a")));
        }
        let over = (round * 4 + 4).saturating_sub(10);
        assert_eq!(backlog.append(&mut intake, 10 - backlog.len()), over);
        assert!(intake.is_empty(), "the buffer is handed over whole");
    }
    // The third take had room for two of its four.
    assert_eq!(backlog.len(), 10);
    let texts: Vec<&str> = backlog.iter().map(|message| message.text()).collect();
    assert_eq!(
        texts,
        [
            "0.0", "0.1", "0.2", "0.3", "1.0", "1.1", "1.2", "1.3", "2.0", "2.1"
        ]
    );
    backlog.retain(|message| !message.text().ends_with(".1"));
    assert_eq!(backlog.len(), 7);
    backlog.clear();
    assert!(backlog.is_empty());
    assert_eq!(backlog.iter().count(), 0);
}

proptest! {
    #[test]
    fn history_queued_private_key_matches_conversation_key(
        sender in "[a-z:]{0,6}", sender_tail in "[a-z:0-9]{0,12}",
        recipient in "[a-z:]{0,6}", recipient_tail in "[a-z:0-9]{0,12}",
    ) {
        let records = whisper([&sender, &sender_tail], [&recipient, &recipient_tail]);
        let message = only(&records);
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

    #[test]
    fn history_queued_pieces_compare_as_their_concatenations(
        a in proptest::collection::vec("[a-c:é]{0,4}", 0..4),
        b in proptest::collection::vec("[a-c:é]{0,4}", 0..4),
    ) {
        fn pieces(strings: &[String]) -> Vec<&str> {
            strings.iter().map(String::as_str).collect()
        }
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
