//! Tests of the message table's layout (schema version 8): the migration of
//! an older database, messages found by msgid without a msgid index, and
//! replayed messages stored once.

use super::*;
use chrono::{DateTime, TimeZone, Utc};
use rusqlite::params;

fn at(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

fn query(selection: Selection) -> HistoryQuery {
    HistoryQuery {
        conversation: Conversation::channel("#lobby"),
        selection,
        limit: 100,
    }
}

fn msgid(anchor: &str) -> Anchor {
    Anchor::MsgId(anchor.into())
}

fn ids(stored: &[StoredMessage]) -> Vec<&str> {
    stored
        .iter()
        .map(|message| message.msgid.as_str())
        .collect()
}

fn lobby_message(msgid: &str, time: DateTime<Utc>, text: &str) -> StoredMessage {
    StoredMessage {
        msgid: msgid.into(),
        time,
        conversation: Conversation::channel("#lobby"),
        kind: MessageKind::Privmsg,
        source: "alice!a@127.0.0.1".into(),
        target: "#lobby".into(),
        text: text.into(),
    }
}

/// A database as natterd left it at schema version 7, with messages whose
/// ids are of another shape and two of the same millisecond, ordered by
/// their stream sequence (the later id first).
fn version_7_database(dir: &std::path::Path) {
    let conn = rusqlite::Connection::open(dir.join("history.db")).unwrap();
    for migration in &super::schema::MIGRATIONS[..7] {
        conn.execute_batch(migration).unwrap();
    }
    conn.pragma_update(None, "user_version", 7).unwrap();
    conn.execute(
        "INSERT INTO conversations (key, is_channel, peer_a, display_a) VALUES (?1, 1, '#lobby', '#lobby')",
        [Conversation::channel("#lobby").key()],
    )
    .unwrap();
    // natterd's shape, but 1.5 s after 1970: not the time its id names.
    let natterd_shaped = new_msgid();
    let rows = [
        ("legacy-a", 1_000, 0, "one"),
        ("legacy-c", 2_000, 8, "four"),
        ("legacy-b", 2_000, 7, "three"),
        (natterd_shaped.as_str(), 1_500, 0, "two"),
    ];
    for (id, time, sequence, text) in rows {
        conn.execute(
            "INSERT INTO messages (conversation, time_ms, msgid, kind, source, target, text, stream_seq)
             VALUES (1, ?1, ?2, 0, 'alice!a@127.0.0.1', '#lobby', ?3, ?4)",
            params![time, id, text, sequence],
        )
        .unwrap();
    }
}

#[tokio::test]
async fn a_version_7_database_is_migrated_in_place_and_keeps_every_message_in_order() {
    let dir = tempfile::tempdir().unwrap();
    version_7_database(dir.path());
    let history = History::open(dir.path(), &HistoryConfig::default()).unwrap();

    let all = history
        .query(query(Selection::Latest { since: None }))
        .await
        .unwrap();
    let texts: Vec<&str> = all.iter().map(|message| message.text.as_str()).collect();
    assert_eq!(texts, ["one", "two", "three", "four"]);
    let shaped = all[1].msgid.clone();
    assert_eq!(
        ids(&all),
        ["legacy-a", shaped.as_str(), "legacy-b", "legacy-c"]
    );
    // Every old message is found by its msgid, whatever the id's shape.
    let before = history
        .query(query(Selection::Before(msgid("legacy-c"))))
        .await
        .unwrap();
    assert_eq!(ids(&before), ["legacy-a", shaped.as_str(), "legacy-b"]);
    let after = history
        .query(query(Selection::After(msgid(&shaped))))
        .await
        .unwrap();
    assert_eq!(ids(&after), ["legacy-b", "legacy-c"]);
    let around = history
        .query(query(Selection::Around(msgid("legacy-b"))))
        .await
        .unwrap();
    assert_eq!(ids(&around), ids(&all));
    // Replaying an old message (a cluster catch-up) does not store it twice;
    // a new one goes after them.
    history.record(lobby_message("legacy-b", at(2_000), "three"));
    history.record(lobby_message("legacy-d", at(3_000), "five"));
    history.flush().await.unwrap();
    let all = history
        .query(query(Selection::Latest { since: None }))
        .await
        .unwrap();
    assert_eq!(all.len(), 5);
    assert_eq!(all[4].msgid, "legacy-d");
    history.shutdown().await.unwrap();

    let conn = rusqlite::Connection::open(dir.path().join("history.db")).unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .unwrap();
    assert_eq!(version, super::schema::SCHEMA_VERSION);
    let indexes = super::tests::column(
        &conn,
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'messages'",
    );
    assert_eq!(
        indexes,
        ["messages_by_conversation_time", "messages_stray_msgid"],
        "no index on every msgid any more"
    );
    let strays: i64 = conn
        .query_row("SELECT count(*) FROM block_strays", [], |row| row.get(0))
        .unwrap();
    assert_eq!(strays, 5, "the four old rows and one id of another shape");
}

/// This server's own messages need no msgid index: each is found through
/// the conversation index at the time its msgid names. A msgid naming
/// another time is a stray, found through the strays' index. Replayed
/// copies, stored or queued in the same batch, are stored once; fresh
/// messages keep their queue order among equal times.
#[tokio::test]
async fn messages_are_found_by_msgid_and_stored_once_without_a_msgid_index() {
    let dir = tempfile::tempdir().unwrap();
    let history = History::open(dir.path(), &HistoryConfig::default()).unwrap();
    let release = history.stall_writer().await;
    let now = Utc::now();
    let fresh: Vec<String> = (0..3).map(|_| new_msgid()).collect();
    for (n, id) in fresh.iter().enumerate() {
        history.record(Said {
            msgid: id,
            time: now,
            kind: MessageKind::Privmsg,
            source: "alice!a@127.0.0.1",
            target: "#lobby",
            text: &format!("fresh {n}"),
            between: Between::Channel("#lobby"),
        });
        // Another conversation in between: the batch is grouped by
        // conversation when stored.
        history.record(StoredMessage {
            conversation: Conversation::private("alice", "bob"),
            ..lobby_message(&new_msgid(), now, "aside")
        });
    }
    let stray = new_msgid();
    let stray_time = at(1_700_000_000_000);
    history.record(lobby_message(&stray, stray_time, "stray"));
    history.record(lobby_message(&stray, stray_time, "stray again"));
    history.record(lobby_message(&fresh[0], now, "fresh 0 replayed"));
    drop(release);
    history.flush().await.unwrap();
    history.record(lobby_message(&stray, stray_time, "stray later"));
    history.record(lobby_message(&fresh[2], now, "fresh 2 later"));
    history.flush().await.unwrap();

    let all = history
        .query(query(Selection::Latest { since: None }))
        .await
        .unwrap();
    let texts: Vec<&str> = all.iter().map(|message| message.text.as_str()).collect();
    assert_eq!(texts, ["stray", "fresh 0", "fresh 1", "fresh 2"]);
    let before = history
        .query(query(Selection::Before(msgid(&fresh[2]))))
        .await
        .unwrap();
    assert_eq!(ids(&before), [stray.as_str(), &fresh[0], &fresh[1]]);
    let after = history
        .query(query(Selection::After(msgid(&stray))))
        .await
        .unwrap();
    assert_eq!(ids(&after), [&fresh[0], &fresh[1], &fresh[2]]);
    let between = history
        .query(query(Selection::Between(msgid(&fresh[2]), msgid(&stray))))
        .await
        .unwrap();
    assert_eq!(ids(&between), [&fresh[0], &fresh[1]]);
    // An unknown msgid, of natterd's shape or not, is no anchor.
    for unknown in [new_msgid(), "nope".to_string()] {
        let none = history
            .query(query(Selection::After(msgid(&unknown))))
            .await
            .unwrap();
        assert_eq!(none, Vec::<StoredMessage>::new(), "{unknown}");
    }
    history.shutdown().await.unwrap();

    let conn = rusqlite::Connection::open(dir.path().join("history.db")).unwrap();
    let strays = super::tests::column(&conn, "SELECT msgid FROM block_strays");
    assert_eq!(strays, [stray]);
}
