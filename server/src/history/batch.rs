//! Writing one batch of messages in one transaction.

use super::model::{Conversation, StoredMessage};
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::HashMap;

/// Conversation ids cached by the writer before the cache is reset.
const CACHE_LIMIT: usize = 10_000;

/// The writer's cache of conversation rows, by [`Conversation::key`].
pub(crate) type ConversationCache = HashMap<String, CachedConversation>;

/// A conversation row as the writer last wrote it.
pub(crate) struct CachedConversation {
    id: i64,
    display_a: String,
    display_b: Option<String>,
}

/// Inserts `batch` in one transaction. On error nothing is written, and the
/// caller must clear `cache` (it may name rows of the rolled-back transaction).
pub(crate) fn insert_batch(
    conn: &mut Connection,
    cache: &mut ConversationCache,
    batch: &[StoredMessage],
) -> rusqlite::Result<()> {
    if cache.len() > CACHE_LIMIT {
        cache.clear();
    }
    let tx = conn.transaction()?;
    for message in batch {
        let conversation = conversation_id(&tx, cache, message)?;
        // OR IGNORE: a repeated msgid must not make the whole batch fail forever.
        tx.prepare_cached(
            "INSERT OR IGNORE INTO messages (conversation, time_ms, msgid, kind, source, target, text)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(params![
            conversation,
            message.time.timestamp_millis(),
            message.msgid,
            message.kind.to_column(),
            message.source,
            message.target,
            message.text,
        ])?;
    }
    tx.commit()
}

/// The conversation's row id, creating the row or refreshing its display names.
fn conversation_id(
    conn: &Connection,
    cache: &mut ConversationCache,
    message: &StoredMessage,
) -> rusqlite::Result<i64> {
    let (peer_a, peer_b, display_a, display_b) = match &message.conversation {
        Conversation::Channel(name) => (name.as_str(), None, message.target.as_str(), None),
        Conversation::Private(pair) => {
            let (sender, recipient) = (message.source_nick(), message.target.as_str());
            let (display_a, display_b) = if pair.actor_is_a() {
                (sender, recipient)
            } else {
                (recipient, sender)
            };
            (pair.a(), Some(pair.b()), display_a, Some(display_b))
        }
    };
    let key = message.conversation.key();
    if !cache.contains_key(&key) {
        let found = conn
            .prepare_cached("SELECT id, display_a, display_b FROM conversations WHERE key = ?1")?
            .query_row([&key], |row| {
                Ok(CachedConversation {
                    id: row.get(0)?,
                    display_a: row.get(1)?,
                    display_b: row.get(2)?,
                })
            })
            .optional()?;
        let cached = match found {
            Some(cached) => cached,
            None => {
                conn.prepare_cached(
                    "INSERT INTO conversations (key, is_channel, peer_a, peer_b, display_a, display_b)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )?
                .execute(params![key, peer_b.is_none(), peer_a, peer_b, display_a, display_b])?;
                CachedConversation {
                    id: conn.last_insert_rowid(),
                    display_a: display_a.to_owned(),
                    display_b: display_b.map(str::to_owned),
                }
            }
        };
        cache.insert(key.clone(), cached);
    }
    let Some(cached) = cache.get_mut(&key) else {
        return Err(rusqlite::Error::QueryReturnedNoRows);
    };
    if cached.display_a != display_a || cached.display_b.as_deref() != display_b {
        conn.prepare_cached(
            "UPDATE conversations SET display_a = ?1, display_b = ?2 WHERE id = ?3",
        )?
        .execute(params![display_a, display_b, cached.id])?;
        cached.display_a = display_a.to_owned();
        cached.display_b = display_b.map(str::to_owned);
    }
    Ok(cached.id)
}
