//! Tests of opening the database: a migration of an older database, the
//! page size, and the compile options of the bundled SQLite.

use super::*;

fn pragma(conn: &Connection, name: &str) -> i64 {
    conn.query_row(&format!("PRAGMA {name}"), [], |row| row.get(0))
        .unwrap()
}

/// A new store gets 16 KiB pages and checkpoints every 16 MiB of WAL.
#[test]
fn a_new_database_has_16_kib_pages_and_checkpoints_every_16_mib() {
    let dir = tempfile::tempdir().unwrap();
    let writer = open_writer(dir.path()).unwrap();
    assert_eq!(pragma(&writer.conn, "page_size"), NEW_PAGE_SIZE);
    assert_eq!(pragma(&writer.conn, "wal_autocheckpoint"), 1024);
    drop(writer);
    // Still so when opened again.
    let writer = open_writer(dir.path()).unwrap();
    assert_eq!(pragma(&writer.conn, "page_size"), NEW_PAGE_SIZE);
}

/// A store made with 4 KiB pages (every one before this change) keeps
/// them, opens, and still checkpoints every 16 MiB of WAL.
#[test]
fn a_database_with_4_kib_pages_keeps_them() {
    let dir = tempfile::tempdir().unwrap();
    {
        let conn = Connection::open(database_path(dir.path())).unwrap();
        conn.execute_batch("PRAGMA page_size = 4096; PRAGMA journal_mode = WAL;")
            .unwrap();
        for migration in MIGRATIONS {
            conn.execute_batch(migration).unwrap();
        }
        conn.pragma_update(None, "user_version", SCHEMA_VERSION)
            .unwrap();
    }
    let writer = open_writer(dir.path()).unwrap();
    assert_eq!(pragma(&writer.conn, "page_size"), 4096);
    assert_eq!(pragma(&writer.conn, "wal_autocheckpoint"), 4096);
    writer
        .conn
        .execute_batch("INSERT INTO conversations (key, is_channel, peer_a, display_a) VALUES ('chan:#a', 1, '#a', '#a')")
        .unwrap();
}

/// A database of schema version 8 holding messages opens at the
/// newest version: the block tables exist, its rows are in blocks (its
/// stream sequence and stray msgid with them) and `messages` is empty.
#[test]
fn a_version_8_database_gains_the_block_tables_and_its_rows_move_into_them() {
    let dir = tempfile::tempdir().unwrap();
    {
        let conn = Connection::open(database_path(dir.path())).unwrap();
        for migration in &MIGRATIONS[..8] {
            conn.execute_batch(migration).unwrap();
        }
        conn.pragma_update(None, "user_version", 8).unwrap();
        conn.execute_batch(
            "INSERT INTO conversations (key, is_channel, peer_a, display_a)
                VALUES ('chan:#a', 1, '#a', '#a');
             INSERT INTO messages (conversation, time_ms, msgid, kind, source, target, text, stream_seq, stray)
                VALUES (1, 1000, 'x', 0, 'a!a@h', '#a', 'hi', 3, 1);",
        )
        .unwrap();
    }
    let writer = open_writer(dir.path()).unwrap();
    let conn = &writer.conn;
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |row| row.get(0)).unwrap() };
    assert_eq!(count("SELECT count(*) FROM messages"), 0);
    assert_eq!(
        count(
            "SELECT count(*) FROM message_blocks WHERE count = 1 AND first_ms = 1000 AND last_ms = 1000"
        ),
        1
    );
    assert_eq!(
        count("SELECT count(*) FROM block_strays WHERE msgid = 'x' AND idx = 0"),
        1
    );
    assert_eq!(count("SELECT seq FROM block_seqs WHERE idx = 0"), 3);
    let indexes = crate::history::tests::column(
        conn,
        "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ('message_blocks', 'block_strays') ORDER BY name",
    );
    assert_eq!(
        indexes,
        [
            "block_strays_by_msgid",
            "message_blocks_by_conversation_time"
        ]
    );
}

/// The bundled SQLite is built with the options of the repository's
/// `.cargo/config.toml` (`LIBSQLITE3_FLAGS`): a build that lost them
/// still works but pays a global mutex per SQLite allocation.
#[test]
fn bundled_sqlite_has_the_repositorys_compile_options() {
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    let options = crate::history::tests::column(&conn, "PRAGMA compile_options");
    for wanted in [
        "DEFAULT_MEMSTATUS=0",
        "DQS=0",
        "LIKE_DOESNT_MATCH_BLOBS",
        "USE_ALLOCA",
        "OMIT_DEPRECATED",
        "OMIT_SHARED_CACHE",
    ] {
        assert!(
            options.iter().any(|option| option == wanted),
            "bundled SQLite built without {wanted}: {options:?}"
        );
    }
}

fn journal(conn: &Connection) -> String {
    conn.query_row("PRAGMA journal_mode", [], |row| row.get(0))
        .unwrap()
}

fn conversations(conn: &Connection) -> i64 {
    conn.query_row("SELECT count(*) FROM conversations", [], |row| row.get(0))
        .unwrap()
}

fn add_conversation(conn: &Connection, name: &str) {
    conn.execute(
        "INSERT INTO conversations (key, is_channel, peer_a, display_a) VALUES (?1, 1, ?2, ?2)",
        [format!("chan:{name}"), name.to_string()],
    )
    .unwrap();
}

/// Batched commits write through a rollback journal (appended pages once,
/// no WAL); `sync = "full"` keeps the WAL (one fsync per commit).
#[test]
fn batched_stores_use_a_rollback_journal_and_full_ones_the_wal() {
    let dir = tempfile::tempdir().unwrap();
    let writer = open_writer(dir.path()).unwrap();
    assert_eq!(journal(&writer.conn), "truncate");
    drop(writer);
    let writer = open_writer_for(dir.path(), SyncMode::Full).unwrap();
    assert_eq!(journal(&writer.conn), "wal");
}

/// A store a WAL build left with commits still in its WAL (as a crash
/// leaves it) opens with a rollback journal holding every commit, and the
/// WAL is gone; opened by a WAL build (`sync = "full"` here) it goes back.
#[test]
fn a_store_left_in_wal_mode_converts_to_a_rollback_journal_and_back() {
    let made = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    {
        let writer = open_writer_for(made.path(), SyncMode::Full).unwrap();
        writer
            .conn
            .pragma_update(None, "wal_autocheckpoint", 0)
            .unwrap();
        add_conversation(&writer.conn, "#in-the-wal");
        // Copied while open: the commit is only in the WAL.
        for name in ["history.db", "history.db-wal"] {
            std::fs::copy(made.path().join(name), dir.path().join(name)).unwrap();
        }
    }
    let wal = dir.path().join("history.db-wal");
    assert!(std::fs::metadata(&wal).unwrap().len() > 0);
    let writer = open_writer(dir.path()).unwrap();
    assert_eq!(journal(&writer.conn), "truncate");
    assert_eq!(conversations(&writer.conn), 1);
    assert!(!wal.exists(), "the WAL was folded in and removed");
    add_conversation(&writer.conn, "#journalled");
    drop(writer);
    let writer = open_writer_for(dir.path(), SyncMode::Full).unwrap();
    assert_eq!(journal(&writer.conn), "wal");
    assert_eq!(conversations(&writer.conn), 2);
}

/// Leaving WAL needs the file to itself: with another program reading it
/// (an export), natterd still opens, keeps the WAL and writes.
#[test]
fn a_wal_store_another_program_reads_opens_in_wal_mode() {
    let dir = tempfile::tempdir().unwrap();
    drop(open_writer_for(dir.path(), SyncMode::Full).unwrap());
    let other = Connection::open(database_path(dir.path())).unwrap();
    other
        .execute_batch("BEGIN; SELECT count(*) FROM conversations;")
        .unwrap();
    let writer = open_writer(dir.path()).unwrap();
    assert_eq!(journal(&writer.conn), "wal");
    add_conversation(&writer.conn, "#still-written");
    other.execute_batch("COMMIT;").unwrap();
    assert_eq!(conversations(&other), 1);
}

/// With a rollback journal a query cannot read while a commit writes the
/// database: it waits for the commit (busy timeout) and gets its answer,
/// the committed rows, instead of an error.
#[test]
fn a_query_during_a_commit_waits_for_it_and_gets_its_answer() {
    let dir = tempfile::tempdir().unwrap();
    let writer = open_writer(dir.path()).unwrap();
    let reader = open_reader(&database_path(dir.path())).unwrap();
    // The write lock a commit takes while it writes the database file.
    writer.conn.execute_batch("BEGIN EXCLUSIVE;").unwrap();
    add_conversation(&writer.conn, "#long-write");
    let query = std::thread::spawn(move || {
        reader.query_row("SELECT count(*) FROM conversations", [], |row| {
            row.get::<_, i64>(0)
        })
    });
    std::thread::sleep(Duration::from_millis(200));
    writer.conn.execute_batch("COMMIT;").unwrap();
    assert_eq!(query.join().unwrap().unwrap(), 1);
}

/// A commit waits for the queries already reading (they hold the file's
/// read lock) and then goes in.
#[test]
fn a_commit_waits_for_a_running_query_and_goes_in() {
    let dir = tempfile::tempdir().unwrap();
    let writer = open_writer(dir.path()).unwrap();
    let reader = open_reader(&database_path(dir.path())).unwrap();
    reader
        .execute_batch("BEGIN; SELECT count(*) FROM conversations;")
        .unwrap();
    let commit = std::thread::spawn(move || {
        let result = writer.conn.execute_batch(
            "BEGIN IMMEDIATE;
             INSERT INTO conversations (key, is_channel, peer_a, display_a)
                VALUES ('chan:#after', 1, '#after', '#after');
             COMMIT;",
        );
        (result, writer)
    });
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(
        conversations(&reader),
        0,
        "the query still reads its snapshot"
    );
    reader.execute_batch("COMMIT;").unwrap();
    let (result, writer) = commit.join().unwrap();
    result.unwrap();
    assert_eq!(conversations(&writer.conn), 1);
    assert_eq!(conversations(&reader), 1);
}
