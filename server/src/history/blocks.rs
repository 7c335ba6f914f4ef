//! The store side of message blocks (schema version 9): appending a run of
//! one conversation's messages as blocks, deleting and rewriting blocks
//! (retention, channel forget), and the one-time move of the old
//! `messages` rows into blocks (schema version 10).
//!
//! A block is one `message_blocks` row whose body [`super::block`] encodes;
//! an entry's place is (time_ms, stream_seq, block id, index in block), its
//! msgid is in `block_strays` when it does not name its time
//! ([`super::msgid::is_stray`]) and its room stream sequence in
//! `block_seqs` once known. Every function here runs inside the caller's
//! transaction, so a block and its side rows change together.

use super::block::{BlockBuilder, BlockEntry};
use super::model::{MessageKind, msgid_parts};
use super::msgid;
pub(crate) use super::range::{Position, StoredBlock};
use rusqlite::{Connection, params};

/// Collects one conversation's entries into blocks and inserts each block
/// when it is full or the run ends ([`Appender::finish`]).
pub(crate) struct Appender<'c> {
    conn: &'c Connection,
    conversation: i64,
    builder: BlockBuilder,
    /// (index, msgid) of the block's strays.
    strays: Vec<(i64, String)>,
    /// (index, sequence) of the block's entries with a known stream sequence.
    seqs: Vec<(i64, i64)>,
}

impl<'c> Appender<'c> {
    /// Blocks of `conversation`, written through `conn`.
    pub(crate) fn new(conn: &'c Connection, conversation: i64) -> Appender<'c> {
        Appender {
            conn,
            conversation,
            builder: BlockBuilder::new(),
            strays: Vec::new(),
            seqs: Vec::new(),
        }
    }

    /// Goes on with `conversation`: if it is another one, the block
    /// collected so far is written first.
    pub(crate) fn switch(&mut self, conversation: i64) -> rusqlite::Result<()> {
        if conversation != self.conversation {
            self.finish()?;
            self.conversation = conversation;
        }
        Ok(())
    }

    /// Appends one message (`stream_seq` 0: none known); the stray flag is
    /// worked out here.
    pub(crate) fn push(&mut self, entry: BlockEntry<'_>, stream_seq: i64) -> rusqlite::Result<()> {
        if self.builder.is_full() || !self.builder.fits(entry.time_ms) {
            self.finish()?;
        }
        let idx = self.builder.count() as i64;
        // One decode of the msgid says whether it is a stray and gives the block its bits.
        let made = msgid_parts(entry.msgid.as_str());
        let stray = msgid::is_stray(made, entry.time_ms);
        if stray {
            self.strays.push((idx, entry.msgid.as_str().to_owned()));
        }
        if stream_seq != 0 {
            self.seqs.push((idx, stream_seq));
        }
        self.builder
            .push_parsed(&BlockEntry { stray, ..entry }, made);
        Ok(())
    }

    /// Inserts the block collected so far, if any.
    pub(crate) fn finish(&mut self) -> rusqlite::Result<()> {
        if self.builder.is_empty() {
            return Ok(());
        }
        self.conn
            .prepare_cached(
                "INSERT INTO message_blocks (conversation, first_ms, last_ms, count, body)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                self.conversation,
                self.builder.first_ms(),
                self.builder.last_ms(),
                self.builder.count() as i64,
                self.builder.body()
            ])?;
        let block = self.conn.last_insert_rowid();
        write_sides(self.conn, block, &self.strays, &self.seqs)?;
        self.builder.clear();
        self.strays.clear();
        self.seqs.clear();
        Ok(())
    }
}

fn write_sides(
    conn: &Connection,
    block: i64,
    strays: &[(i64, String)],
    seqs: &[(i64, i64)],
) -> rusqlite::Result<()> {
    if !strays.is_empty() {
        let mut insert = conn
            .prepare_cached("INSERT INTO block_strays (block, idx, msgid) VALUES (?1, ?2, ?3)")?;
        for (idx, msgid) in strays {
            insert.execute(params![block, idx, msgid])?;
        }
    }
    if !seqs.is_empty() {
        let mut insert =
            conn.prepare_cached("INSERT INTO block_seqs (block, idx, seq) VALUES (?1, ?2, ?3)")?;
        for (idx, seq) in seqs {
            insert.execute(params![block, idx, seq])?;
        }
    }
    Ok(())
}

/// Deletes the blocks `ids` with their side rows; returns how many messages they held.
pub(crate) fn delete(conn: &Connection, ids: &[i64]) -> rusqlite::Result<usize> {
    let mut count = conn.prepare_cached("SELECT count FROM message_blocks WHERE id = ?1")?;
    let mut blocks = conn.prepare_cached("DELETE FROM message_blocks WHERE id = ?1")?;
    let mut strays = conn.prepare_cached("DELETE FROM block_strays WHERE block = ?1")?;
    let mut seqs = conn.prepare_cached("DELETE FROM block_seqs WHERE block = ?1")?;
    let mut deleted = 0;
    for &id in ids {
        let held: i64 = count.query_row([id], |row| row.get(0))?;
        deleted += usize::try_from(held).unwrap_or(0);
        blocks.execute([id])?;
        strays.execute([id])?;
        seqs.execute([id])?;
    }
    Ok(deleted)
}

/// Keeps only the entries of `block` at or after `from` in the order:
/// deletes the block if none is left, rewrites it in place (same id,
/// entries renumbered in their order, side rows with them) if some go.
/// Returns how many messages were deleted.
pub(crate) fn trim(conn: &Connection, block: i64, from: Position) -> rusqlite::Result<usize> {
    let stored = StoredBlock::load(conn, block)?;
    let mut kept = Vec::new();
    let mut total = 0;
    for (idx, entry) in stored.entries()?.enumerate() {
        let entry = entry?;
        let position = stored.position(idx, entry.time_ms);
        total += 1;
        if position >= from {
            kept.push((entry, position.seq));
        }
    }
    let deleted = total - kept.len();
    if deleted == 0 {
        return Ok(0);
    }
    if kept.is_empty() {
        return delete(conn, &[block]);
    }
    let mut builder = BlockBuilder::new();
    let (mut strays, mut new_seqs) = (Vec::new(), Vec::new());
    for (idx, (entry, stream_seq)) in kept.iter().enumerate() {
        let idx = idx as i64;
        if entry.stray {
            strays.push((idx, entry.msgid.as_str().to_owned()));
        }
        if *stream_seq != 0 {
            new_seqs.push((idx, *stream_seq));
        }
        builder.push(entry);
    }
    conn.prepare_cached(
        "UPDATE message_blocks SET first_ms = ?2, last_ms = ?3, count = ?4, body = ?5 WHERE id = ?1",
    )?
    .execute(params![
        block,
        builder.first_ms(),
        builder.last_ms(),
        builder.count() as i64,
        builder.body()
    ])?;
    conn.prepare_cached("DELETE FROM block_strays WHERE block = ?1")?
        .execute([block])?;
    conn.prepare_cached("DELETE FROM block_seqs WHERE block = ?1")?
        .execute([block])?;
    write_sides(conn, block, &strays, &new_seqs)?;
    Ok(deleted)
}

/// Schema version 10: moves every row of the old `messages` table into
/// blocks, one pass in (conversation, time_ms, id) order through the
/// conversation index (no sort of the table); within a millisecond the rows
/// go in by (stream_seq, id), so each conversation lists as before. The
/// caller empties `messages` afterwards, in the same transaction.
pub(crate) fn move_rows(conn: &Connection) -> rusqlite::Result<()> {
    let mut statement = conn.prepare(
        "SELECT conversation, time_ms, msgid, kind, source, target, text, stream_seq
         FROM messages ORDER BY conversation, time_ms, id",
    )?;
    let mut rows = statement.query([])?;
    let mut appender: Option<Appender<'_>> = None;
    // The rows of one conversation and millisecond, ordered by sequence before they go in.
    let mut same_ms: Vec<OldRow> = Vec::new();
    while let Some(row) = rows.next()? {
        let old = OldRow {
            conversation: row.get(0)?,
            time_ms: row.get(1)?,
            msgid: row.get(2)?,
            kind: MessageKind::from_column(row.get(3)?),
            source: row.get(4)?,
            target: row.get(5)?,
            text: row.get(6)?,
            stream_seq: row.get(7)?,
        };
        if same_ms.first().is_some_and(|first| {
            (first.conversation, first.time_ms) != (old.conversation, old.time_ms)
        }) {
            put_rows(conn, &mut appender, &mut same_ms)?;
        }
        same_ms.push(old);
    }
    put_rows(conn, &mut appender, &mut same_ms)?;
    if let Some(mut appender) = appender {
        appender.finish()?;
    }
    Ok(())
}

/// One row of the old `messages` table.
struct OldRow {
    conversation: i64,
    time_ms: i64,
    msgid: String,
    kind: MessageKind,
    source: String,
    target: String,
    text: String,
    stream_seq: i64,
}

fn put_rows<'c>(
    conn: &'c Connection,
    appender: &mut Option<Appender<'c>>,
    rows: &mut Vec<OldRow>,
) -> rusqlite::Result<()> {
    // Stable: rows of one sequence keep their id order.
    rows.sort_by_key(|row| row.stream_seq);
    for row in rows.drain(..) {
        let appender = match appender {
            Some(appender) if appender.conversation == row.conversation => appender,
            Some(appender) => {
                appender.switch(row.conversation)?;
                appender
            }
            None => appender.insert(Appender::new(conn, row.conversation)),
        };
        let entry = BlockEntry {
            time_ms: row.time_ms,
            kind: row.kind,
            stray: false,
            msgid: row.msgid.as_str().into(),
            source: &row.source,
            target: &row.target,
            text: &row.text,
        };
        appender.push(entry, row.stream_seq)?;
    }
    Ok(())
}

#[cfg(test)]
#[path = "blocks_tests.rs"]
mod tests;
