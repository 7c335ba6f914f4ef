//! Tests that need the writer's test hooks: a full disk and a stalled writer.

use super::*;
use chrono::{TimeZone, Utc};
use std::time::Duration;

/// The first column of every row `sql` returns, as text (for the history
/// test files that look into the database file itself).
pub(super) fn column(conn: &rusqlite::Connection, sql: &str) -> Vec<String> {
    conn.prepare(sql)
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn channel_message(n: i64) -> StoredMessage {
    StoredMessage {
        msgid: new_msgid(),
        time: Utc
            .timestamp_millis_opt(1_700_000_000_000 + n * 1000)
            .unwrap(),
        conversation: Conversation::channel("#lobby"),
        kind: MessageKind::Privmsg,
        source: "alice!alice@127.0.0.1".into(),
        target: "#lobby".into(),
        text: format!("message {n}"),
    }
}

/// A store in `dir` whose queue holds at most `queue_capacity` messages.
fn open_with_queue_capacity(dir: &std::path::Path, queue_capacity: usize) -> History {
    let config = HistoryConfig {
        queue_capacity,
        ..HistoryConfig::default()
    };
    History::open(dir, &config).unwrap()
}

fn latest(limit: usize) -> HistoryQuery {
    HistoryQuery {
        conversation: Conversation::channel("#lobby"),
        selection: Selection::Latest { since: None },
        limit,
    }
}

#[tokio::test]
async fn history_full_disk_keeps_batch_and_retries_until_space_frees() {
    let dir = tempfile::tempdir().unwrap();
    let history = History::open(dir.path(), &HistoryConfig::default()).unwrap();
    history.record(channel_message(0));
    history.flush().await.unwrap();

    // Freeze the file at its current size: the next inserts hit SQLITE_FULL.
    history
        .execute_on_writer("PRAGMA wal_checkpoint(TRUNCATE);")
        .await
        .unwrap();
    let page_count = {
        let conn = rusqlite::Connection::open(history.path()).unwrap();
        conn.query_row("PRAGMA page_count", [], |row| row.get::<_, i64>(0))
            .unwrap()
    };
    history
        .execute_on_writer(&format!("PRAGMA max_page_count = {page_count};"))
        .await
        .unwrap();
    for n in 1..=300 {
        let mut message = channel_message(n);
        message.text = "x".repeat(2000);
        history.record(message);
    }
    let error = history.flush().await.unwrap_err();
    match &error {
        HistoryError::Write { path, reason } => {
            assert_eq!(path, history.path());
            assert!(reason.contains("full"), "{reason}");
        }
        other => panic!("expected a write error, got {other:?}"),
    }
    assert!(error.to_string().contains("history.db"), "{error}");
    // Chat goes on: recording still never fails, and nothing is dropped; a
    // durable record says at once that it is not on disk yet instead of waiting.
    history.record(channel_message(301));
    let durable = history.record_durable(channel_message(302)).await;
    assert!(
        matches!(durable, Err(HistoryError::Write { .. })),
        "{durable:?}"
    );
    assert_eq!(history.query(latest(1000)).await.unwrap().len(), 1);

    history
        .execute_on_writer("PRAGMA max_page_count = 1000000000;")
        .await
        .unwrap();
    history.flush().await.unwrap();
    let stored = history.query(latest(1000)).await.unwrap();
    assert_eq!(stored.len(), 303);
    assert_eq!(stored.last().unwrap().text, "message 302");
    assert_eq!(history.dropped_count(), 0);
    history.shutdown().await.unwrap();
}

#[tokio::test]
async fn history_record_never_blocks_when_the_queue_is_full() {
    let dir = tempfile::tempdir().unwrap();
    let history = open_with_queue_capacity(dir.path(), 4);
    // The writer is stuck (as on a hung disk) and the queue is empty.
    let release = history.stall_writer().await;
    let recorder = history.clone();
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for n in 0..100 {
            recorder.record(channel_message(n));
        }
        let _ = done.send(());
    });
    finished
        .recv_timeout(Duration::from_secs(60))
        .expect("record() blocked on a full queue");
    assert_eq!(history.dropped_count(), 96);
    drop(release);
    history.flush().await.unwrap();
    assert_eq!(history.query(latest(1000)).await.unwrap().len(), 4);
    history.shutdown().await.unwrap();
}

#[tokio::test]
async fn history_shutdown_commits_everything_queued() {
    let dir = tempfile::tempdir().unwrap();
    let config = HistoryConfig {
        commit_interval: Duration::from_secs(3600),
        ..HistoryConfig::default()
    };
    let history = History::open(dir.path(), &config).unwrap();
    let release = history.stall_writer().await;
    for n in 0..1000 {
        history.record(channel_message(n));
    }
    drop(release);
    history.shutdown().await.unwrap();
    history.record(channel_message(1000));
    assert_eq!(
        history.dropped_count(),
        1,
        "a record after shutdown is counted as dropped"
    );
    let reopened = History::open(dir.path(), &config).unwrap();
    assert_eq!(reopened.query(latest(5000)).await.unwrap().len(), 1000);
    reopened.shutdown().await.unwrap();
}

#[tokio::test]
async fn history_reserve_waits_for_room_instead_of_dropping() {
    use futures::FutureExt;
    let dir = tempfile::tempdir().unwrap();
    let history = open_with_queue_capacity(dir.path(), 4);
    // The writer is stuck (as on a disk far behind) and the queue is empty.
    let release = history.stall_writer().await;
    for n in 0..4 {
        history.reserve().await.record(channel_message(n));
    }
    // The queue is full: the fifth sender waits (it would be dropped by record()).
    let mut fifth = Box::pin(history.reserve());
    assert!((&mut fifth).now_or_never().is_none(), "no room yet");
    // An unused reservation gives its room back.
    drop(release);
    let room = fifth.await;
    room.record(channel_message(4));
    let sixth = history.reserve().await;
    drop(sixth);
    history.reserve().await.record(channel_message(5));
    history.flush().await.unwrap();
    let stored = history.query(latest(1000)).await.unwrap();
    let texts: Vec<&str> = stored.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "message 0",
            "message 1",
            "message 2",
            "message 3",
            "message 4",
            "message 5"
        ]
    );
    assert_eq!(history.dropped_count(), 0);
    history.shutdown().await.unwrap();
}

#[tokio::test]
async fn history_senders_wait_while_the_queue_holds_its_bytes() {
    use futures::FutureExt;
    let dir = tempfile::tempdir().unwrap();
    let config = HistoryConfig {
        queue_bytes: 4000,
        ..HistoryConfig::default()
    };
    let history = History::open(dir.path(), &config).unwrap();
    let long = |n: i64| StoredMessage {
        text: format!("message {n} {}", "x".repeat(1000)),
        ..channel_message(n)
    };
    // The writer is stuck (as on a disk far behind) and the queue is empty.
    let release = history.stall_writer().await;
    let mut queued = 0;
    while let Some(room) = history.try_reserve() {
        room.record(long(queued));
        queued += 1;
        assert!(queued < 10, "4000 bytes never filled");
    }
    // Far fewer than queue_capacity: the bytes are the bound.
    assert!((3..=4).contains(&queued), "{queued} queued");
    let mut next = Box::pin(history.reserve());
    assert!((&mut next).now_or_never().is_none(), "no room yet");
    drop(release);
    next.await.record(long(queued));
    history.flush().await.unwrap();
    let stored = history.query(latest(1000)).await.unwrap();
    assert_eq!(stored.len(), queued as usize + 1);
    for (n, message) in stored.iter().enumerate() {
        assert!(message.text.starts_with(&format!("message {n} ")));
    }
    assert_eq!(history.dropped_count(), 0);
    history.shutdown().await.unwrap();
}

#[tokio::test]
async fn history_senders_that_only_glance_at_the_queue_wait_at_its_bound_and_resume_after_the_take()
{
    use futures::FutureExt;
    let dir = tempfile::tempdir().unwrap();
    let history = open_with_queue_capacity(dir.path(), 4);
    // The writer is stuck (as on a disk far behind) and the queue is empty.
    let release = history.stall_writer().await;
    let mut queued = 0;
    while let Some(room) = history.try_room() {
        room.record(channel_message(queued));
        queued += 1;
        assert!(queued < 10, "the glance never saw the bound");
    }
    assert_eq!(queued, 4, "the glance sees the message bound");
    assert!(history.try_reserve().is_none());
    // What the hub does then: wait for room.
    let mut next = Box::pin(history.reserve());
    assert!((&mut next).now_or_never().is_none(), "no room yet");
    drop(release);
    next.await.record(channel_message(4));
    history
        .try_room()
        .expect("room again after the take")
        .record(channel_message(5));
    history.flush().await.unwrap();
    let stored = history.query(latest(1000)).await.unwrap();
    let texts: Vec<&str> = stored.iter().map(|m| m.text.as_str()).collect();
    let expected: Vec<String> = (0..6).map(|n| format!("message {n}")).collect();
    assert_eq!(texts, expected);
    assert_eq!(history.dropped_count(), 0);
    history.shutdown().await.unwrap();
}

#[tokio::test]
async fn history_a_big_batch_is_stored_whole_and_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let history = History::open(dir.path(), &HistoryConfig::default()).unwrap();
    // Stalled, so that all of them go into one transaction (one block).
    let release = history.stall_writer().await;
    for n in 0..1000 {
        history.reserve().await.record(channel_message(n));
    }
    drop(release);
    history.flush().await.unwrap();
    let stored = history.query(latest(1000)).await.unwrap();
    assert_eq!(stored.len(), 1000);
    for (n, message) in stored.iter().enumerate() {
        assert_eq!(message.text, format!("message {n}"));
    }
    history.shutdown().await.unwrap();
}

fn message_in(channel: &str, text: &str) -> StoredMessage {
    StoredMessage {
        conversation: Conversation::channel(channel),
        target: channel.into(),
        text: text.into(),
        ..channel_message(0)
    }
}

fn texts_in(stored: &[StoredMessage]) -> Vec<&str> {
    stored.iter().map(|message| message.text.as_str()).collect()
}

#[tokio::test]
async fn forgetting_a_channel_deletes_what_came_before_and_keeps_what_came_after() {
    let dir = tempfile::tempdir().unwrap();
    let history = History::open(dir.path(), &HistoryConfig::default()).unwrap();
    history.record(message_in("#lobby", "committed"));
    history.record(message_in("#other", "elsewhere"));
    history.flush().await.unwrap();
    // Queued but not committed when the channel vanishes: deleted too.
    let release = history.stall_writer().await;
    history.record(message_in("#lobby", "queued"));
    history.forget_channel_history("#lobby");
    // Not deleted yet (the writer is stalled), but hidden from readers already.
    assert!(history.query(latest(10)).await.unwrap().is_empty());
    history.record(message_in("#lobby", "next life"));
    drop(release);
    history.flush().await.unwrap();
    assert_eq!(
        texts_in(&history.query(latest(10)).await.unwrap()),
        ["next life"]
    );
    let other = HistoryQuery {
        conversation: Conversation::channel("#other"),
        ..latest(10)
    };
    assert_eq!(
        texts_in(&history.query(other).await.unwrap()),
        ["elsewhere"]
    );
    history.shutdown().await.unwrap();
}

#[tokio::test]
async fn unregistered_channels_left_by_the_last_run_vanish_at_start() {
    use crate::channels::{ChannelRecord, NEW_CHANNEL_FLAGS};
    let dir = tempfile::tempdir().unwrap();
    let history = History::open(dir.path(), &HistoryConfig::default()).unwrap();
    for channel in ["#keyed", "#topic", "#owned"] {
        history.record(message_in(channel, channel));
    }
    history.flush().await.unwrap();
    let plain = ChannelRecord {
        flags: NEW_CHANNEL_FLAGS.into(),
        ..ChannelRecord::default()
    };
    let states = history.channel_states();
    // As the hub leaves them when natterd stops with members in them.
    states.put(
        "#keyed",
        Some(ChannelRecord {
            name: "#keyed".into(),
            key: Some("k".into()),
            ..plain.clone()
        }),
    );
    states.put(
        "#topic",
        Some(ChannelRecord {
            name: "#topic".into(),
            flags: "t".into(),
            ..plain.clone()
        }),
    );
    states.put(
        "#owned",
        Some(ChannelRecord {
            name: "#owned".into(),
            key: Some("k".into()),
            operators: ["alice".to_string()].into(),
            ..plain
        }),
    );
    history.shutdown().await.unwrap();

    let history = History::open(dir.path(), &HistoryConfig::default()).unwrap();
    history.flush().await.unwrap();
    let states = history.channel_states();
    assert!(states.get("#keyed").is_none());
    assert!(states.get("#topic").is_none());
    assert_eq!(states.get("#owned").unwrap().key.as_deref(), Some("k"));
    let stored = |channel: &str| HistoryQuery {
        conversation: Conversation::channel(channel),
        ..latest(10)
    };
    assert!(history.query(stored("#keyed")).await.unwrap().is_empty());
    assert_eq!(
        texts_in(&history.query(stored("#topic")).await.unwrap()),
        ["#topic"]
    );
    assert_eq!(
        texts_in(&history.query(stored("#owned")).await.unwrap()),
        ["#owned"]
    );
    history.shutdown().await.unwrap();
    let history = History::open(dir.path(), &HistoryConfig::default()).unwrap();
    assert!(
        history.channel_states().get("#keyed").is_none(),
        "forgotten on disk too"
    );
    history.shutdown().await.unwrap();
}

/// The writer's connection skips SQLite's foreign-key lookup per stored
/// message (see `schema::configure`), so the writer itself keeps the
/// reference: every message stored, over several batches of channel and
/// private messages, names an existing conversation row.
#[tokio::test]
async fn history_every_stored_message_names_its_conversation_without_fk_checks() {
    let dir = tempfile::tempdir().unwrap();
    {
        let writer = super::schema::open_writer(dir.path()).unwrap();
        let enforced: bool = writer
            .conn
            .query_row("PRAGMA foreign_keys", [], |row| row.get(0))
            .unwrap();
        assert!(!enforced, "the writer's connection checks foreign keys");
    }
    let history = History::open(dir.path(), &HistoryConfig::default()).unwrap();
    let mut recorded = 0;
    for batch in 0..3 {
        for n in 0..100 {
            let conversation = match n % 3 {
                0 => Conversation::channel(format!("#room{}", n % 7)),
                1 => Conversation::private(format!("nick{}", n % 5), "alice"),
                _ => Conversation::private("alice", format!("nick{batch}")),
            };
            history.reserve().await.record(StoredMessage {
                conversation,
                text: format!("batch {batch} message {n}"),
                ..channel_message(n)
            });
            recorded += 1;
        }
        history.flush().await.unwrap();
    }
    history.shutdown().await.unwrap();
    let conn = rusqlite::Connection::open(dir.path().join("history.db")).unwrap();
    let violations = column(&conn, "PRAGMA foreign_key_check");
    assert_eq!(violations, Vec::<String>::new());
    let joined: i64 = conn
        .query_row(
            "SELECT sum(b.count) FROM message_blocks b JOIN conversations c ON c.id = b.conversation",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(joined, recorded);
}
