//! Retention: deleting messages older than `max_age` and beyond `max_per_target`,
//! in small chunks run by the writer between batches, so chat never waits long.

use super::blocks::{self, Position, StoredBlock};
use super::config::HistoryConfig;
use rusqlite::{Connection, TransactionBehavior, params};
use std::time::{Duration, Instant};

/// Whole blocks deleted per step (each at most `super::block::MAX_MESSAGES`
/// messages); each step is one short transaction.
const CHUNK: usize = 16;

/// The cleanup schedule and the run in progress, if any.
pub(crate) struct Retention {
    max_age: Option<Duration>,
    max_per_target: Option<usize>,
    interval: Duration,
    next_run: Instant,
    run: Option<Run>,
}

/// Where a cleanup run is.
struct Run {
    phase: Phase,
    deleted: usize,
}

enum Phase {
    /// Deleting messages older than the cutoff (ms since the epoch): whole
    /// blocks first (until `whole_done`), then the blocks the cutoff falls inside.
    Age { cutoff_ms: i64, whole_done: bool },
    /// Trimming each conversation in turn to the newest `max_per_target`.
    /// `remaining` is loaded on the first step; `boundary` is the conversation
    /// being trimmed and the position of its oldest message to keep.
    PerTarget {
        remaining: Option<Vec<i64>>,
        boundary: Option<(i64, Position)>,
    },
}

impl Retention {
    /// A schedule whose first run is due at once (cleanup at start-up).
    pub(crate) fn new(config: &HistoryConfig) -> Retention {
        Retention {
            max_age: config.max_age,
            max_per_target: config.max_per_target,
            interval: config.cleanup_interval.max(Duration::from_millis(10)),
            next_run: Instant::now(),
            run: None,
        }
    }

    /// When [`step`](Self::step) next has work, or `None` if retention is off.
    pub(crate) fn next_due(&self) -> Option<Instant> {
        if self.max_age.is_none() && self.max_per_target.is_none() {
            None
        } else if self.run.is_some() {
            Some(Instant::now())
        } else {
            Some(self.next_run)
        }
    }

    /// Does one chunk of work if a run is due or in progress.
    pub(crate) fn step(&mut self, conn: &Connection) {
        if self.next_due().is_none_or(|due| due > Instant::now()) {
            return;
        }
        if self.run.is_none() {
            self.run = Some(self.start());
        }
        let Some(run) = self.run.as_mut() else { return };
        match run.advance(conn, self.max_per_target) {
            Ok(true) => {}
            Ok(false) => {
                if run.deleted > 0 {
                    tracing::info!(deleted = run.deleted, "history retention cleanup done");
                }
                self.finish();
            }
            Err(error) => {
                tracing::warn!(%error, "history retention cleanup failed; retrying at the next interval");
                self.finish();
            }
        }
    }

    fn start(&self) -> Run {
        let phase = match self.max_age {
            Some(age) => {
                let age_ms = i64::try_from(age.as_millis()).unwrap_or(i64::MAX);
                Phase::Age {
                    cutoff_ms: chrono::Utc::now().timestamp_millis().saturating_sub(age_ms),
                    whole_done: false,
                }
            }
            None => Phase::PerTarget {
                remaining: None,
                boundary: None,
            },
        };
        Run { phase, deleted: 0 }
    }

    fn finish(&mut self) {
        self.run = None;
        self.next_run = Instant::now() + self.interval;
    }
}

/// Up to `?2` blocks whose every message is older than `?1` (ms).
/// CROSS JOIN keeps conversations outside, so each one's (conversation,
/// last_ms) index finds its old blocks (there is no index on time alone).
const AGE_BLOCKS: &str = "SELECT b.id FROM conversations c CROSS JOIN message_blocks b
     ON b.conversation = c.id AND b.last_ms < ?1 LIMIT ?2";

/// The blocks holding messages on both sides of `?1` (ms).
const AGE_BOUNDARY: &str = "SELECT b.id FROM conversations c CROSS JOIN message_blocks b
     ON b.conversation = c.id AND b.last_ms >= ?1 AND b.first_ms < ?1";

/// The first position at `time_ms`: every message before it is older.
fn at_time(time_ms: i64) -> Position {
    Position::first_at(time_ms)
}

impl Run {
    /// One chunk, in one transaction; `Ok(false)` when the run is complete.
    fn advance(
        &mut self,
        conn: &Connection,
        max_per_target: Option<usize>,
    ) -> rusqlite::Result<bool> {
        // IMMEDIATE: it reads before it writes (see super::forget).
        let tx = rusqlite::Transaction::new_unchecked(conn, TransactionBehavior::Immediate)?;
        let more = self.advance_in(&tx, max_per_target)?;
        tx.commit()?;
        Ok(more)
    }

    fn advance_in(
        &mut self,
        conn: &Connection,
        max_per_target: Option<usize>,
    ) -> rusqlite::Result<bool> {
        match &mut self.phase {
            Phase::Age {
                cutoff_ms,
                whole_done,
            } => {
                if !*whole_done {
                    let whole = ids(conn, AGE_BLOCKS, params![*cutoff_ms, CHUNK as i64])?;
                    self.deleted += blocks::delete(conn, &whole)?;
                    *whole_done = whole.len() < CHUNK;
                    return Ok(true);
                }
                for id in ids(conn, AGE_BOUNDARY, params![*cutoff_ms])? {
                    self.deleted += blocks::trim(conn, id, at_time(*cutoff_ms))?;
                }
                let Some(_) = max_per_target else {
                    return Ok(false);
                };
                self.phase = Phase::PerTarget {
                    remaining: None,
                    boundary: None,
                };
                Ok(true)
            }
            Phase::PerTarget {
                remaining,
                boundary,
            } => {
                let Some(keep) = max_per_target else {
                    return Ok(false);
                };
                let remaining = match remaining {
                    Some(remaining) => remaining,
                    None => remaining.insert(conversation_ids(conn)?),
                };
                let Some((conversation, from)) = *boundary else {
                    let Some(conversation) = remaining.pop() else {
                        return Ok(false);
                    };
                    *boundary = oldest_kept(conn, conversation, keep)?
                        .map(|position| (conversation, position));
                    return Ok(true);
                };
                let whole = ids(
                    conn,
                    "SELECT id FROM message_blocks WHERE conversation = ?1 AND last_ms < ?2 LIMIT ?3",
                    params![conversation, from.time_ms, CHUNK as i64],
                )?;
                self.deleted += blocks::delete(conn, &whole)?;
                if whole.len() == CHUNK {
                    return Ok(true);
                }
                let boundary_blocks = ids(
                    conn,
                    "SELECT id FROM message_blocks WHERE conversation = ?1
                     AND last_ms >= ?2 AND first_ms <= ?2",
                    params![conversation, from.time_ms],
                )?;
                for id in boundary_blocks {
                    self.deleted += blocks::trim(conn, id, from)?;
                }
                *boundary = None;
                Ok(!remaining.is_empty())
            }
        }
    }
}

/// The ids `sql` selects.
fn ids(conn: &Connection, sql: &str, params: impl rusqlite::Params) -> rusqlite::Result<Vec<i64>> {
    let mut statement = conn.prepare_cached(sql)?;
    let rows = statement.query_map(params, |row| row.get(0))?;
    rows.collect()
}

fn conversation_ids(conn: &Connection) -> rusqlite::Result<Vec<i64>> {
    ids(conn, "SELECT id FROM conversations", [])
}

/// The position of the oldest message to keep, if the conversation holds
/// more than `keep`: the conversation's blocks are read newest last_ms
/// first, keeping the `keep` newest positions seen, until the next block
/// ends before the oldest of them (blocks overlap in time, so a block
/// further down may still hold newer messages than one above it).
fn oldest_kept(
    conn: &Connection,
    conversation: i64,
    keep: usize,
) -> rusqlite::Result<Option<Position>> {
    if keep == 0 {
        return Ok(Some(at_time(i64::MAX)));
    }
    let mut statement = conn.prepare_cached(
        "SELECT id, last_ms FROM message_blocks WHERE conversation = ?1 ORDER BY last_ms DESC",
    )?;
    let mut rows = statement.query([conversation])?;
    let mut newest: Vec<Position> = Vec::new();
    while let Some(row) = rows.next()? {
        let (block, last_ms): (i64, i64) = (row.get(0)?, row.get(1)?);
        if newest.len() >= keep && newest.last().is_some_and(|kth| last_ms < kth.time_ms) {
            break;
        }
        let stored = StoredBlock::load(conn, block)?;
        for (idx, entry) in stored.entries()?.enumerate() {
            newest.push(stored.position(idx, entry?.time_ms));
        }
        newest.sort_unstable_by(|a, b| b.cmp(a));
        newest.truncate(keep);
    }
    Ok(if newest.len() >= keep {
        newest.last().copied()
    } else {
        None
    })
}

#[cfg(test)]
#[path = "retention_tests.rs"]
mod tests;
