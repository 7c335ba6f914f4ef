//! Writing one batch of messages in one transaction.

use super::model::Conversation;
use super::queued::QueuedMessage;
use rusqlite::{Connection, OptionalExtension, params};

use std::collections::HashMap;

/// Conversation ids cached by the writer before the cache is reset.
const CACHE_LIMIT: usize = 10_000;

/// The writer's cache of conversation rows, by stored key (which every
/// [`QueuedMessage`] carries ready-made).
pub(crate) type ConversationCache = HashMap<Box<str>, CachedConversation>;

/// A conversation row as the writer last wrote it.
pub(crate) struct CachedConversation {
    id: i64,
    display_a: String,
    display_b: Option<String>,
}

/// A room message's stream sequence to store, once the message is stored
/// (see `super::query`: it orders messages of one millisecond).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Placed {
    /// The room's conversation key.
    key: Box<str>,
    msgid: Box<str>,
    sequence: i64,
}

impl Placed {
    /// The message `msgid` of the channel `folded` has stream sequence `sequence`.
    pub(crate) fn new(folded: &str, msgid: &str, sequence: u64) -> Placed {
        Placed {
            key: Conversation::channel(folded).key().into_boxed_str(),
            msgid: msgid.into(),
            sequence: i64::try_from(sequence).unwrap_or(i64::MAX),
        }
    }
}

/// Rows per multi-row `INSERT`: one statement execution for this many
/// messages (7 parameters each, far below SQLite's 32 766 limit).
const ROWS_PER_INSERT: usize = 64;

/// Inserts `batch`, then stores the stream sequences `places`, in one
/// transaction. On error nothing is written, and the caller must clear
/// `cache` (it may name rows of the rolled-back transaction).
///
/// Messages go in through a prepared multi-row `INSERT` of
/// [`ROWS_PER_INSERT`] rows (the rest one at a time): the statement is
/// stepped once per chunk instead of once per message.
pub(crate) fn insert_batch(
    conn: &mut Connection,
    cache: &mut ConversationCache,
    batch: &[QueuedMessage],
    places: &[Placed],
) -> rusqlite::Result<()> {
    if cache.len() > CACHE_LIMIT {
        cache.clear();
    }
    let tx = conn.transaction()?;
    let mut ids = Vec::with_capacity(batch.len());
    for message in batch {
        ids.push(conversation_id(&tx, cache, message)?);
    }
    let mut chunks = batch.chunks_exact(ROWS_PER_INSERT);
    let mut id_chunks = ids.chunks_exact(ROWS_PER_INSERT);
    if let Some(first) = chunks.next() {
        let mut insert = tx.prepare_cached(&insert_sql(ROWS_PER_INSERT))?;
        for (messages, ids) in std::iter::once(first)
            .chain(chunks.by_ref())
            .zip(id_chunks.by_ref())
        {
            bind_rows(&mut insert, messages, ids)?;
            insert.raw_execute()?;
        }
    }
    let mut single = tx.prepare_cached(&insert_sql(1))?;
    for (message, id) in chunks.remainder().iter().zip(id_chunks.remainder()) {
        bind_rows(
            &mut single,
            std::slice::from_ref(message),
            std::slice::from_ref(id),
        )?;
        single.raw_execute()?;
    }
    drop(single);
    place(&tx, places)?;
    tx.commit()
}

/// Stores each message's stream sequence. Only a message of the named
/// room is changed: a msgid another node chose cannot touch a private
/// conversation's message. A message not stored (left out, or its channel's
/// history deleted meanwhile) changes nothing.
fn place(tx: &rusqlite::Transaction<'_>, places: &[Placed]) -> rusqlite::Result<()> {
    if places.is_empty() {
        return Ok(());
    }
    let mut update = tx.prepare_cached(
        "UPDATE messages SET stream_seq = ?3
         WHERE msgid = ?2 AND conversation = (SELECT id FROM conversations WHERE key = ?1)",
    )?;
    for placed in places {
        update.execute(params![placed.key, placed.msgid, placed.sequence])?;
    }
    Ok(())
}

/// `INSERT OR IGNORE ... VALUES (...), (...)` for `rows` messages. OR IGNORE:
/// a repeated msgid must not make the whole batch fail forever.
fn insert_sql(rows: usize) -> String {
    let mut sql = String::from(
        "INSERT OR IGNORE INTO messages (conversation, time_ms, msgid, kind, source, target, text) VALUES ",
    );
    for row in 0..rows {
        if row > 0 {
            sql.push(',');
        }
        sql.push_str("(?,?,?,?,?,?,?)");
    }
    sql
}

/// Binds `messages` (with their conversation ids) to a statement from [`insert_sql`].
fn bind_rows(
    statement: &mut rusqlite::CachedStatement<'_>,
    messages: &[QueuedMessage],
    ids: &[i64],
) -> rusqlite::Result<()> {
    for (row, (message, id)) in messages.iter().zip(ids).enumerate() {
        let at = row * 7;
        statement.raw_bind_parameter(at + 1, id)?;
        statement.raw_bind_parameter(at + 2, message.time_ms())?;
        statement.raw_bind_parameter(at + 3, message.msgid())?;
        statement.raw_bind_parameter(at + 4, message.kind().to_column())?;
        statement.raw_bind_parameter(at + 5, message.source())?;
        statement.raw_bind_parameter(at + 6, message.target())?;
        statement.raw_bind_parameter(at + 7, message.text())?;
    }
    Ok(())
}

/// The conversation's row id, creating the row or refreshing its display names.
fn conversation_id(
    conn: &Connection,
    cache: &mut ConversationCache,
    message: &QueuedMessage,
) -> rusqlite::Result<i64> {
    let peers = message.peers();
    let (display_a, display_b) = (peers.display_a, peers.display_b);
    let key = message.key();
    // One hash of the key per message when its row is cached (nearly always).
    let cached = match cache.get_mut(key) {
        Some(cached) => cached,
        None => {
            let row = find_or_create(conn, key, &peers)?;
            cache.entry(key.into()).or_insert(row)
        }
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

/// The stored row of the conversation `key`, inserted if there is none yet.
fn find_or_create(
    conn: &Connection,
    key: &str,
    peers: &super::queued::Peers<'_>,
) -> rusqlite::Result<CachedConversation> {
    let found = conn
        .prepare_cached("SELECT id, display_a, display_b FROM conversations WHERE key = ?1")?
        .query_row([key], |row| {
            Ok(CachedConversation {
                id: row.get(0)?,
                display_a: row.get(1)?,
                display_b: row.get(2)?,
            })
        })
        .optional()?;
    if let Some(found) = found {
        return Ok(found);
    }
    conn.prepare_cached(
        "INSERT INTO conversations (key, is_channel, peer_a, peer_b, display_a, display_b)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        key,
        peers.b.is_none(),
        peers.a,
        peers.b,
        peers.display_a,
        peers.display_b
    ])?;
    Ok(CachedConversation {
        id: conn.last_insert_rowid(),
        display_a: peers.display_a.to_owned(),
        display_b: peers.display_b.map(str::to_owned),
    })
}
