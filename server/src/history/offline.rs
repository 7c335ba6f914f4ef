//! Working on history.db from outside the server: a consistent backup, a
//! channel export and the stored channel states, all usable while natterd
//! runs. They open the database directly (never `history.lock`, which the
//! running server holds) and read one snapshot, which WAL lets them do
//! without stopping the writer.

use super::model::{Conversation, MessageKind};
use super::schema::{self, SCHEMA_VERSION};
use crate::channels::ChannelRecord;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Why a backup or export failed; the `Display` text is what the operator sees.
#[derive(Debug, thiserror::Error)]
pub enum OfflineError {
    /// There is no history.db where it was looked for.
    #[error("no history database at {}: pass the server's --data-dir (or --config)", path.display())]
    Missing {
        /// Where it was looked for.
        path: PathBuf,
    },
    /// The backup file exists already; backups never overwrite.
    #[error("{} exists already; choose a new file name (backups never overwrite)", path.display())]
    Exists {
        /// The backup file.
        path: PathBuf,
    },
    /// Writing the backup file failed.
    #[error("cannot write {}: {reason}", path.display())]
    Write {
        /// The backup file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// Reading the database failed (corrupt, newer schema, locked too long, ...).
    #[error("cannot read {}: {reason}", path.display())]
    Read {
        /// The database.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
}

/// One exported message.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ExportedMessage {
    /// When it was sent (RFC 3339, UTC, milliseconds when there are any).
    #[serde(serialize_with = "rfc3339")]
    pub time: DateTime<Utc>,
    /// Its `msgid`.
    pub msgid: String,
    /// `PRIVMSG` or `NOTICE`.
    pub command: &'static str,
    /// The sender's nick.
    pub nick: String,
    /// The channel as written by its sender.
    pub target: String,
    /// The text, exactly as stored.
    pub text: String,
}

fn rfc3339<S: serde::Serializer>(time: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&time.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
}

/// How long to wait for the running server's writer to let go of a lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The history database in `data_dir`, or [`OfflineError::Missing`]: an
/// admin tool that would write to it checks first, so a mistyped
/// `--data-dir` is an error rather than a new, empty database.
pub fn existing_database(data_dir: &Path) -> Result<PathBuf, OfflineError> {
    let path = schema::database_path(data_dir);
    if !path.is_file() {
        return Err(OfflineError::Missing { path });
    }
    Ok(path)
}

fn open(data_dir: &Path) -> Result<(Connection, PathBuf), OfflineError> {
    let path = existing_database(data_dir)?;
    let read_error = |error: rusqlite::Error| OfflineError::Read {
        path: path.clone(),
        reason: error.to_string(),
    };
    // Read-write without CREATE: a WAL database needs its -shm, and this never makes a new file.
    let conn = Connection::open_with_flags(
        &path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(read_error)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(read_error)?;
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .map_err(read_error)?;
    if version > SCHEMA_VERSION {
        return Err(OfflineError::Read {
            path,
            reason: format!(
                "its schema (version {version}) is newer than this natterd's ({SCHEMA_VERSION}); use the natterd that wrote it"
            ),
        });
    }
    Ok((conn, path))
}

/// Writes a consistent, self-contained copy of `data_dir/history.db` to `dest`
/// (a new file, mode 0600: it holds private messages) and returns how many
/// messages it holds. Works while the server runs: the copy is one snapshot.
pub fn backup(data_dir: &Path, dest: &Path) -> Result<u64, OfflineError> {
    let (conn, path) = open(data_dir)?;
    create_private(dest)?;
    let written = conn
        .execute("VACUUM INTO ?1", [dest.to_string_lossy()])
        .map_err(|error| OfflineError::Read {
            path: path.clone(),
            reason: error.to_string(),
        })
        .and_then(|_| count_messages(dest));
    if written.is_err() {
        let _ = std::fs::remove_file(dest);
    }
    written
}

fn create_private(dest: &Path) -> Result<(), OfflineError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(dest) {
        Ok(_) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
            Err(OfflineError::Exists {
                path: dest.to_path_buf(),
            })
        }
        Err(error) => Err(OfflineError::Write {
            path: dest.to_path_buf(),
            reason: error.to_string(),
        }),
    }
}

fn count_messages(dest: &Path) -> Result<u64, OfflineError> {
    let error = |error: rusqlite::Error| OfflineError::Write {
        path: dest.to_path_buf(),
        reason: format!("the copy does not read back: {error}"),
    };
    let copy =
        Connection::open_with_flags(dest, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(error)?;
    let sql = if has_blocks(&copy).map_err(error)? {
        "SELECT (SELECT count(*) FROM messages) + (SELECT coalesce(sum(count), 0) FROM message_blocks)"
    } else {
        "SELECT count(*) FROM messages"
    };
    let count: i64 = copy.query_row(sql, [], |row| row.get(0)).map_err(error)?;
    Ok(u64::try_from(count).unwrap_or(0))
}

/// Whether the database holds its messages in blocks (schema version 10
/// on); before that they are rows of `messages`, and the blocks (if the
/// table exists) are empty.
fn has_blocks(conn: &Connection) -> rusqlite::Result<bool> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    Ok(version >= BLOCKS_VERSION)
}

/// The first schema version that stores messages in blocks.
const BLOCKS_VERSION: i64 = 10;

/// Calls `each` with every message of channel `folded` (case-folded name) sent
/// at or after `since`, oldest first, from one consistent snapshot.
pub fn export(
    data_dir: &Path,
    folded: &str,
    since: Option<DateTime<Utc>>,
    mut each: impl FnMut(ExportedMessage) -> std::io::Result<()>,
) -> Result<(), OfflineError> {
    let (conn, path) = open(data_dir)?;
    let read_error = |error: rusqlite::Error| OfflineError::Read {
        path: path.clone(),
        reason: error.to_string(),
    };
    let key = Conversation::channel(folded).key();
    let since_ms = since.map_or(i64::MIN, |time| time.timestamp_millis());
    if has_blocks(&conn).map_err(read_error)? {
        return super::offline_blocks::export(&conn, &path, &key, since_ms, each);
    }
    let mut statement = conn
        .prepare(
            "SELECT m.time_ms, m.msgid, m.kind, m.source, m.target, m.text
             FROM messages m JOIN conversations c ON c.id = m.conversation
             WHERE c.key = ?1 AND m.time_ms >= ?2 ORDER BY m.time_ms, m.stream_seq, m.id",
        )
        .map_err(read_error)?;
    let mut rows = statement
        .query(rusqlite::params![key, since_ms])
        .map_err(read_error)?;
    while let Some(row) = rows.next().map_err(read_error)? {
        let time_ms: i64 = row.get(0).map_err(read_error)?;
        let text = |at: usize| row.get::<_, String>(at).map_err(read_error);
        let kind = MessageKind::from_column(row.get(2).map_err(read_error)?);
        let message = exported(time_ms, &text(1)?, kind, &text(3)?, &text(4)?, &text(5)?);
        each(message).map_err(written)?;
    }
    Ok(())
}

/// An exported message from its stored fields.
pub(super) fn exported(
    time_ms: i64,
    msgid: &str,
    kind: MessageKind,
    source: &str,
    target: &str,
    text: &str,
) -> ExportedMessage {
    ExportedMessage {
        time: DateTime::from_timestamp_millis(time_ms).unwrap_or_default(),
        msgid: msgid.to_owned(),
        command: kind.command(),
        nick: source.split('!').next().unwrap_or(source).to_string(),
        target: target.to_owned(),
        text: text.to_owned(),
    }
}

/// The error for a failed write of the export.
pub(super) fn written(error: std::io::Error) -> OfflineError {
    OfflineError::Write {
        path: PathBuf::from("standard output"),
        reason: error.to_string(),
    }
}

/// One stored message of any conversation, as [`stored`] lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredRecord {
    /// The conversation's stored key (`chan:<folded>` or the private pair's).
    pub conversation: String,
    /// Its room stream sequence in a cluster (0: none known).
    pub stream_seq: i64,
    /// The message.
    pub message: ExportedMessage,
}

/// Every stored message of every conversation, in no particular order, from
/// one snapshot: for checks and tests on small databases (it holds them
/// all in memory; [`export`] streams one channel).
pub fn stored(data_dir: &Path) -> Result<Vec<StoredRecord>, OfflineError> {
    let (conn, path) = open(data_dir)?;
    let read_error = |error: rusqlite::Error| OfflineError::Read {
        path: path.clone(),
        reason: error.to_string(),
    };
    if has_blocks(&conn).map_err(read_error)? {
        return super::offline_blocks::stored(&conn, &path);
    }
    let mut statement = conn
        .prepare(
            "SELECT c.key, m.stream_seq, m.time_ms, m.msgid, m.kind, m.source, m.target, m.text
             FROM messages m JOIN conversations c ON c.id = m.conversation",
        )
        .map_err(read_error)?;
    let mut rows = statement.query([]).map_err(read_error)?;
    let mut all = Vec::new();
    while let Some(row) = rows.next().map_err(read_error)? {
        let text = |at: usize| row.get::<_, String>(at).map_err(read_error);
        let kind = MessageKind::from_column(row.get(4).map_err(read_error)?);
        let time_ms = row.get(2).map_err(read_error)?;
        all.push(StoredRecord {
            conversation: text(0)?,
            stream_seq: row.get(1).map_err(read_error)?,
            message: exported(time_ms, &text(3)?, kind, &text(5)?, &text(6)?, &text(7)?),
        });
    }
    Ok(all)
}

/// Every stored channel state (registered channels), sorted by folded name,
/// from one snapshot.
pub fn channels(data_dir: &Path) -> Result<Vec<(String, ChannelRecord)>, OfflineError> {
    let (conn, path) = open(data_dir)?;
    crate::channels::read_all(&conn).map_err(|reason| OfflineError::Read { path, reason })
}

/// How many messages of channel `folded` (case-folded name) are stored.
pub fn count_channel(data_dir: &Path, folded: &str) -> Result<u64, OfflineError> {
    let (conn, path) = open(data_dir)?;
    let read_error = |error: rusqlite::Error| OfflineError::Read {
        path: path.clone(),
        reason: error.to_string(),
    };
    let sql = if has_blocks(&conn).map_err(read_error)? {
        "SELECT coalesce(sum(b.count), 0) FROM message_blocks b
         JOIN conversations c ON c.id = b.conversation WHERE c.key = ?1"
    } else {
        "SELECT count(*) FROM messages m JOIN conversations c ON c.id = m.conversation WHERE c.key = ?1"
    };
    let count: i64 = conn
        .query_row(sql, [Conversation::channel(folded).key()], |row| row.get(0))
        .map_err(read_error)?;
    Ok(u64::try_from(count).unwrap_or(0))
}

/// Folds the WAL back into the database and empties it, so that history.db
/// alone is a complete copy (a clean stop calls it after the last commit;
/// with a rollback journal there is no WAL and SQLite does nothing).
pub(crate) fn checkpoint(conn: &Connection, path: &Path) {
    match conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| {
        row.get::<_, i64>(0)
    }) {
        Ok(0) => tracing::debug!(path = %path.display(), "history checkpointed"),
        Ok(_) => tracing::warn!(
            path = %path.display(),
            "history could not be fully checkpointed (a reader was busy); history.db-wal is still needed"
        ),
        Err(error) => tracing::warn!(path = %path.display(), %error, "history checkpoint failed"),
    }
}
