//! Deleting a channel's stored history when the channel vanishes with
//! protections nobody is left to enforce (see [`crate::channels`]).
//!
//! The hub asks for it under its lock and the writer deletes with its next
//! commit. Until then [`Purging`] hides the doomed messages from readers: the
//! next person to create the channel must not read them in that window.

use super::model::{Conversation, StoredMessage};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

/// Channels whose history is being deleted, by folded name, each with the
/// time (Unix ms) the deletion was asked for: every message of theirs up to
/// then is hidden until the deletion is committed.
#[derive(Debug, Default)]
pub(crate) struct Purging {
    cutoffs: Mutex<HashMap<String, i64>>,
}

impl Purging {
    /// Starts hiding the history of `folded` up to now; returns the cutoff.
    pub(crate) fn start(&self, folded: &str) -> i64 {
        let cutoff = Utc::now().timestamp_millis();
        let mut cutoffs = self.lock();
        let entry = cutoffs.entry(folded.to_owned()).or_insert(cutoff);
        *entry = (*entry).max(cutoff);
        *entry
    }

    /// The deletion asked for at `cutoff` is committed: stop hiding, unless
    /// a later one is still pending.
    pub(crate) fn done(&self, folded: &str, cutoff: i64) {
        let mut cutoffs = self.lock();
        if cutoffs
            .get(folded)
            .is_some_and(|pending| *pending <= cutoff)
        {
            cutoffs.remove(folded);
        }
    }

    /// `messages` of `conversation` without those being deleted.
    pub(crate) fn filter(
        &self,
        conversation: &Conversation,
        mut messages: Vec<StoredMessage>,
    ) -> Vec<StoredMessage> {
        let Conversation::Channel(folded) = conversation else {
            return messages;
        };
        if let Some(cutoff) = self.lock().get(folded).copied() {
            messages.retain(|message| message.time.timestamp_millis() > cutoff);
        }
        messages
    }

    /// Whether a channel (`folded`) whose latest message is at `latest` has
    /// nothing left once its pending deletion is done.
    pub(crate) fn hides_latest(&self, folded: &str, latest: DateTime<Utc>) -> bool {
        self.lock()
            .get(folded)
            .is_some_and(|cutoff| latest.timestamp_millis() <= *cutoff)
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, i64>> {
        self.cutoffs
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Deletes every stored message of the channels `folded` (case-folded names)
/// in one transaction and returns how many there were. Their conversation
/// rows stay: the writer's cache may name them, and they hold no text.
pub(crate) fn delete_channels<'a>(
    conn: &mut Connection,
    folded: impl IntoIterator<Item = &'a str>,
) -> rusqlite::Result<usize> {
    // IMMEDIATE: the write lock from the start. A deferred transaction that
    // reads first cannot become a writer if another connection (channel
    // states, room_sync) wrote meanwhile, and that error is not waited out.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut deleted = 0;
    {
        let mut room = tx.prepare_cached("SELECT id FROM conversations WHERE key = ?1")?;
        let mut blocks =
            tx.prepare_cached("SELECT id FROM message_blocks WHERE conversation = ?1")?;
        // A cluster node that caught up with the room stream starts over:
        // what it had applied is gone (see super::sync).
        let mut unsync = tx.prepare_cached("DELETE FROM room_sync WHERE room = ?1")?;
        for name in folded {
            let conversation = room
                .query_row([Conversation::channel(name).key()], |row| {
                    row.get::<_, i64>(0)
                })
                .optional()?;
            if let Some(conversation) = conversation {
                let ids: Vec<i64> = blocks
                    .query_map([conversation], |row| row.get(0))?
                    .collect::<Result<_, _>>()?;
                deleted += super::blocks::delete(&tx, &ids)?;
            }
            unsync.execute([name])?;
        }
    }
    tx.commit()?;
    Ok(deleted)
}
