//! A channel export read from message blocks (schema version 10 on), in
//! the conversation's order, from one snapshot, with memory bounded by the
//! blocks that overlap in time rather than by the channel's history.
//!
//! Blocks are read by `first_ms`: once the next block starts at `t`, no
//! later block holds a message before `t`, so every decoded message before
//! `t` can be written out. Messages wait in a heap ordered by their place
//! (time, stream sequence, block, index; see `super::blocks::Position`).

use super::block::BlockEntry;
use super::blocks::{Position, StoredBlock};
use super::offline::{ExportedMessage, OfflineError, StoredRecord, exported, written};
use rusqlite::{Connection, OptionalExtension, params};
use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::path::Path;

/// A decoded message waiting for its turn.
struct Pending {
    position: Position,
    message: ExportedMessage,
}

impl PartialEq for Pending {
    fn eq(&self, other: &Self) -> bool {
        self.position == other.position
    }
}

impl Eq for Pending {}

impl PartialOrd for Pending {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Pending {
    fn cmp(&self, other: &Self) -> Ordering {
        self.position.cmp(&other.position)
    }
}

/// Calls `each` with every message of the conversation `key` at or after
/// `since_ms`, oldest first. A block that does not decode is an error
/// naming `path`.
pub(super) fn export(
    conn: &Connection,
    path: &Path,
    key: &str,
    since_ms: i64,
    mut each: impl FnMut(ExportedMessage) -> std::io::Result<()>,
) -> Result<(), OfflineError> {
    let read_error = |reason: String| OfflineError::Read {
        path: path.to_path_buf(),
        reason,
    };
    let sql_error = |error: rusqlite::Error| read_error(error.to_string());
    let conversation: Option<i64> = conn
        .query_row(
            "SELECT id FROM conversations WHERE key = ?1",
            [key],
            |row| row.get(0),
        )
        .optional()
        .map_err(sql_error)?;
    let Some(conversation) = conversation else {
        return Ok(());
    };
    let mut statement = conn
        .prepare(
            "SELECT id, first_ms FROM message_blocks
             WHERE conversation = ?1 AND last_ms >= ?2 ORDER BY first_ms, id",
        )
        .map_err(sql_error)?;
    let mut rows = statement
        .query(params![conversation, since_ms])
        .map_err(sql_error)?;
    let mut pending: BinaryHeap<Reverse<Pending>> = BinaryHeap::new();
    let mut emit_before = |bound: i64, pending: &mut BinaryHeap<Reverse<Pending>>| {
        while pending
            .peek()
            .is_some_and(|Reverse(next)| next.position.time_ms < bound)
        {
            if let Some(Reverse(next)) = pending.pop() {
                each(next.message).map_err(written)?;
            }
        }
        Ok::<(), OfflineError>(())
    };
    while let Some(row) = rows.next().map_err(sql_error)? {
        let (block, first_ms): (i64, i64) = (
            row.get(0).map_err(sql_error)?,
            row.get(1).map_err(sql_error)?,
        );
        emit_before(first_ms, &mut pending)?;
        let stored = StoredBlock::load(conn, block).map_err(sql_error)?;
        let entries = stored
            .entries()
            .map_err(|error| read_error(error.to_string()))?;
        for (idx, entry) in entries.enumerate() {
            let entry = entry.map_err(|error| read_error(error.to_string()))?;
            if entry.time_ms < since_ms {
                continue;
            }
            let position = stored.position(idx, entry.time_ms);
            let message = exported_entry(&entry);
            pending.push(Reverse(Pending { position, message }));
        }
    }
    emit_before(i64::MAX, &mut pending)?;
    // i64::MAX itself is not before the bound.
    while let Some(Reverse(next)) = pending.pop() {
        each(next.message).map_err(written)?;
    }
    Ok(())
}

/// Every message of every block, unordered (see `super::offline::stored`).
pub(super) fn stored(conn: &Connection, path: &Path) -> Result<Vec<StoredRecord>, OfflineError> {
    let read_error = |reason: String| OfflineError::Read {
        path: path.to_path_buf(),
        reason,
    };
    let sql_error = |error: rusqlite::Error| read_error(error.to_string());
    let mut statement = conn
        .prepare(
            "SELECT c.key, b.id FROM message_blocks b
             JOIN conversations c ON c.id = b.conversation",
        )
        .map_err(sql_error)?;
    let mut rows = statement.query([]).map_err(sql_error)?;
    let mut all = Vec::new();
    while let Some(row) = rows.next().map_err(sql_error)? {
        let key: String = row.get(0).map_err(sql_error)?;
        let block: i64 = row.get(1).map_err(sql_error)?;
        let stored = StoredBlock::load(conn, block).map_err(sql_error)?;
        let entries = stored
            .entries()
            .map_err(|error| read_error(error.to_string()))?;
        for (idx, entry) in entries.enumerate() {
            let entry = entry.map_err(|error| read_error(error.to_string()))?;
            all.push(StoredRecord {
                conversation: key.clone(),
                stream_seq: stored.position(idx, entry.time_ms).seq,
                message: exported_entry(&entry),
            });
        }
    }
    Ok(all)
}

/// A block's entry as the export writes it.
fn exported_entry(entry: &BlockEntry<'_>) -> ExportedMessage {
    exported(
        entry.time_ms,
        entry.msgid.as_str(),
        entry.kind,
        entry.source,
        entry.target,
        entry.text,
    )
}
