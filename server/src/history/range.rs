//! The stored messages of one conversation strictly between two positions,
//! read from its blocks (`super::block`, schema version 10).
//!
//! A message's place is a [`Position`]: (server time, room stream sequence,
//! block id, index in the block). Block ids grow as blocks are written and a
//! block's entries are in queue order, so messages of one millisecond keep
//! the order in which they were delivered, as row ids kept it before (the
//! migration to blocks wrote the old rows' blocks in id order, first).
//!
//! Blocks of one conversation may overlap in time (replayed messages,
//! migration), but none spans more than [`MAX_SPAN_MS`], so the blocks that
//! can hold a message of time `t` are those whose `last_ms` is in
//! `[t, t + MAX_SPAN_MS]`. A read walks the (conversation, last_ms) index in
//! the direction it needs and stops as soon as the next block cannot hold
//! anything nearer than the `limit` messages it already has; only blocks
//! that overlap the range are fetched and decoded.

use super::block::{self, BlockEntry, BlockError};
use super::model::{Conversation, StoredMessage};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};

/// The longest time (ms) between the earliest and the latest message of one
/// block. The writer starts another block rather than stretch one further
/// (`BlockBuilder::fits`); readers rely on it to bound their walks.
pub(crate) use super::block::MAX_SPAN_MS;

/// A place in a conversation's order: (time, stream sequence, block, index).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Position {
    /// Server time, ms since 1970.
    pub(crate) time_ms: i64,
    /// Room stream sequence (0 when none is known).
    pub(crate) seq: i64,
    /// Block id.
    pub(crate) block: i64,
    /// Index in the block.
    pub(crate) idx: i64,
}

impl Position {
    /// Before every message.
    pub(crate) const START: Position = Position::first_at(i64::MIN);
    /// After every message.
    pub(crate) const END: Position = Position::last_at(i64::MAX);

    /// Before every message of millisecond `time_ms`.
    pub(crate) const fn first_at(time_ms: i64) -> Position {
        Position {
            time_ms,
            seq: i64::MIN,
            block: i64::MIN,
            idx: i64::MIN,
        }
    }

    /// After every message of millisecond `time_ms`.
    pub(crate) const fn last_at(time_ms: i64) -> Position {
        Position {
            time_ms,
            seq: i64::MAX,
            block: i64::MAX,
            idx: i64::MAX,
        }
    }

    /// The place just after this message and before any other that follows it.
    pub(crate) fn just_after(self) -> Position {
        Position {
            idx: self.idx.saturating_add(1),
            ..self
        }
    }

    /// The place just before this message and after any other that precedes it.
    pub(crate) fn just_before(self) -> Position {
        Position {
            idx: self.idx.saturating_sub(1),
            ..self
        }
    }
}

/// Which end of a range a read keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Direction {
    /// The earliest messages.
    Oldest,
    /// The latest messages.
    Newest,
}

/// Reads ranges of one conversation.
pub(crate) struct Range<'a> {
    /// A connection to the database.
    pub(crate) conn: &'a Connection,
    /// The conversation's row id.
    pub(crate) conversation_id: i64,
    /// The conversation, copied into each message read.
    pub(crate) conversation: &'a Conversation,
}

type SqlResult<T> = rusqlite::Result<T>;

impl Range<'_> {
    /// The oldest `limit` messages strictly between `lower` and `upper`, ascending.
    pub(crate) fn oldest(
        &self,
        lower: Position,
        upper: Position,
        limit: usize,
    ) -> SqlResult<Vec<StoredMessage>> {
        self.read(lower, upper, limit, Direction::Oldest)
    }

    /// The newest `limit` messages strictly between `lower` and `upper`, ascending.
    pub(crate) fn newest(
        &self,
        lower: Position,
        upper: Position,
        limit: usize,
    ) -> SqlResult<Vec<StoredMessage>> {
        self.read(lower, upper, limit, Direction::Newest)
    }

    fn read(
        &self,
        lower: Position,
        upper: Position,
        limit: usize,
        direction: Direction,
    ) -> SqlResult<Vec<StoredMessage>> {
        let mut kept = Kept {
            direction,
            limit,
            messages: Vec::new(),
        };
        if limit == 0 || lower >= upper {
            return Ok(Vec::new());
        }
        self.blocks(lower, upper, &mut kept)?;
        Ok(kept.into_ascending())
    }

    /// The blocks that may hold messages of the range, walked by `last_ms`
    /// in the read's direction until none further can matter.
    fn blocks(&self, lower: Position, upper: Position, kept: &mut Kept) -> SqlResult<()> {
        let sql = match kept.direction {
            Direction::Oldest => BLOCKS_ASCENDING,
            Direction::Newest => BLOCKS_DESCENDING,
        };
        let mut walk = self.conn.prepare_cached(sql)?;
        let mut blocks = walk.query(params![
            self.conversation_id,
            lower.time_ms,
            upper.time_ms.saturating_add(MAX_SPAN_MS)
        ])?;
        while let Some(row) = blocks.next()? {
            let (id, first_ms, last_ms): (i64, i64, i64) = (row.get(0)?, row.get(1)?, row.get(2)?);
            if let Some(worst) = kept.worst() {
                let beyond = match kept.direction {
                    // Every later block starts after `worst`'s millisecond.
                    Direction::Oldest => last_ms.saturating_sub(MAX_SPAN_MS) > worst.time_ms,
                    // Every later block ends before it.
                    Direction::Newest => last_ms < worst.time_ms,
                };
                if beyond {
                    break;
                }
            }
            // Starts after the range, or (walking up) after everything kept.
            let skip = first_ms > upper.time_ms
                || (kept.direction == Direction::Oldest
                    && kept.worst().is_some_and(|worst| first_ms > worst.time_ms));
            if skip {
                continue;
            }
            let block = StoredBlock::load(self.conn, id)?;
            kept.merge_block(&block, lower, upper, self.conversation)?;
        }
        Ok(())
    }
}

/// The conversation's blocks whose `last_ms` is in `?2..=?3`, earliest
/// first, in the order of the (conversation, last_ms, first_ms) index
/// (schema version 10): any other order among equal `last_ms` would make
/// SQLite sort every block of the range before returning the first.
pub(super) const BLOCKS_ASCENDING: &str = "SELECT id, first_ms, last_ms FROM message_blocks
     WHERE conversation = ?1 AND last_ms BETWEEN ?2 AND ?3
     ORDER BY last_ms ASC, first_ms ASC, id ASC";

/// The same, latest first.
pub(super) const BLOCKS_DESCENDING: &str = "SELECT id, first_ms, last_ms FROM message_blocks
     WHERE conversation = ?1 AND last_ms BETWEEN ?2 AND ?3
     ORDER BY last_ms DESC, first_ms DESC, id DESC";

/// The messages a read keeps: at most `limit`, the best first (earliest for
/// [`Direction::Oldest`], latest for [`Direction::Newest`]).
struct Kept {
    direction: Direction,
    limit: usize,
    messages: Vec<(Position, StoredMessage)>,
}

impl Kept {
    /// The position the next message must beat, once `limit` are kept.
    fn worst(&self) -> Option<Position> {
        if self.messages.len() < self.limit {
            return None;
        }
        self.messages.last().map(|(position, _)| *position)
    }

    /// Whether a message at `position` would be kept.
    fn wants(&self, position: Position) -> bool {
        self.worst().is_none_or(|worst| match self.direction {
            Direction::Oldest => position < worst,
            Direction::Newest => position > worst,
        })
    }

    fn sort<T>(&self, messages: &mut [(Position, T)]) {
        match self.direction {
            Direction::Oldest => messages.sort_unstable_by_key(|(position, _)| *position),
            Direction::Newest => {
                messages.sort_unstable_by_key(|(position, _)| std::cmp::Reverse(*position))
            }
        }
    }

    fn merge(&mut self, messages: Vec<(Position, StoredMessage)>) {
        self.messages.extend(messages);
        let mut all = std::mem::take(&mut self.messages);
        self.sort(&mut all);
        all.truncate(self.limit);
        self.messages = all;
    }

    /// Keeps the entries of `block` strictly between `lower` and `upper`
    /// that are better than what is kept; only those are copied out.
    fn merge_block(
        &mut self,
        block: &StoredBlock,
        lower: Position,
        upper: Position,
        conversation: &Conversation,
    ) -> SqlResult<()> {
        let mut candidates: Vec<(Position, BlockEntry<'_>)> = Vec::new();
        for (idx, entry) in block.entries()?.enumerate() {
            let entry = entry?;
            let position = block.position(idx, entry.time_ms);
            if lower < position && position < upper && self.wants(position) {
                candidates.push((position, entry));
            }
        }
        self.sort(&mut candidates);
        candidates.truncate(self.limit);
        let owned = candidates
            .into_iter()
            .map(|(position, entry)| (position, stored_message(&entry, conversation)))
            .collect();
        self.merge(owned);
        Ok(())
    }

    fn into_ascending(self) -> Vec<StoredMessage> {
        let mut messages: Vec<StoredMessage> = self
            .messages
            .into_iter()
            .map(|(_, message)| message)
            .collect();
        if self.direction == Direction::Newest {
            messages.reverse();
        }
        messages
    }
}

/// One block as read from the database: its body and its entries' known
/// stream sequences.
pub(crate) struct StoredBlock {
    id: i64,
    body: Vec<u8>,
    /// (index, sequence), ascending by index; an index not listed has 0.
    seqs: Vec<(i64, i64)>,
}

impl StoredBlock {
    /// Reads block `id` (an error if it is not there).
    pub(crate) fn load(conn: &Connection, id: i64) -> SqlResult<StoredBlock> {
        let body: Vec<u8> = conn
            .prepare_cached("SELECT body FROM message_blocks WHERE id = ?1")?
            .query_row([id], |row| row.get(0))?;
        let seqs = conn
            .prepare_cached("SELECT idx, seq FROM block_seqs WHERE block = ?1 ORDER BY idx")?
            .query_map([id], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<SqlResult<Vec<(i64, i64)>>>()?;
        Ok(StoredBlock { id, body, seqs })
    }

    /// Its entries in index order; a body that does not decode is an error.
    pub(crate) fn entries(&self) -> Result<block::Entries<'_>, BlockError> {
        block::entries(&self.body)
    }

    /// The place of its entry `idx`, of time `time_ms`.
    pub(crate) fn position(&self, idx: usize, time_ms: i64) -> Position {
        let idx = i64::try_from(idx).unwrap_or(i64::MAX);
        let seq = self
            .seqs
            .binary_search_by_key(&idx, |&(at, _)| at)
            .map_or(0, |found| self.seqs[found].1);
        Position {
            time_ms,
            seq,
            block: self.id,
            idx,
        }
    }
}

/// A block entry as a message of `conversation`.
pub(crate) fn stored_message(entry: &BlockEntry<'_>, conversation: &Conversation) -> StoredMessage {
    StoredMessage {
        msgid: entry.msgid.as_str().to_owned(),
        time: time_from_millis(entry.time_ms),
        conversation: conversation.clone(),
        kind: entry.kind,
        source: entry.source.to_owned(),
        target: entry.target.to_owned(),
        text: entry.text.to_owned(),
    }
}

/// A stored millisecond time; out-of-range values (a damaged row) read as the epoch.
pub(crate) fn time_from_millis(time_ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(time_ms).unwrap_or_default()
}
