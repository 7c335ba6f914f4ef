//! Tests of retention over blocks: whole blocks deleted, the blocks a
//! boundary falls inside rewritten, overlapping blocks and equal times.

use super::*;
use crate::history::block::BlockEntry;
use crate::history::blocks::Appender;
use crate::history::model::MessageKind;

/// Stores one block per inner slice in conversation 1: (time, text, seq);
/// texts starting with `s` get a msgid of another shape (strays).
fn store(conn: &Connection, blocks: &[&[(i64, &str, i64)]]) {
    conn.execute(
        "INSERT INTO conversations (key, is_channel, peer_a, display_a) VALUES ('chan:#a', 1, '#a', '#a')",
        [],
    )
    .unwrap();
    for entries in blocks {
        let mut appender = Appender::new(conn, 1);
        for &(time_ms, text, seq) in *entries {
            let msgid = if text.starts_with('s') {
                format!("other-{text}")
            } else {
                crate::history::model::msgid_from(time_ms as u64, text.len() as u128)
            };
            let entry = BlockEntry {
                time_ms,
                kind: MessageKind::Privmsg,
                stray: false,
                msgid: msgid.as_str().into(),
                source: "a!a@h",
                target: "#a",
                text,
            };
            appender.push(entry, seq).unwrap();
        }
        appender.finish().unwrap();
    }
}

/// Every stored text, in the conversation's order.
fn texts(conn: &Connection) -> Vec<String> {
    let mut all: Vec<(Position, String)> = Vec::new();
    let mut statement = conn.prepare("SELECT id FROM message_blocks").unwrap();
    let mut rows = statement.query([]).unwrap();
    while let Some(row) = rows.next().unwrap() {
        let stored = StoredBlock::load(conn, row.get(0).unwrap()).unwrap();
        for (idx, entry) in stored.entries().unwrap().enumerate() {
            let entry = entry.unwrap();
            all.push((stored.position(idx, entry.time_ms), entry.text.to_string()));
        }
    }
    all.sort();
    all.into_iter().map(|(_, text)| text).collect()
}

fn run(conn: &Connection, phase: Phase, keep: Option<usize>) -> usize {
    let mut run = Run { phase, deleted: 0 };
    while run.advance(conn, keep).unwrap() {}
    run.deleted
}

fn writer() -> (tempfile::TempDir, crate::history::schema::WriterConnection) {
    let dir = tempfile::tempdir().unwrap();
    let writer = crate::history::schema::open_writer(dir.path()).unwrap();
    (dir, writer)
}

/// By age: a block wholly older than the cutoff goes; a block the cutoff
/// falls inside keeps its messages at or after it, in their order, with
/// their stream sequences and strays renumbered; newer blocks stay.
#[test]
fn age_deletes_whole_blocks_and_trims_the_boundary_blocks() {
    let (_dir, writer) = writer();
    let conn = &writer.conn;
    store(
        conn,
        &[
            &[(500, "old", 0)],
            &[(1_000, "gone", 0), (2_000, "kept", 4)],
            &[
                (1_500, "s-gone", 0),
                (3_000, "s-three", 7),
                (2_500, "two-half", 0),
            ],
            &[(4_000, "new", 0)],
        ],
    );
    let phase = Phase::Age {
        cutoff_ms: 2_000,
        whole_done: false,
    };
    assert_eq!(run(conn, phase, None), 3);
    assert_eq!(texts(conn), ["kept", "two-half", "s-three", "new"]);
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |row| row.get(0)).unwrap() };
    assert_eq!(count("SELECT count(*) FROM message_blocks"), 3);
    assert_eq!(count("SELECT sum(count) FROM message_blocks"), 4);
    // Block 3 is now [s-three, two-half]: its stray and sequence moved to index 0.
    assert_eq!(
        count("SELECT idx FROM block_strays WHERE msgid = 'other-s-three'"),
        0
    );
    assert_eq!(count("SELECT count(*) FROM block_strays"), 1);
    assert_eq!(
        count("SELECT idx * 100 + seq FROM block_seqs WHERE block = 3"),
        7
    );
    assert_eq!(
        count("SELECT idx * 100 + seq FROM block_seqs WHERE block = 2"),
        4
    );
    assert_eq!(
        count("SELECT first_ms * 10000 + last_ms FROM message_blocks WHERE id = 3"),
        2_500 * 10_000 + 3_000
    );
}

/// By count: the newest `keep` by (time, sequence, block, index) stay,
/// found across blocks that overlap in time; equal times keep the newest
/// by block and index.
#[test]
fn count_keeps_the_newest_across_overlapping_blocks_and_equal_times() {
    let (_dir, writer) = writer();
    let conn = &writer.conn;
    store(
        conn,
        &[
            &[(1, "one", 0), (2, "two", 0), (3, "three", 0)],
            &[(2, "two-b", 0), (6, "six-b", 0)],
            &[(6, "six-c", 0), (4, "four", 0), (6, "six-c2", 0)],
            &[(5, "five", 0)],
        ],
    );
    let keep = |keep| {
        let phase = Phase::PerTarget {
            remaining: None,
            boundary: None,
        };
        (phase, keep)
    };
    let (phase, n) = keep(Some(5));
    assert_eq!(run(conn, phase, n), 4);
    assert_eq!(texts(conn), ["four", "five", "six-b", "six-c", "six-c2"]);
    let (phase, n) = keep(Some(2));
    assert_eq!(run(conn, phase, n), 3);
    assert_eq!(texts(conn), ["six-c", "six-c2"]);
    let (phase, n) = keep(Some(0));
    assert_eq!(run(conn, phase, n), 2);
    assert!(texts(conn).is_empty());
    let left: i64 = conn
        .query_row("SELECT count(*) FROM message_blocks", [], |row| row.get(0))
        .unwrap();
    assert_eq!(left, 0);
}

/// A stream sequence orders messages of one millisecond before the block
/// order does, and retention by count respects it.
#[test]
fn count_orders_equal_times_by_stream_sequence_first() {
    let (_dir, writer) = writer();
    let conn = &writer.conn;
    store(
        conn,
        &[&[(7, "late", 9), (7, "early", 3)], &[(7, "unplaced", 0)]],
    );
    assert_eq!(texts(conn), ["unplaced", "early", "late"]);
    let phase = Phase::PerTarget {
        remaining: None,
        boundary: None,
    };
    assert_eq!(run(conn, phase, Some(2)), 1);
    assert_eq!(texts(conn), ["early", "late"]);
}

/// Without an index on time alone, finding old blocks must still use an
/// index (each conversation's), never scan every block.
#[test]
fn deleting_by_age_walks_the_conversation_index() {
    let (_dir, writer) = writer();
    for (sql, arguments) in [(AGE_BLOCKS, &[0i64, 1][..]), (AGE_BOUNDARY, &[0][..])] {
        let plan: Vec<String> = writer
            .conn
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .unwrap()
            .query_map(rusqlite::params_from_iter(arguments), |row| row.get(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(
            plan.iter()
                .any(|step| step.contains("INDEX message_blocks_by_conversation_time")),
            "{plan:?}"
        );
        assert!(!plan.iter().any(|step| step == "SCAN b"), "{plan:?}");
    }
}
