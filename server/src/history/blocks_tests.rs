//! Tests of the block store: the move of old rows into blocks (schema
//! version 10), placing stream sequences, and a damaged block.

use super::*;
use crate::history::batch::{self, ConversationCache, Placed};
use crate::history::{block, schema};

/// Every entry of conversation `conversation` as (text, seq), in the
/// conversation's order.
fn listed(conn: &Connection, conversation: i64) -> Vec<(String, i64)> {
    let mut all: Vec<(Position, String, i64)> = Vec::new();
    let mut statement = conn
        .prepare("SELECT id FROM message_blocks WHERE conversation = ?1")
        .unwrap();
    let mut rows = statement.query([conversation]).unwrap();
    while let Some(row) = rows.next().unwrap() {
        let stored = StoredBlock::load(conn, row.get(0).unwrap()).unwrap();
        for (idx, entry) in stored.entries().unwrap().enumerate() {
            let entry = entry.unwrap();
            let position = stored.position(idx, entry.time_ms);
            all.push((position, entry.text.to_string(), position.seq));
        }
    }
    all.sort();
    all.into_iter().map(|(_, text, seq)| (text, seq)).collect()
}

/// A database of schema version 9 (messages still rows) opens with every
/// message in blocks: each conversation in its old order (time, stream
/// sequence, row id), more messages than one block holds split over
/// blocks, strays and sequences in the side tables, `messages` empty.
#[test]
fn a_version_9_database_moves_every_row_into_blocks_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut expected: [Vec<(String, i64)>; 2] = [Vec::new(), Vec::new()];
    {
        let conn = Connection::open(schema::database_path(dir.path())).unwrap();
        for migration in &schema::MIGRATIONS[..9] {
            conn.execute_batch(migration).unwrap();
        }
        conn.pragma_update(None, "user_version", 9).unwrap();
        for key in ["chan:#a", "chan:#b"] {
            conn.execute(
                "INSERT INTO conversations (key, is_channel, peer_a, display_a) VALUES (?1, 1, ?1, ?1)",
                [key],
            )
            .unwrap();
        }
        let mut insert = conn
            .prepare(
                "INSERT INTO messages (conversation, time_ms, msgid, kind, source, target, text, stream_seq, stray)
                 VALUES (?1, ?2, ?3, 0, 'a!a@h', '#a', ?4, ?5, 1)",
            )
            .unwrap();
        let base = 1_700_000_000_000i64;
        let total = block::MAX_MESSAGES * 2 + 10;
        // Rows in id order, the two conversations interleaved; every tenth
        // millisecond holds three rows, the first two with sequences that
        // list them the other way round.
        for n in 0..total {
            let conversation = 1 + (n % 2) as i64;
            let time_ms = base + (n / 30) as i64;
            let seq = match n % 30 {
                0 | 1 => 5,
                2 | 3 => 4,
                _ => 0,
            };
            let msgid = if n % 7 == 0 {
                format!("legacy-{n}")
            } else {
                crate::history::model::msgid_from(time_ms as u64, n as u128)
            };
            let text = format!("m{n}");
            insert
                .execute(params![conversation, time_ms, msgid, text, seq])
                .unwrap();
            expected[n % 2].push((text, seq));
        }
        for list in &mut expected {
            // Old order: (time, seq, id); stable sort on a list already in (time, id) order.
            let at = |text: &str| text[1..].parse::<usize>().unwrap() / 30;
            list.sort_by_key(|(text, seq)| (at(text), *seq));
        }
    }
    let writer = schema::open_writer(dir.path()).unwrap();
    let conn = &writer.conn;
    for conversation in [1, 2] {
        assert_eq!(
            listed(conn, conversation),
            expected[conversation as usize - 1]
        );
    }
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |row| row.get(0)).unwrap() };
    assert_eq!(count("SELECT count(*) FROM messages"), 0);
    assert_eq!(count("SELECT count(*) FROM message_blocks"), 4);
    assert_eq!(
        count("SELECT max(count) FROM message_blocks"),
        block::MAX_MESSAGES as i64
    );
    // Every seventh has an id of another shape: a stray, found through the side table.
    let strays = (0..block::MAX_MESSAGES * 2 + 10)
        .filter(|n| n % 7 == 0)
        .count();
    assert_eq!(count("SELECT count(*) FROM block_strays"), strays as i64);
    assert!(msgid::find(conn, 1, "legacy-14").unwrap().is_some());
    assert!(msgid::find(conn, 2, "legacy-14").unwrap().is_none());
}

/// A stream sequence is stored for the named room's message only: a msgid
/// of a private conversation, or one not stored, changes nothing.
#[test]
fn placing_sets_the_sequence_of_the_rooms_message_only() {
    let dir = tempfile::tempdir().unwrap();
    let mut writer = schema::open_writer(dir.path()).unwrap();
    let conn = &mut writer.conn;
    let room = crate::history::model::Conversation::channel("#a").key();
    for key in [room.as_str(), "priv:x"] {
        conn.execute(
            "INSERT INTO conversations (key, is_channel, peer_a, display_a) VALUES (?1, 1, ?1, ?1)",
            [key],
        )
        .unwrap();
    }
    let base = 1_700_000_000_000i64;
    let ids: Vec<String> = (0..3)
        .map(|n| crate::history::model::msgid_from(base as u64, n))
        .collect();
    for (conversation, msgids) in [(1, &ids[..2]), (2, &ids[2..])] {
        let mut appender = Appender::new(conn, conversation);
        for msgid in msgids {
            let entry = BlockEntry {
                time_ms: base,
                kind: MessageKind::Privmsg,
                stray: false,
                msgid: msgid.as_str().into(),
                source: "a!a@h",
                target: "#a",
                text: "hi",
            };
            appender.push(entry, 0).unwrap();
        }
        appender.finish().unwrap();
    }
    let places = [
        Placed::new("#a", &ids[1], 42),
        Placed::new("#a", &ids[2], 43),
        Placed::new("#a", "unknown", 44),
        Placed::new("#nothere", &ids[0], 45),
    ];
    let mut cache = ConversationCache::new();
    batch::insert_batch(conn, &mut cache, &[], &places).unwrap();
    let seqs: Vec<(i64, i64, i64)> = conn
        .prepare("SELECT block, idx, seq FROM block_seqs")
        .unwrap()
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(seqs, [(1, 1, 42)]);
    // Placed again (a catch-up repeats it): replaced, not added.
    batch::insert_batch(conn, &mut cache, &[], &[Placed::new("#a", &ids[1], 46)]).unwrap();
    let seq: i64 = conn
        .query_row(
            "SELECT seq FROM block_seqs WHERE block = 1 AND idx = 1",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(seq, 46);
}

/// A damaged block is an error from the store, never a panic. (The second
/// block keeps to the 10 s span a msgid lookup relies on; the first does not.)
#[test]
fn a_damaged_block_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let writer = schema::open_writer(dir.path()).unwrap();
    let conn = &writer.conn;
    conn.execute_batch(
        "INSERT INTO conversations (key, is_channel, peer_a, display_a) VALUES ('chan:#a', 1, '#a', '#a');
         INSERT INTO message_blocks (conversation, first_ms, last_ms, count, body)
            VALUES (1, 0, 9999999999999, 3, x'01020304');
         INSERT INTO message_blocks (conversation, first_ms, last_ms, count, body)
            VALUES (1, 1699999999000, 1700000000000, 3, x'01020304');",
    )
    .unwrap();
    let id = crate::history::model::msgid_from(1_700_000_000_000, 1);
    assert!(msgid::find(conn, 1, &id).is_err());
    assert!(
        trim(
            conn,
            1,
            Position {
                time_ms: 5,
                seq: 0,
                block: 0,
                idx: 0
            }
        )
        .is_err()
    );
}
