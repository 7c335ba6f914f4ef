//! Finding a stored message by its msgid without an index on every msgid
//! (schema version 8).
//!
//! A msgid made here names its millisecond (`super::model::msgid_time_ms`),
//! within [`MSGID_TIME_SLACK_MS`] of the message's server time, so the
//! (conversation, time_ms) index every query walks anyway finds the message:
//! a few rows of one conversation around that time, compared by msgid. Only a
//! message whose msgid does not name its time (another server's id shape, a
//! clock step between the id and the timestamp, every message stored before
//! version 8) is a *stray*, and strays alone are in a partial msgid index.
//! Each stored message is one B-tree insert cheaper than with `msgid UNIQUE`
//! (the cost measured in ARCHITECTURE.md, "History storage").

use super::model::{MSGID_TIME_SLACK_MS, msgid_time_ms};
use rusqlite::{Connection, OptionalExtension, params};

/// Whether the message `msgid` stored at `time_ms` must be filed as a stray
/// (found through the partial msgid index, not by its time).
pub(crate) fn is_stray(msgid: &str, time_ms: i64) -> bool {
    msgid_time_ms(msgid).is_none_or(|named| named.abs_diff(time_ms) > MSGID_TIME_SLACK_MS as u64)
}

/// Where a message is in its conversation's order (see `super::query`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Found {
    /// Its server time, ms since 1970.
    pub(crate) time_ms: i64,
    /// Its room stream sequence (0 when none is known).
    pub(crate) stream_seq: i64,
    /// Its row id.
    pub(crate) id: i64,
}

/// `time_ms, stream_seq, id` of message `?1` in conversation `?2`: among the rows of
/// `?3..=?4` (the msgid's own time, give or take the slack), else among
/// the strays.
const FIND: &str = "SELECT time_ms, stream_seq, id FROM messages
     WHERE conversation = ?2 AND time_ms BETWEEN ?3 AND ?4 AND msgid = ?1
     UNION ALL
     SELECT time_ms, stream_seq, id FROM messages
     WHERE msgid = ?1 AND stray = 1 AND conversation = ?2
     LIMIT 1";

/// Where message `msgid` of conversation `conversation_id` is stored, or
/// None if it is not there.
pub(crate) fn find(
    conn: &Connection,
    conversation_id: i64,
    msgid: &str,
) -> rusqlite::Result<Option<Found>> {
    // An id of another shape can only be a stray: an empty time window.
    let (from, to) = msgid_time_ms(msgid).map_or((1, 0), |named| {
        (named - MSGID_TIME_SLACK_MS, named + MSGID_TIME_SLACK_MS)
    });
    conn.prepare_cached(FIND)?
        .query_row(params![msgid, conversation_id, from, to], |row| {
            Ok(Found {
                time_ms: row.get(0)?,
                stream_seq: row.get(1)?,
                id: row.get(2)?,
            })
        })
        .optional()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both halves of the lookup are index seeks: the conversation's time
    /// range, and the partial index of strays. Never a scan of `messages`.
    #[test]
    fn finding_a_msgid_uses_an_index_for_both_halves() {
        let dir = tempfile::tempdir().unwrap();
        let writer = crate::history::schema::open_writer(dir.path()).unwrap();
        let plan: Vec<String> = writer
            .conn
            .prepare(&format!("EXPLAIN QUERY PLAN {FIND}"))
            .unwrap()
            .query_map(params!["x", 1, 0, 1], |row| row.get(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(
            plan.iter()
                .any(|step| step.contains("INDEX messages_by_conversation_time")),
            "{plan:?}"
        );
        assert!(
            plan.iter()
                .any(|step| step.contains("INDEX messages_stray_msgid")),
            "{plan:?}"
        );
        assert!(
            !plan.iter().any(|step| step.starts_with("SCAN")),
            "{plan:?}"
        );
    }

    #[test]
    fn a_msgid_that_names_another_time_is_a_stray() {
        let id = crate::history::new_msgid();
        let named = msgid_time_ms(&id).unwrap();
        assert!(!is_stray(&id, named));
        assert!(!is_stray(&id, named + MSGID_TIME_SLACK_MS));
        assert!(!is_stray(&id, named - MSGID_TIME_SLACK_MS));
        assert!(is_stray(&id, named + MSGID_TIME_SLACK_MS + 1));
        assert!(is_stray(&id, named - MSGID_TIME_SLACK_MS - 1));
        assert!(is_stray("not-a-natterd-id", named));
    }
}
