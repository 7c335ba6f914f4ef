//! Writing a batch with no replayed message in one pass, in queue order.
//!
//! A batch at a high rate is tens of thousands of messages, several MB of
//! packed text: far more than the CPU's caches. Grouped by conversation
//! first and then read again run by run (as [`super::insert_batch`] does),
//! each message was a cache miss twice (its key when grouping, its fields
//! when encoding), a fifth of the writer's CPU. Here each message is read
//! once, in the order it was packed (sequential reads the CPU prefetches),
//! and goes straight into its conversation's open block; each conversation
//! keeps its own block open until the block is full or the batch ends.

use super::{ConversationCache, conversation_id, entry};
use crate::history::blocks::Appender;
use crate::history::queued::QueuedMessage;
use crate::keyed::{KeyedMap, KeyedState};
use rusqlite::Connection;

/// One conversation's share of the batch while it is written.
struct Open<'c, 'b> {
    /// Its stored key ([`QueuedMessage::key`]).
    key: &'b str,
    id: i64,
    /// Its last message so far: the one whose display names its row keeps,
    /// as if each message had set them in turn.
    last: QueuedMessage<'b>,
    appender: Appender<'c>,
}

/// Writes `batch` (none of it replayed: nothing is checked for repeats) as
/// blocks, each conversation's messages in queue order. A full block is
/// inserted when it fills; the blocks still open at the end go in by
/// conversation id.
pub(super) fn write<'b>(
    conn: &Connection,
    cache: &mut ConversationCache,
    batch: impl IntoIterator<Item = QueuedMessage<'b>>,
) -> rusqlite::Result<()> {
    let mut index: KeyedMap<&'b str, usize> =
        KeyedMap::with_capacity_and_hasher(64, KeyedState::default());
    let mut open: Vec<Open<'_, 'b>> = Vec::new();
    let mut previous = usize::MAX;
    for message in batch {
        debug_assert!(
            !message.replayed(),
            "replayed messages go through insert_batch, which drops repeats"
        );
        let key = message.key();
        // A conversation's messages often come one after another: no hash then.
        let at = match open.get(previous) {
            Some(run) if run.key == key => previous,
            _ => match index.get(key) {
                Some(&at) => at,
                None => {
                    let id = conversation_id(conn, cache, &message)?;
                    open.push(Open {
                        key,
                        id,
                        last: message,
                        appender: Appender::new(conn, id),
                    });
                    index.insert(key, open.len() - 1);
                    open.len() - 1
                }
            },
        };
        previous = at;
        let run = &mut open[at];
        run.last = message;
        run.appender.push(entry(&message), 0)?;
    }
    open.sort_unstable_by_key(|run| run.id);
    for run in &mut open {
        // Its row was found with its first message: now take the last one's display names.
        conversation_id(conn, cache, &run.last)?;
        run.appender.finish()?;
    }
    Ok(())
}

#[cfg(test)]
#[path = "batch_live_tests.rs"]
mod tests;
