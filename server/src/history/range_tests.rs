//! Tests of the readers over blocks: every selection answers as a plain
//! model does from messages stored as blocks (written here with the codec),
//! including blocks that overlap in time, equal times, stream sequences,
//! strays and another conversation's messages at the same times.

use super::block::{BlockBuilder, BlockEntry};
use super::model::{Conversation, MessageKind, msgid_from, msgid_parts};
use super::msgid::is_stray;
use super::query::{Anchor, HistoryQuery, Selection, run_query};
use super::range::MAX_SPAN_MS;
use super::range_model::{Modelled, answer};
use super::schema::{WriterConnection, open_writer};
use super::targets::{TargetsQuery, run_targets};
use super::{HistoryError, StoredMessage};
use chrono::{DateTime, TimeZone, Utc};
use rusqlite::{Connection, params};
use std::path::Path;

const BASE_MS: i64 = 1_700_000_000_000;

/// One message as the test stores it.
#[derive(Clone, Debug)]
struct Message {
    conversation: i64,
    msgid: String,
    time_ms: i64,
    seq: i64,
    notice: bool,
    text: String,
}

impl Message {
    fn entry(&self) -> BlockEntry<'_> {
        BlockEntry {
            time_ms: self.time_ms,
            kind: if self.notice {
                MessageKind::Notice
            } else {
                MessageKind::Privmsg
            },
            stray: is_stray(msgid_parts(&self.msgid), self.time_ms),
            msgid: self.msgid.as_str().into(),
            source: "alice!a@127.0.0.1",
            target: "#lobby",
            text: &self.text,
        }
    }
}

/// A fresh database with two channels, `#lobby` (id 1) and `#other` (id 2).
fn database() -> (tempfile::TempDir, WriterConnection) {
    let dir = tempfile::tempdir().unwrap();
    let writer = open_writer(dir.path()).unwrap();
    for name in ["#lobby", "#other"] {
        writer
            .conn
            .execute(
                "INSERT INTO conversations (key, is_channel, peer_a, display_a) VALUES (?1, 1, ?2, ?2)",
                params![Conversation::channel(name).key(), name],
            )
            .unwrap();
    }
    (dir, writer)
}

/// Stores `messages` (in queue order, all of one conversation) as one block,
/// with its strays and stream sequences in the side tables.
fn store_block(conn: &Connection, messages: &[Message]) {
    let mut builder = BlockBuilder::new();
    for message in messages {
        builder.push(&message.entry());
    }
    assert!(builder.last_ms() - builder.first_ms() <= MAX_SPAN_MS);
    conn.execute(
        "INSERT INTO message_blocks (conversation, first_ms, last_ms, count, body)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            messages[0].conversation,
            builder.first_ms(),
            builder.last_ms(),
            builder.count() as i64,
            builder.body()
        ],
    )
    .unwrap();
    let block = conn.last_insert_rowid();
    for (idx, message) in messages.iter().enumerate() {
        if is_stray(msgid_parts(&message.msgid), message.time_ms) {
            conn.execute(
                "INSERT INTO block_strays (block, idx, msgid) VALUES (?1, ?2, ?3)",
                params![block, idx as i64, message.msgid],
            )
            .unwrap();
        }
        if message.seq != 0 {
            conn.execute(
                "INSERT INTO block_seqs (block, idx, seq) VALUES (?1, ?2, ?3)",
                params![block, idx as i64, message.seq],
            )
            .unwrap();
        }
    }
}

/// Stores `messages` as blocks: runs of consecutive messages of one
/// conversation, of random length, none spanning more than [`MAX_SPAN_MS`].
fn store_blocks(conn: &Connection, messages: &[Message], rng: &mut fastrand::Rng) {
    let mut start = 0;
    while start < messages.len() {
        let wanted = rng.usize(1..=12);
        let (mut first, mut last) = (messages[start].time_ms, messages[start].time_ms);
        let mut end = start + 1;
        while end < messages.len()
            && end - start < wanted
            && messages[end].conversation == messages[start].conversation
        {
            let time = messages[end].time_ms;
            if last.max(time) - first.min(time) > MAX_SPAN_MS {
                break;
            }
            (first, last) = (first.min(time), last.max(time));
            end += 1;
        }
        store_block(conn, &messages[start..end]);
        start = end;
    }
}

/// A conversation's queue of messages: mostly ascending times with many
/// equal ones, replayed messages up to 8 s in the past (so blocks overlap),
/// stream sequences, strays of both kinds, and `#other`'s messages at the
/// same times in between.
fn messages(rng: &mut fastrand::Rng, count: usize) -> Vec<Message> {
    let mut time = BASE_MS;
    let mut out = Vec::new();
    for n in 0..count {
        time += [0, 0, 1, 3, 40, 700][rng.usize(0..6)];
        let at = if rng.u8(0..8) == 0 {
            time - rng.i64(0..8_000)
        } else {
            time
        };
        let msgid = match rng.u8(0..10) {
            0 => format!("legacy-{n}"),
            1 => msgid_from((at + 5_000) as u64, rng.u128(..)),
            _ => msgid_from(at as u64, rng.u128(..)),
        };
        out.push(Message {
            conversation: if rng.u8(0..6) == 0 { 2 } else { 1 },
            msgid,
            time_ms: at,
            seq: if rng.u8(0..4) == 0 { rng.i64(1..4) } else { 0 },
            notice: rng.bool(),
            text: format!("message {n}"),
        });
    }
    out
}

fn at(time_ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(time_ms).single().unwrap()
}

/// Every selection this test asks, from anchors taken from `messages`.
fn selections(messages: &[Message], rng: &mut fastrand::Rng) -> Vec<Selection> {
    let mut anchors: Vec<Anchor> = vec![
        Anchor::MsgId(msgid_from(BASE_MS as u64, 7)),
        Anchor::MsgId("nope".into()),
        Anchor::Timestamp(at(BASE_MS - 1)),
        Anchor::Timestamp(at(BASE_MS + 10_000_000)),
    ];
    // A sample: every message's msgid and times would be ~30 000 queries.
    for _ in 0..30 {
        let message = &messages[rng.usize(0..messages.len())];
        anchors.push(Anchor::MsgId(message.msgid.clone()));
        let offset = rng.i64(-1..=1);
        anchors.push(Anchor::Timestamp(at(message.time_ms + offset)));
    }
    let mut selections = vec![Selection::Latest { since: None }];
    for anchor in &anchors {
        selections.push(Selection::Latest {
            since: Some(anchor.clone()),
        });
        selections.push(Selection::Before(anchor.clone()));
        selections.push(Selection::UpTo(anchor.clone()));
        selections.push(Selection::After(anchor.clone()));
        selections.push(Selection::Around(anchor.clone()));
        let other = &anchors[rng.usize(0..anchors.len())];
        selections.push(Selection::Between(anchor.clone(), other.clone()));
    }
    selections
}

fn ask(
    conn: &Connection,
    selection: &Selection,
    limit: usize,
) -> Result<Vec<StoredMessage>, HistoryError> {
    let query = HistoryQuery {
        conversation: Conversation::channel("#lobby"),
        selection: selection.clone(),
        limit,
    };
    run_query(conn, Path::new("history.db"), &query)
}

fn texts(messages: &[StoredMessage]) -> Vec<&str> {
    messages
        .iter()
        .map(|message| message.text.as_str())
        .collect()
}

/// The messages of `#lobby` in `queue`, as the model holds them.
fn modelled(queue: &[Message]) -> Vec<Modelled> {
    queue
        .iter()
        .filter(|message| message.conversation == 1)
        .map(|message| Modelled {
            time_ms: message.time_ms,
            seq: message.seq,
            message: StoredMessage {
                msgid: message.msgid.clone(),
                time: at(message.time_ms),
                conversation: Conversation::channel("#lobby"),
                kind: message.entry().kind,
                source: "alice!a@127.0.0.1".into(),
                target: "#lobby".into(),
                text: message.text.clone(),
            },
        })
        .collect()
}

/// The readers answer every selection as the plain model does (the
/// conversation sorted by time, stream sequence and queue order, each
/// selection a filter and a take: `range_model.rs`): ties of one
/// millisecond broken by stream sequence and then by queue order, with
/// blocks overlapping in time.
#[test]
fn every_selection_answers_as_the_model() {
    for seed in 0..3 {
        let mut rng = fastrand::Rng::with_seed(seed);
        let queue = messages(&mut rng, 160);
        let model = modelled(&queue);
        let (_dir, blocks) = database();
        store_blocks(&blocks.conn, &queue, &mut rng);
        let overlapping: i64 = blocks
            .conn
            .query_row(
                "SELECT count(*) FROM message_blocks a JOIN message_blocks b
                 ON a.conversation = b.conversation AND a.id < b.id
                 AND a.first_ms <= b.last_ms AND b.first_ms <= a.last_ms",
                [],
                |row| row.get(0),
            )
            .unwrap();
        assert!(overlapping > 0, "seed {seed}: no blocks overlap in time");
        let mut answered = 0;
        for selection in selections(&queue, &mut rng) {
            for limit in [1, 3, 1_000] {
                let expected = answer(&model, &selection, limit);
                answered += usize::from(!expected.is_empty());
                let got = ask(&blocks.conn, &selection, limit).unwrap();
                assert!(
                    got == expected,
                    "seed {seed} {selection:?} {limit}: {:?} != {:?}",
                    texts(&got),
                    texts(&expected)
                );
            }
        }
        assert!(answered > 500, "seed {seed}: only {answered} answers");
    }
}

/// A range walks the conversation's blocks by time from the index alone
/// (`first_ms` is in it): a block's row, with its body, is read only when
/// the block overlaps the range. Never a scan.
#[test]
fn the_walk_reads_the_block_index_alone() {
    let (_dir, writer) = database();
    for sql in [
        super::range::BLOCKS_ASCENDING,
        super::range::BLOCKS_DESCENDING,
    ] {
        let plan: Vec<String> = writer
            .conn
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .unwrap()
            .query_map(params![1, 0, 1], |row| row.get(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            plan,
            [
                "SEARCH message_blocks USING COVERING INDEX message_blocks_by_conversation_time (conversation=? AND last_ms>? AND last_ms<?)"
            ],
            "{sql}"
        );
    }
}

/// A block whose body does not decode fails the query with an error naming
/// the database file; nothing panics, whether the block is read for a range
/// or searched for a msgid.
#[test]
fn a_damaged_block_is_an_error_naming_the_file() {
    let (_dir, writer) = database();
    let conn = &writer.conn;
    let mut rng = fastrand::Rng::with_seed(1);
    let queue: Vec<Message> = messages(&mut rng, 20)
        .into_iter()
        .map(|message| Message {
            conversation: 1,
            ..message
        })
        .collect();
    store_block(conn, &queue);
    conn.execute(
        "UPDATE message_blocks SET body = substr(body, 1, length(body) - 3)",
        [],
    )
    .unwrap();
    let selections = [
        Selection::Latest { since: None },
        Selection::After(Anchor::MsgId(queue[3].msgid.clone())),
    ];
    for selection in selections {
        let query = HistoryQuery {
            conversation: Conversation::channel("#lobby"),
            selection,
            limit: 50,
        };
        match run_query(conn, Path::new("/data/history.db"), &query) {
            Err(HistoryError::Read { path, reason }) => {
                assert_eq!(path, Path::new("/data/history.db"));
                assert!(reason.contains("damaged"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
    }
}

/// TARGETS takes a conversation's latest time from its blocks, whichever
/// block holds it.
#[test]
fn targets_see_the_latest_message_of_any_block() {
    let (_dir, writer) = database();
    let conn = &writer.conn;
    let message = |conversation: i64, n: i64, time_ms: i64| Message {
        conversation,
        msgid: msgid_from(time_ms as u64, n as u128),
        time_ms,
        seq: 0,
        notice: false,
        text: format!("{n}"),
    };
    // #lobby's latest message is not its block's last; #other's is in its
    // earlier block (blocks overlap).
    store_block(conn, &[message(1, 1, BASE_MS)]);
    store_block(conn, &[message(2, 2, BASE_MS + 50)]);
    store_block(
        conn,
        &[message(1, 3, BASE_MS + 20), message(1, 4, BASE_MS + 10)],
    );
    store_block(conn, &[message(2, 5, BASE_MS + 30)]);
    let query = TargetsQuery {
        viewer: "nobody".into(),
        channels: vec!["#lobby".into(), "#other".into()],
        from: at(BASE_MS - 1),
        to: at(BASE_MS + 1_000),
        limit: 10,
    };
    let targets = run_targets(conn, Path::new("history.db"), &query).unwrap();
    assert_eq!(
        targets,
        [
            ("#lobby".to_string(), at(BASE_MS + 20)),
            ("#other".to_string(), at(BASE_MS + 50))
        ]
    );
}
