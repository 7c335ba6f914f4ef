//! Finding a stored message by its msgid without an index on every msgid.
//!
//! A msgid made here names its millisecond (`super::model::msgid_time_ms`),
//! within [`MSGID_TIME_SLACK_MS`] of the message's server time, so the
//! conversation's blocks by time (the (conversation, last_ms, first_ms)
//! index every query walks anyway) find the message: the few blocks that
//! overlap that second, decoded and compared by msgid. Only a message whose
//! msgid does not name its time (another server's id shape, a clock step
//! between the id and the timestamp, every message stored before schema
//! version 8) is a *stray*, and strays alone are listed by msgid
//! (`block_strays`). No msgid index on every message: the cost measured in
//! ARCHITECTURE.md, "History storage".

use super::block::BlockEntry;
use super::model::{MSGID_TIME_SLACK_MS, msgid_time_ms};
use super::range::{MAX_SPAN_MS, Position, StoredBlock};
use rusqlite::{Connection, params};
use std::collections::{HashMap, HashSet};

/// Whether a message stored at `time_ms` must be filed as a stray (found
/// through the partial msgid index, not by its time), from its msgid's
/// `model::msgid_parts` (the writer decodes each msgid once, for this and
/// for the block).
pub(crate) fn is_stray(made: Option<(i64, u128)>, time_ms: i64) -> bool {
    made.is_none_or(|(named, _)| named.abs_diff(time_ms) > MSGID_TIME_SLACK_MS as u64)
}

/// Where a message is in its conversation's order (see `super::range`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Found {
    /// Its place: time, stream sequence, block and index.
    pub(crate) position: Position,
}

/// The blocks of conversation `?2` that may hold a message filed as the
/// stray `?1`, with its index.
const FIND_STRAY_BLOCKS: &str = "SELECT s.block, s.idx FROM block_strays s
     JOIN message_blocks b ON b.id = s.block
     WHERE s.msgid = ?1 AND b.conversation = ?2 ORDER BY s.block, s.idx";

/// Where message `msgid` of conversation `conversation_id` is stored, or
/// None if it is not there: in the blocks around the time the msgid
/// names, else among the strays. Queries anchor on it, and the writer
/// places stream sequences with it.
pub(crate) fn find(
    conn: &Connection,
    conversation_id: i64,
    msgid: &str,
) -> rusqlite::Result<Option<Found>> {
    if let Some(named) = msgid_time_ms(msgid) {
        let mut found = None;
        let slack = (named - MSGID_TIME_SLACK_MS, named + MSGID_TIME_SLACK_MS);
        window(conn, conversation_id, slack, |block, idx, entry| {
            if entry.msgid.as_str() == msgid {
                found = Some(Found {
                    position: block.position(idx, entry.time_ms),
                });
            }
            found.is_none()
        })?;
        if found.is_some() {
            return Ok(found);
        }
    }
    // An id of another shape can only be a stray.
    find_stray(conn, conversation_id, msgid)
}

/// The entry `msgid` among the conversation's blocks' strays.
fn find_stray(
    conn: &Connection,
    conversation_id: i64,
    msgid: &str,
) -> rusqlite::Result<Option<Found>> {
    let places: Vec<(i64, i64)> = conn
        .prepare_cached(FIND_STRAY_BLOCKS)?
        .query_map(params![msgid, conversation_id], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    for (id, idx) in places {
        let block = StoredBlock::load(conn, id)?;
        let wanted = usize::try_from(idx).unwrap_or(usize::MAX);
        if let Some(entry) = block.entries()?.nth(wanted) {
            let entry = entry?;
            if entry.msgid.as_str() == msgid {
                return Ok(Some(Found {
                    position: block.position(wanted, entry.time_ms),
                }));
            }
        }
    }
    Ok(None)
}

/// The conversation `?1`'s blocks that may hold a time in `?2..=?3` (`?4`
/// is `?3` plus [`MAX_SPAN_MS`]), read from the index alone. Bounded on
/// both sides of the (conversation, last_ms) index: no block spans more
/// than [`MAX_SPAN_MS`], so one that starts by `?3` ends by `?4`.
const WINDOW: &str = "SELECT id FROM message_blocks
     WHERE conversation = ?1 AND last_ms BETWEEN ?2 AND ?4 AND first_ms <= ?3";

/// Calls `each(block, idx, entry)` for every entry of `conversation` whose
/// time is within `from..=to`, until it returns false. A block that does
/// not decode is an error.
fn window(
    conn: &Connection,
    conversation: i64,
    (from, to): (i64, i64),
    mut each: impl FnMut(&StoredBlock, usize, &BlockEntry<'_>) -> bool,
) -> rusqlite::Result<()> {
    let mut statement = conn.prepare_cached(WINDOW)?;
    let mut rows = statement.query(params![
        conversation,
        from,
        to,
        to.saturating_add(MAX_SPAN_MS)
    ])?;
    while let Some(row) = rows.next()? {
        let block = StoredBlock::load(conn, row.get(0)?)?;
        for (idx, entry) in block.entries()?.enumerate() {
            let entry = entry?;
            if (from..=to).contains(&entry.time_ms) && !each(&block, idx, &entry) {
                return Ok(());
            }
        }
    }
    Ok(())
}

/// Which of `wanted` (conversation id, msgid) the blocks hold already: what
/// [`find`] answers for each, read for a whole batch at once. Each window
/// of a conversation's blocks is read once, merged with the windows that
/// overlap it, instead of once per msgid: a burst of msgids of one
/// conversation and second (a cluster node storing another node's busy
/// room) decodes each block in it once per batch, not once per message. An
/// entry found in another msgid's window is that msgid's only if it would
/// have been found in its own or is a stray ([`is_stray`] and the window
/// share one bound), so the answer is [`find`]'s.
pub(crate) fn stored<'a>(
    conn: &Connection,
    wanted: &[(i64, &'a str)],
) -> rusqlite::Result<HashSet<(i64, &'a str)>> {
    let mut asked: HashMap<i64, HashSet<&'a str>> = HashMap::new();
    for &(conversation, msgid) in wanted {
        asked.entry(conversation).or_default().insert(msgid);
    }
    let mut found = HashSet::new();
    let mut stray = conn.prepare_cached(FIND_STRAY_BLOCKS)?;
    let mut windows: Vec<(i64, i64)> = Vec::new();
    for (&conversation, msgids) in &asked {
        for &msgid in msgids {
            if stray.exists(params![msgid, conversation])? {
                found.insert((conversation, msgid));
            }
            if let Some(named) = msgid_time_ms(msgid) {
                windows.push((conversation, named));
            }
        }
    }
    windows.sort_unstable();
    let mut at = 0;
    while let Some(&(conversation, first)) = windows.get(at) {
        // This window and every later one of the conversation that overlaps it.
        let mut last = first;
        at += 1;
        while let Some(&(next_conversation, next)) = windows.get(at)
            && next_conversation == conversation
            && next - MSGID_TIME_SLACK_MS <= last + MSGID_TIME_SLACK_MS
        {
            last = next;
            at += 1;
        }
        let Some(msgids) = asked.get(&conversation) else {
            continue;
        };
        let span = (first - MSGID_TIME_SLACK_MS, last + MSGID_TIME_SLACK_MS);
        window(conn, conversation, span, |_, _, entry| {
            if let Some(&hit) = msgids.get(entry.msgid.as_str()) {
                found.insert((conversation, hit));
            }
            true
        })?;
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::model::msgid_parts;

    /// Both halves of [`find`] are index seeks: the conversation's blocks
    /// by time (read from the index alone), and the strays' msgid index.
    /// Never a scan of `message_blocks`.
    #[test]
    fn finding_a_msgid_uses_an_index_for_both_halves() {
        let dir = tempfile::tempdir().unwrap();
        let writer = crate::history::schema::open_writer(dir.path()).unwrap();
        let plan = |sql: &str, params: &[&dyn rusqlite::ToSql]| -> Vec<String> {
            writer
                .conn
                .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                .unwrap()
                .query_map(params, |row| row.get(3))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap()
        };
        let window = plan(WINDOW, &[&1, &0, &1, &2]);
        assert!(
            window
                .iter()
                .any(|step| step
                    .contains("USING COVERING INDEX message_blocks_by_conversation_time")),
            "{window:?}"
        );
        // Bounded above too (not `last_ms>?` alone).
        assert!(
            window.iter().any(|step| step.contains(
                "INDEX message_blocks_by_conversation_time (conversation=? AND last_ms>? AND last_ms<?)"
            )),
            "{window:?}"
        );
        let strays = plan(FIND_STRAY_BLOCKS, &[&"x", &1]);
        assert!(
            strays
                .iter()
                .any(|step| step.contains("INDEX block_strays_by_msgid")),
            "{strays:?}"
        );
        for step in window.iter().chain(&strays) {
            assert!(!step.starts_with("SCAN"), "{window:?} {strays:?}");
        }
    }

    /// The batch lookup answers what [`find`] answers for each msgid:
    /// stored ones in overlapping and separate windows and blocks, strays
    /// (one inside another msgid's window), a msgid stored in another
    /// conversation, unknown ones of either shape.
    #[test]
    fn the_batch_lookup_answers_as_find_does() {
        let dir = tempfile::tempdir().unwrap();
        let writer = crate::history::schema::open_writer(dir.path()).unwrap();
        let conn = &writer.conn;
        for key in ["chan:a", "chan:b"] {
            conn.execute(
                "INSERT INTO conversations (key, is_channel, peer_a, display_a) VALUES (?1, 1, ?1, ?1)",
                [key],
            )
            .unwrap();
        }
        let base: i64 = 1_700_000_000_000;
        let id = |ms: i64, random: u128| super::super::model::msgid_from(ms as u64, random);
        // (conversation, msgid, stored at); a new block after every third.
        let rows = [
            (1, id(base, 1), base),
            (1, id(base + 500, 2), base + 400),
            // Its window overlaps the one before: both read at once.
            (1, id(base + 1_500, 3), base + 2_400),
            (1, id(base + 60_000, 4), base + 60_000),
            // Strays: 5 s off its name; inside the windows above but not its own; another shape.
            (1, id(base, 5), base - 5_000),
            (1, id(base + 3_000, 6), base + 1_200),
            (1, "other-shape".to_string(), base),
            (2, id(base, 7), base),
        ];
        for (at, chunk) in rows.chunks(3).enumerate() {
            let mut appender = super::super::blocks::Appender::new(conn, chunk[0].0);
            for (conversation, msgid, time_ms) in chunk {
                appender.switch(*conversation).unwrap();
                let entry = BlockEntry {
                    time_ms: *time_ms,
                    kind: super::super::model::MessageKind::Privmsg,
                    stray: false,
                    msgid: msgid.as_str().into(),
                    source: "a!a@h",
                    target: "#a",
                    text: "hi",
                };
                appender.push(entry, at as i64).unwrap();
            }
            appender.finish().unwrap();
        }
        let unknown = id(base + 100, 8);
        let mut wanted: Vec<(i64, &str)> = rows
            .iter()
            .map(|(conversation, msgid, _)| (*conversation, msgid.as_str()))
            .collect();
        wanted.extend([(1, rows[7].1.as_str()), (1, &unknown), (1, "unknown-shape")]);
        let found = stored(conn, &wanted).unwrap();
        for &(conversation, msgid) in &wanted {
            assert_eq!(
                found.contains(&(conversation, msgid)),
                find(conn, conversation, msgid).unwrap().is_some(),
                "{conversation} {msgid}"
            );
        }
        assert_eq!(found.len(), rows.len(), "{found:?}");
        let strays: i64 = conn
            .query_row("SELECT count(*) FROM block_strays", [], |row| row.get(0))
            .unwrap();
        assert_eq!(strays, 3);
        // The sixth message follows the fifth in its block (the fourth is
        // too far from the fifth in time to share one, block::MAX_SPAN_MS).
        let sixth = find(conn, 1, &rows[5].1).unwrap().unwrap().position;
        let fifth = find(conn, 1, &rows[4].1).unwrap().unwrap().position;
        let fourth = find(conn, 1, &rows[3].1).unwrap().unwrap().position;
        assert_eq!((sixth.block, sixth.idx), (fifth.block, 1));
        assert_eq!(fifth.block, fourth.block + 1);
    }

    #[test]
    fn a_msgid_that_names_another_time_is_a_stray() {
        let id = crate::history::new_msgid();
        let named = msgid_time_ms(&id).unwrap();
        let made = msgid_parts(&id);
        assert!(!is_stray(made, named));
        assert!(!is_stray(made, named + MSGID_TIME_SLACK_MS));
        assert!(!is_stray(made, named - MSGID_TIME_SLACK_MS));
        assert!(is_stray(made, named + MSGID_TIME_SLACK_MS + 1));
        assert!(is_stray(made, named - MSGID_TIME_SLACK_MS - 1));
        assert!(is_stray(msgid_parts("not-a-natterd-id"), named));
    }
}
