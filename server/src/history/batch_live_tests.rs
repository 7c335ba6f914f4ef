//! Tests of writing a live batch in one pass: it stores what the grouped
//! path stores, and the writer takes the grouped path when a message is
//! replayed.

use crate::history::backlog::Backlog;
use crate::history::batch::{self, ConversationCache};
use crate::history::block::MAX_MESSAGES;
use crate::history::blocks::StoredBlock;
use crate::history::model::{Conversation, MessageKind, StoredMessage, msgid_from};
use crate::history::queued::QueuedMessage;
use crate::history::records::{Between, Records, Said, ToRecord};
use crate::history::schema;
use chrono::{TimeZone, Utc};
use rusqlite::Connection;

const BASE_MS: i64 = 1_700_000_000_000;

/// One stored entry: time, kind, stray, msgid, source, target, text.
type Listed = (i64, MessageKind, bool, String, String, String, String);

/// `n` live messages over two channels and a private conversation (written
/// from both sides),
/// interleaved, one channel with more than a block holds, display names
/// that change along the way, some msgids this server did not make.
fn live(n: usize) -> Records {
    let mut records = Records::default();
    for at in 0..n {
        let time_ms = BASE_MS + (at / 50) as i64;
        let msgid = if at % 11 == 0 {
            format!("other-{at}")
        } else {
            msgid_from(time_ms as u64, at as u128)
        };
        let text = format!("message {at}");
        let time = Utc.timestamp_millis_opt(time_ms).single().unwrap();
        let (nick, target, between) = match at % 5 {
            0..=2 => ("alice", "#Big", Between::Channel("#big")),
            3 if at % 2 == 0 => ("bob", "#small", Between::Channel("#small")),
            3 => (
                if at < n / 2 { "Carol" } else { "CAROL" },
                "dave",
                Between::Private {
                    sender: ["nick:", "carol"],
                    recipient: ["nick:", "dave"],
                },
            ),
            _ => (
                "dave",
                if at < n / 3 { "carol" } else { "CAROL" },
                Between::Private {
                    sender: ["nick:", "dave"],
                    recipient: ["nick:", "carol"],
                },
            ),
        };
        let source = format!("{nick}!u@h");
        records.push(&ToRecord::Said(Said {
            msgid: &msgid,
            time,
            kind: if at % 7 == 0 {
                MessageKind::Notice
            } else {
                MessageKind::Privmsg
            },
            source: &source,
            target,
            text: &text,
            between,
        }));
    }
    records
}

/// A conversation as stored: key, display names, its blocks' sizes and its
/// entries in block order.
type Stored = (String, String, Option<String>, Vec<usize>, Vec<Listed>);

/// Each conversation, by key.
fn stored(conn: &Connection) -> Vec<Stored> {
    let mut conversations = conn
        .prepare("SELECT id, key, display_a, display_b FROM conversations ORDER BY key")
        .unwrap();
    let rows: Vec<(i64, String, String, Option<String>)> = conversations
        .query_map([], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut blocks = conn
        .prepare("SELECT id FROM message_blocks WHERE conversation = ?1 ORDER BY id")
        .unwrap();
    rows.into_iter()
        .map(|(id, key, display_a, display_b)| {
            let ids: Vec<i64> = blocks
                .query_map([id], |row| row.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            let (mut sizes, mut entries) = (Vec::new(), Vec::new());
            for block in ids {
                let block = StoredBlock::load(conn, block).unwrap();
                let before = entries.len();
                for entry in block.entries().unwrap() {
                    let entry = entry.unwrap();
                    entries.push((
                        entry.time_ms,
                        entry.kind,
                        entry.stray,
                        entry.msgid.as_str().to_owned(),
                        entry.source.to_owned(),
                        entry.target.to_owned(),
                        entry.text.to_owned(),
                    ));
                }
                sizes.push(entries.len() - before);
            }
            (key, display_a, display_b, sizes, entries)
        })
        .collect()
}

fn strays(conn: &Connection) -> Vec<String> {
    let mut strays: Vec<String> = conn
        .prepare("SELECT msgid FROM block_strays")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    strays.sort();
    strays
}

/// The one-pass path and the grouped path store the same conversations,
/// display names (the last message's), blocks and entries, in queue order.
#[test]
fn a_live_batch_is_stored_as_the_grouped_path_stores_it() {
    let records = live(MAX_MESSAGES * 3 + 100);
    let list: Vec<QueuedMessage<'_>> = records.iter().collect();
    let (grouped_dir, live_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut grouped = schema::open_writer(grouped_dir.path()).unwrap();
    batch::insert_batch(&mut grouped.conn, &mut ConversationCache::new(), &list, &[]).unwrap();
    let mut one_pass = schema::open_writer(live_dir.path()).unwrap();
    batch::insert_live(
        &mut one_pass.conn,
        &mut ConversationCache::new(),
        records.iter(),
        &[],
    )
    .unwrap();

    let expected = stored(&grouped.conn);
    assert_eq!(stored(&one_pass.conn), expected);
    assert_eq!(strays(&one_pass.conn), strays(&grouped.conn));
    // What the comparison covers: blocks filled mid-batch, changed display
    // names, every message in queue order.
    let big = expected
        .iter()
        .find(|c| c.0 == Conversation::channel("#big").key());
    let big = big.unwrap();
    assert!(big.3.len() >= 2 && big.3[0] == MAX_MESSAGES, "{:?}", big.3);
    let private = Conversation::private("nick:carol", "nick:dave").key();
    let private = expected.iter().find(|c| c.0 == private).unwrap();
    // Its first message named carol "Carol", its last "CAROL".
    assert_eq!(
        (private.1.as_str(), private.2.as_deref()),
        ("CAROL", Some("dave"))
    );
    let texts: Vec<&str> = expected
        .iter()
        .flat_map(|c| c.4.iter().map(|entry| entry.6.as_str()))
        .collect();
    assert_eq!(texts.len(), list.len());
    assert!(!strays(&grouped.conn).is_empty());
}

/// A second batch goes on with the conversations' rows from the writer's
/// cache, with new blocks after the first batch's.
#[test]
fn a_second_live_batch_adds_blocks_after_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let mut writer = schema::open_writer(dir.path()).unwrap();
    let mut cache = ConversationCache::new();
    let (first, second) = (live(40), live(30));
    batch::insert_live(&mut writer.conn, &mut cache, first.iter(), &[]).unwrap();
    batch::insert_live(&mut writer.conn, &mut cache, second.iter(), &[]).unwrap();
    let conversations = stored(&writer.conn);
    assert_eq!(conversations.len(), 3);
    for (key, _, _, sizes, entries) in conversations {
        assert_eq!(sizes.len(), 2, "{key}: one block per batch");
        let texts: Vec<String> = entries.into_iter().map(|entry| entry.6).collect();
        let expected: Vec<String> = first
            .iter()
            .chain(second.iter())
            .filter(|message| message.key() == key)
            .map(|message| message.text().to_owned())
            .collect();
        assert_eq!(texts, expected);
    }
}

/// The writer sends a batch through the grouped path (which drops
/// repeats) exactly when a message in it is replayed.
#[test]
fn a_backlog_says_whether_any_message_is_replayed() {
    let mut backlog = Backlog::default();
    let mut intake = live(3);
    assert!(!intake.any_replayed());
    backlog.append(&mut intake, 10);
    assert!(!backlog.any_replayed());
    let replayed = StoredMessage {
        msgid: msgid_from(BASE_MS as u64, 7),
        time: Utc.timestamp_millis_opt(BASE_MS).single().unwrap(),
        conversation: Conversation::channel("#big"),
        kind: MessageKind::Privmsg,
        source: "alice!u@h".into(),
        target: "#big".into(),
        text: "again".into(),
    };
    intake.push(&replayed.into());
    assert!(intake.any_replayed());
    backlog.append(&mut intake, 10);
    assert!(backlog.any_replayed());
    backlog.clear();
    assert!(!backlog.any_replayed());
}
