//! Opening the database: the single-instance lock, pragmas, versioned migrations
//! and the checks that turn a bad file into a clear error.

use super::config::SyncMode;
use super::error::HistoryError;
use crate::datadir;
use rusqlite::{Connection, ErrorCode, OpenFlags};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The database file inside the data directory.
pub(crate) const DATABASE_FILE: &str = "history.db";
/// A tiny SQLite file held exclusively by the running natterd, so that a second
/// natterd on the same data directory fails at start instead of interleaving writes.
const LOCK_FILE: &str = "history.lock";

/// The schema, one entry per version, applied in order. Never edit a released
/// entry: append a new one. `PRAGMA user_version` records how many were applied.
pub(super) const MIGRATIONS: &[&str] = &[
    // Version 1: conversations and their messages. `display_*` keep the names
    // as last written (channel name, or each participant's nick) for TARGETS.
    "CREATE TABLE conversations (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        is_channel INTEGER NOT NULL,
        peer_a TEXT NOT NULL,
        peer_b TEXT,
        display_a TEXT NOT NULL,
        display_b TEXT
     );
     CREATE INDEX conversations_by_peer_a ON conversations(peer_a) WHERE is_channel = 0;
     CREATE INDEX conversations_by_peer_b ON conversations(peer_b) WHERE is_channel = 0;
     CREATE TABLE messages (
        id INTEGER PRIMARY KEY,
        conversation INTEGER NOT NULL REFERENCES conversations(id),
        time_ms INTEGER NOT NULL,
        msgid TEXT NOT NULL UNIQUE,
        kind INTEGER NOT NULL,
        source TEXT NOT NULL,
        target TEXT NOT NULL,
        text TEXT NOT NULL
     );
     CREATE INDEX messages_by_conversation_time ON messages(conversation, time_ms);
     CREATE INDEX messages_by_time ON messages(time_ms);",
    // Version 2: accounts. `folded` is the RFC 8265 folding of `name`,
    // `skeleton` its UTS #39 confusable skeleton; both unique, so two accounts
    // never fold or look alike. `password_hash` is an argon2id PHC string.
    "CREATE TABLE accounts (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        folded TEXT NOT NULL UNIQUE,
        skeleton TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        created_ms INTEGER NOT NULL
     );",
    // Version 3: what a channel keeps between its lives (modes, key, limit,
    // topic, bans, operator accounts), one JSON object per case-folded name;
    // see crate::channels. Rows exist only for channels with something to keep.
    "CREATE TABLE channel_state (
        folded TEXT PRIMARY KEY,
        state TEXT NOT NULL,
        updated_ms INTEGER NOT NULL
     ) WITHOUT ROWID;",
    // Version 4: no index on time alone. Retention by age walks each
    // conversation's (conversation, time_ms) index instead, and every stored
    // message is one B-tree insert cheaper.
    "DROP INDEX IF EXISTS messages_by_time;",
    // Version 5: TLS client certificates that log in to an account (SASL
    // EXTERNAL), by lower-case hex SHA-256 fingerprint; `account` is the
    // folded account name (deleted with the account).
    "CREATE TABLE account_certs (
        fingerprint TEXT PRIMARY KEY,
        account TEXT NOT NULL,
        added_ms INTEGER NOT NULL
     ) WITHOUT ROWID;
     CREATE INDEX account_certs_by_account ON account_certs(account);",
    // Version 6: in a cluster, how far this node's copy of each room's
    // history has caught up with the room stream (the cluster's record): the
    // last stream sequence whose messages are all committed here, by folded
    // room name. See crate::cluster::catchup.
    "CREATE TABLE room_sync (
        room TEXT PRIMARY KEY,
        applied INTEGER NOT NULL
     ) WITHOUT ROWID;",
    // Version 7: in a cluster, a room message's place in the room stream
    // (its JetStream sequence; 0 until known, and always 0 on a single node
    // and for private messages). Messages of one millisecond are listed by
    // it, so every node lists a room in the same order. See
    // crate::cluster::catchup. Adding a column with a constant default does
    // not rewrite the table: the migration takes the same time at any size.
    "ALTER TABLE messages ADD COLUMN stream_seq INTEGER NOT NULL DEFAULT 0;",
    // Version 8: no index on every msgid. Each stored message was three
    // B-tree inserts (the table, `msgid UNIQUE`, the conversation index);
    // now it is two. A message is found by msgid through the conversation
    // index at the millisecond its msgid names (super::msgid); `stray`
    // marks the few whose msgid names another time, and only those are in
    // a (partial) msgid index. SQLite cannot drop a UNIQUE column
    // constraint, so the table is copied: every row keeps its id (the
    // order of equal times) and becomes a stray, as its msgid may be of any
    // shape. Time and space: one pass over the table and two index builds,
    // about as long as VACUUM (seconds per million messages; the file needs
    // room for a second copy of the table while it runs).
    "CREATE TABLE messages_v8 (
        id INTEGER PRIMARY KEY,
        conversation INTEGER NOT NULL REFERENCES conversations(id),
        time_ms INTEGER NOT NULL,
        msgid TEXT NOT NULL,
        kind INTEGER NOT NULL,
        source TEXT NOT NULL,
        target TEXT NOT NULL,
        text TEXT NOT NULL,
        stream_seq INTEGER NOT NULL DEFAULT 0,
        stray INTEGER NOT NULL DEFAULT 0
     );
     INSERT INTO messages_v8
        (id, conversation, time_ms, msgid, kind, source, target, text, stream_seq, stray)
        SELECT id, conversation, time_ms, msgid, kind, source, target, text, stream_seq, 1
        FROM messages ORDER BY id;
     DROP TABLE messages;
     ALTER TABLE messages_v8 RENAME TO messages;
     CREATE INDEX messages_by_conversation_time ON messages(conversation, time_ms);
     CREATE INDEX messages_stray_msgid ON messages(msgid) WHERE stray = 1;",
    // Version 9: messages stored as blocks, one row per conversation per
    // written batch (`super::block` encodes a block's body), so that a
    // stored message costs a share of one B-tree insert instead of two.
    // `first_ms`/`last_ms` bound the entries' times (blocks of one
    // conversation may overlap in time: replayed messages, migration);
    // an entry's place is (time_ms, stream_seq, block id, index in block).
    // `block_strays` lists the entries whose msgid does not name their time
    // (`super::msgid`), `block_seqs` the room stream sequences known
    // (absent: 0). Created empty: `messages` is kept and still read. (IF NOT
    // EXISTS: a test re-runs migrations on a database that has them.)
    "CREATE TABLE IF NOT EXISTS message_blocks (
        id INTEGER PRIMARY KEY,
        conversation INTEGER NOT NULL REFERENCES conversations(id),
        first_ms INTEGER NOT NULL,
        last_ms INTEGER NOT NULL,
        count INTEGER NOT NULL,
        body BLOB NOT NULL
     );
     CREATE INDEX IF NOT EXISTS message_blocks_by_conversation_time ON message_blocks(conversation, last_ms);
     CREATE TABLE IF NOT EXISTS block_strays (
        block INTEGER NOT NULL,
        idx INTEGER NOT NULL,
        msgid TEXT NOT NULL,
        PRIMARY KEY (block, idx)
     ) WITHOUT ROWID;
     CREATE INDEX IF NOT EXISTS block_strays_by_msgid ON block_strays(msgid);
     CREATE TABLE IF NOT EXISTS block_seqs (
        block INTEGER NOT NULL,
        idx INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        PRIMARY KEY (block, idx)
     ) WITHOUT ROWID;",
    // Version 10: every message of the old table moved into blocks (by
    // `super::blocks::move_rows`, run just before this entry, see
    // [`MOVE_ROWS_VERSION`]), then the table emptied; it stays (empty) until
    // no reader reads it. Time: one pass over the table in index order, a
    // block insert per ~1 000 messages; the file needs room for a second
    // copy of the messages while it runs (the freed pages are reused).
    // The blocks' index also covers `first_ms`, so a reader walking it by
    // `last_ms` sees where each block starts without reading the block
    // (built once, after the move: the blocks were empty before it).
    "DELETE FROM messages;
     DROP INDEX message_blocks_by_conversation_time;
     CREATE INDEX message_blocks_by_conversation_time
        ON message_blocks(conversation, last_ms, first_ms);",
    // Version 11: block bodies are written in format 2 (`super::block`:
    // this server's msgids as bits, repeated names as references), which a
    // natterd before it cannot decode; this version makes one refuse the
    // store (`HistoryError::TooNew`) instead of failing every read of a new
    // block. Format 1 blocks stay as they are and are still read.
    "",
];

/// The version whose migration first moves the `messages` rows into blocks
/// (Rust code: a block body cannot be built in SQL).
const MOVE_ROWS_VERSION: i64 = 10;

/// The newest schema version this build knows.
pub(crate) const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// How long opening waits for a lock held by someone else before calling it locked.
const OPEN_BUSY_TIMEOUT: Duration = Duration::from_secs(2);

/// The writer's connection plus the lock that keeps other natterds out.
pub(crate) struct WriterConnection {
    /// The read-write connection to `history.db`.
    pub(crate) conn: Connection,
    /// Held for as long as this natterd uses the directory; dropping releases it.
    pub(crate) _lock: Connection,
}

/// Whether `error` says another connection holds the file (SQLite's busy
/// or locked): a reader with the rollback journal, a backup, an export.
pub(crate) fn held_by_another(error: &rusqlite::Error) -> bool {
    matches!(
        error.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}

/// Turns an SQLite error on `path` into the error a user can act on.
pub(crate) fn classify(path: &Path, error: &rusqlite::Error) -> HistoryError {
    let path = path.to_path_buf();
    let reason = error.to_string();
    match error.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => HistoryError::NotADatabase { path, reason },
        Some(ErrorCode::DatabaseCorrupt) => HistoryError::Corrupt { path, reason },
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
            HistoryError::Locked { path, reason }
        }
        _ => HistoryError::Unreadable { path, reason },
    }
}

#[cfg(test)]
/// [`open_writer_for`] with the default sync mode (`SyncMode::Batched`: a
/// rollback journal).
pub(crate) fn open_writer(data_dir: &Path) -> Result<WriterConnection, HistoryError> {
    open_writer_for(data_dir, SyncMode::Batched)
}

/// Creates the data directory, takes the lock, opens `history.db` read-write
/// in the journal mode that suits `sync` ([`journal_mode`]) and brings its
/// schema up to date.
pub(crate) fn open_writer_for(
    data_dir: &Path,
    sync: SyncMode,
) -> Result<WriterConnection, HistoryError> {
    let dir_error = |error: std::io::Error| HistoryError::DataDir {
        path: data_dir.to_path_buf(),
        reason: error.to_string(),
    };
    datadir::prepare(data_dir).map_err(dir_error)?;
    let path = database_path(data_dir);
    // Created 0600 before SQLite opens them: its -wal, -shm and -journal
    // files copy the mode of their database file.
    for private in [path.clone(), data_dir.join(LOCK_FILE)] {
        datadir::private_file(&private).map_err(dir_error)?;
    }
    for suffix in ["-wal", "-shm", "-journal"] {
        for file in [DATABASE_FILE, LOCK_FILE] {
            datadir::tighten_if_present(&data_dir.join(format!("{file}{suffix}")))
                .map_err(dir_error)?;
        }
    }
    let lock = take_lock(data_dir, &path)?;
    let conn = Connection::open(&path).map_err(|error| classify(&path, &error))?;
    configure(&conn, journal_mode(sync)).map_err(|error| classify(&path, &error))?;
    migrate(&conn, &path)?;
    check_schema(&conn).map_err(|error| match classify(&path, &error) {
        HistoryError::Unreadable { path, reason } => HistoryError::NotADatabase {
            path,
            reason: format!("unexpected tables: {reason}"),
        },
        other => other,
    })?;
    // A write probe: another program holding a write lock shows up now, not at the first message.
    conn.execute_batch("BEGIN IMMEDIATE; COMMIT;")
        .map_err(|error| classify(&path, &error))?;
    Ok(WriterConnection { conn, _lock: lock })
}

/// Opens a read-only connection for queries. In WAL mode it reads while the
/// writer writes; with a rollback journal (the default, see [`journal_mode`])
/// a query that starts while a commit writes the database waits for it
/// (`busy_timeout`), and a commit waits for the queries already running.
pub(crate) fn open_reader(path: &Path) -> Result<Connection, HistoryError> {
    let read_error = |error: rusqlite::Error| HistoryError::Read {
        path: path.to_path_buf(),
        reason: error.to_string(),
    };
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(read_error)?;
    conn.busy_timeout(Duration::from_secs(5))
        .map_err(read_error)?;
    conn.pragma_update(None, "query_only", true)
        .map_err(read_error)?;
    Ok(conn)
}

/// `data_dir/history.db`.
pub(crate) fn database_path(data_dir: &Path) -> PathBuf {
    data_dir.join(DATABASE_FILE)
}

fn take_lock(data_dir: &Path, database: &Path) -> Result<Connection, HistoryError> {
    let lock_path = data_dir.join(LOCK_FILE);
    let locked = |error: rusqlite::Error| match classify(&lock_path, &error) {
        HistoryError::Locked { .. } => HistoryError::Locked {
            path: database.to_path_buf(),
            reason: format!("{} is held by another natterd", lock_path.display()),
        },
        other => other,
    };
    let lock = Connection::open(&lock_path).map_err(locked)?;
    // Long enough for a natterd that is still shutting down to let go, no longer.
    lock.busy_timeout(OPEN_BUSY_TIMEOUT).map_err(locked)?;
    // In exclusive locking mode SQLite keeps the file lock after the first write
    // until the connection closes: exactly a process lock, portable, no extra crate.
    lock.execute_batch(
        "PRAGMA locking_mode = EXCLUSIVE;
         PRAGMA journal_mode = DELETE;
         BEGIN EXCLUSIVE;
         CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL);
         DELETE FROM holder;",
    )
    .map_err(locked)?;
    lock.execute("INSERT INTO holder (pid) VALUES (?1)", [std::process::id()])
        .map_err(locked)?;
    lock.execute_batch("COMMIT;").map_err(locked)?;
    Ok(lock)
}

/// The page size of a database created by this build (an existing one
/// keeps the size it was created with: in WAL mode SQLite cannot change it).
/// With 4 KiB pages a block of a few KiB spills into overflow pages, each its
/// own WAL frame (header, checksum) and page-cache entry, written once at
/// commit and again at the checkpoint; with 16 KiB the history writer spent
/// 15% less CPU per whisper (README "Performance"). The price is a bigger
/// minimum commit: a commit of one message writes its table and index leaf
/// pages, 2 x 16 KiB instead of 2 x 4 KiB, which matters for `sync = "full"`
/// only in bytes written (its cost is the fsync).
pub(super) const NEW_PAGE_SIZE: i64 = 16_384;

/// The WAL size (bytes) past which a commit checkpoints it into the database.
const CHECKPOINT_BYTES: i64 = 16 << 20;

/// SQLite's journal mode for the writer in sync mode `sync`, set at open
/// (under the single-instance lock, so no other natterd has the file open;
/// SQLite converts a store written in the other mode, both ways).
///
/// Batched: `TRUNCATE`, a rollback journal. SQLite journals only the pages
/// that existed before the transaction (the right edge of each B-tree,
/// page 1) and writes new pages, which is where appended blocks go,
/// straight into the database once: no WAL frame with its checksum, no
/// checkpoint copying it again. Bytes written per whisper 252 -> 127, the
/// writer's CPU -34%, the server's CPU per whisper -9 to -13% (README
/// "Performance"). The price is 3 fsyncs per commit instead of 1 (one
/// commit per `commit_interval` or per batch: nothing at these rates) and
/// readers and commits waiting for each other (see [`open_reader`]).
/// `TRUNCATE` rather than `PERSIST`: the journal, which holds old page
/// images, is emptied at every commit instead of kept.
///
/// Full: `WAL`. A commit per message made 3 fsyncs per message a rollback
/// journal's cost: 1 829 whispers/s against 6 446 with the WAL, and twice
/// the writer's CPU.
pub(crate) fn journal_mode(sync: SyncMode) -> &'static str {
    match sync {
        SyncMode::Batched => "truncate",
        SyncMode::Full => "wal",
    }
}

fn configure(conn: &Connection, journal: &str) -> rusqlite::Result<()> {
    conn.busy_timeout(OPEN_BUSY_TIMEOUT)?;
    // Only a database with no page yet takes it; must come before the
    // journal mode, which may write the first page (WAL).
    conn.pragma_update(None, "page_size", NEW_PAGE_SIZE)?;
    let mode = conn.query_row(&format!("PRAGMA journal_mode = {journal}"), [], |row| {
        row.get::<_, String>(0)
    });
    // Leaving WAL needs the file to itself: a `natterd export` or `backup`
    // still reading it keeps the WAL until the next start, which works as
    // well, only slower.
    let kept = match mode {
        Ok(mode) if mode.eq_ignore_ascii_case(journal) => None,
        Ok(mode) => Some(format!("journal mode {mode}")),
        Err(error) if held_by_another(&error) => Some(error.to_string()),
        Err(error) => return Err(error),
    };
    if let Some(kept) = kept {
        tracing::warn!(%kept, wanted = journal, "history database kept its journal mode (another program has it open?); it is switched at the next start");
    }
    // FULL in both sync modes: each commit is on disk when it returns, so a
    // power cut loses at most the batch not yet committed. With a rollback
    // journal that is the journal synced before the database is written, the
    // database synced, the journal emptied and synced; with the WAL one sync
    // of the WAL (NORMAL would lose every commit made since the last
    // checkpoint, breaking the documented bound).
    conn.pragma_update(None, "synchronous", "FULL")?;
    // No foreign-key checks on the writer's connection (SQLite as bundled
    // checks them by default). The writer inserts a conversation's row in the
    // same transaction before any message naming it, and nothing deletes
    // conversations, so `messages.conversation` always names a row; the check
    // cost a lookup per stored message and a statement journal (a copy of
    // every page each multi-row INSERT touched), ~10% of the writer's CPU.
    conn.pragma_update(None, "foreign_keys", false)?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    // The writer's page cache (default 2 MiB): the inner pages of the indexes
    // stay cached instead of being read back from the file for every batch.
    conn.pragma_update(None, "cache_size", -16_384)?;
    // In WAL mode (`sync = "full"`), checkpoint every ~16 MiB of WAL instead
    // of 4 MiB: a page changed by many batches (the end of each index) is
    // copied into the database once per checkpoint, so fewer checkpoints
    // copy less. Readers are unaffected. (No effect with a rollback journal.)
    // Counted in pages: 4 096 of 4 KiB (databases made before 16 KiB pages),
    // 1 024 of 16 KiB.
    let page_size: i64 = conn.query_row("PRAGMA page_size", [], |row| row.get(0))?;
    conn.pragma_update(
        None,
        "wal_autocheckpoint",
        CHECKPOINT_BYTES / page_size.max(512),
    )?;
    Ok(())
}

fn migrate(conn: &Connection, path: &Path) -> Result<(), HistoryError> {
    let classify = |error: rusqlite::Error| classify(path, &error);
    let found: i64 = conn
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .map_err(classify)?;
    if found > SCHEMA_VERSION {
        return Err(HistoryError::TooNew {
            path: path.to_path_buf(),
            found,
            known: SCHEMA_VERSION,
        });
    }
    for (index, migration) in MIGRATIONS.iter().enumerate().skip(found.max(0) as usize) {
        let version = index as i64 + 1;
        let tx = conn.unchecked_transaction().map_err(classify)?;
        if version == MOVE_ROWS_VERSION {
            super::blocks::move_rows(&tx).map_err(classify)?;
        }
        tx.execute_batch(migration).map_err(classify)?;
        tx.pragma_update(None, "user_version", version)
            .map_err(classify)?;
        tx.commit().map_err(classify)?;
        tracing::info!(path = %path.display(), version, "history schema migrated");
    }
    Ok(())
}

fn check_schema(conn: &Connection) -> rusqlite::Result<()> {
    conn.prepare(
        "SELECT m.id, m.conversation, m.time_ms, m.msgid, m.kind, m.source, m.target, m.text,
                m.stream_seq, m.stray, c.key, c.is_channel, c.peer_a, c.peer_b, c.display_a, c.display_b
         FROM messages m JOIN conversations c ON c.id = m.conversation LIMIT 0",
    )?
    .query([])?
    .next()?;
    conn.prepare(
        "SELECT b.id, b.conversation, b.first_ms, b.last_ms, b.count, b.body,
                s.idx, s.msgid, q.idx, q.seq
         FROM message_blocks b JOIN block_strays s ON s.block = b.id
         JOIN block_seqs q ON q.block = b.id LIMIT 0",
    )?
    .query([])?
    .next()?;
    Ok(())
}

#[cfg(test)]
#[path = "schema_tests.rs"]
mod tests;
