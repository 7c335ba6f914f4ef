//! Retention: deleting messages older than `max_age` and beyond `max_per_target`,
//! in small chunks run by the writer between batches, so chat never waits long.

use super::config::HistoryConfig;
use rusqlite::{Connection, OptionalExtension, params};
use std::time::{Duration, Instant};

/// Rows deleted per step; each step is one short transaction.
const CHUNK: usize = 500;

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
    /// Deleting messages older than the cutoff (ms since the epoch).
    Age { cutoff_ms: i64 },
    /// Trimming each conversation in turn to the newest `max_per_target`.
    /// `remaining` is loaded on the first step; `boundary` is the conversation
    /// being trimmed and the position of its oldest message to keep.
    PerTarget {
        remaining: Option<Vec<i64>>,
        boundary: Option<(i64, i64, i64)>,
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

/// One chunk of messages older than `?1` (ms), at most `?2` of them.
const AGE_DELETE: &str = "DELETE FROM messages WHERE id IN
     (SELECT m.id FROM conversations c CROSS JOIN messages m
      ON m.conversation = c.id AND m.time_ms < ?1 LIMIT ?2)";

impl Run {
    /// One chunk; `Ok(false)` when the run is complete.
    fn advance(
        &mut self,
        conn: &Connection,
        max_per_target: Option<usize>,
    ) -> rusqlite::Result<bool> {
        match &mut self.phase {
            Phase::Age { cutoff_ms } => {
                let deleted = conn
                    .prepare_cached(
                        // CROSS JOIN keeps conversations outside, so each one's
                        // (conversation, time_ms) index finds its old rows
                        // (there is no index on time alone, schema version 4).
                        AGE_DELETE,
                    )?
                    .execute(params![*cutoff_ms, CHUNK as i64])?;
                self.deleted += deleted;
                if deleted == CHUNK {
                    return Ok(true);
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
                let Some((conversation, time_ms, id)) = *boundary else {
                    let Some(conversation) = remaining.pop() else {
                        return Ok(false);
                    };
                    *boundary = oldest_kept(conn, conversation, keep)?
                        .map(|(time_ms, id)| (conversation, time_ms, id));
                    return Ok(true);
                };
                let deleted = conn
                    .prepare_cached(
                        "DELETE FROM messages WHERE id IN
                         (SELECT id FROM messages WHERE conversation = ?1
                          AND (time_ms < ?2 OR (time_ms = ?2 AND id < ?3)) LIMIT ?4)",
                    )?
                    .execute(params![conversation, time_ms, id, CHUNK as i64])?;
                self.deleted += deleted;
                if deleted < CHUNK {
                    *boundary = None;
                }
                Ok(!remaining.is_empty() || boundary.is_some())
            }
        }
    }
}

fn conversation_ids(conn: &Connection) -> rusqlite::Result<Vec<i64>> {
    let mut statement = conn.prepare_cached("SELECT id FROM conversations")?;
    let rows = statement.query_map([], |row| row.get(0))?;
    rows.collect()
}

/// The position of the oldest message to keep, if the conversation holds more than `keep`.
fn oldest_kept(
    conn: &Connection,
    conversation: i64,
    keep: usize,
) -> rusqlite::Result<Option<(i64, i64)>> {
    if keep == 0 {
        return Ok(Some((i64::MAX, i64::MAX)));
    }
    conn.prepare_cached(
        "SELECT time_ms, id FROM messages WHERE conversation = ?1
         ORDER BY time_ms DESC, id DESC LIMIT 1 OFFSET ?2",
    )?
    .query_row(params![conversation, (keep - 1) as i64], |row| {
        Ok((row.get(0)?, row.get(1)?))
    })
    .optional()
}

#[cfg(test)]
mod tests {
    use super::AGE_DELETE;

    /// Without an index on time alone, deleting by age must still use an
    /// index (each conversation's), never scan every message.
    #[test]
    fn deleting_by_age_walks_the_conversation_index() {
        let dir = tempfile::tempdir().unwrap();
        let writer = crate::history::schema::open_writer(dir.path()).unwrap();
        let indexes: Vec<String> = writer
            .conn
            .prepare(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'messages'",
            )
            .unwrap()
            .query_map([], |row| row.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(
            !indexes.iter().any(|name| name == "messages_by_time"),
            "{indexes:?}"
        );
        let plan: Vec<String> = writer
            .conn
            .prepare(&format!("EXPLAIN QUERY PLAN {AGE_DELETE}"))
            .unwrap()
            .query_map([0, 1], |row| row.get(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(
            plan.iter().any(
                |step| step.contains("USING INDEX messages_by_conversation_time")
                    || step.contains("USING COVERING INDEX messages_by_conversation_time")
            ),
            "{plan:?}"
        );
        assert!(!plan.iter().any(|step| step == "SCAN m"), "{plan:?}");
    }
}
