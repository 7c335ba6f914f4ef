//! Writing one batch of messages in one transaction.

use super::model::Conversation;
use super::msgid;
use super::queued::QueuedMessage;
use rusqlite::{Connection, OptionalExtension, params};

use std::collections::{HashMap, HashSet};

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
/// messages (8 parameters each, far below SQLite's 32 766 limit).
const ROWS_PER_INSERT: usize = 64;

/// Columns bound per row by [`insert_sql`] and [`bind_rows`].
const COLUMNS: usize = 8;

/// Inserts `batch`, then stores the stream sequences `places`, in one
/// transaction. On error nothing is written, and the caller must clear
/// `cache` (it may name rows of the rolled-back transaction).
///
/// Messages go in through a prepared multi-row `INSERT` of
/// [`ROWS_PER_INSERT`] rows (the rest one at a time): the statement is
/// stepped once per chunk instead of once per message. Rows go in grouped by
/// conversation (each conversation's in queue order, so ids still order
/// equal times): the conversation index then takes each conversation's rows
/// of the batch at one spot in a run instead of one scattered insert after
/// another. A replayed message (one the store may hold already, see
/// [`QueuedMessage::replayed`]) whose msgid the conversation already has,
/// or that comes twice in the batch, is left out, as `msgid UNIQUE` with
/// `INSERT OR IGNORE` did before schema version 8.
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
    let mut rows = Vec::with_capacity(batch.len());
    for message in batch {
        rows.push((conversation_id(&tx, cache, message)?, message));
    }
    if batch.iter().any(QueuedMessage::replayed) {
        drop_repeats(&tx, &mut rows)?;
    }
    // Stable: each conversation's messages keep their queue order.
    rows.sort_by_key(|(id, _)| *id);
    let mut chunks = rows.chunks_exact(ROWS_PER_INSERT);
    if let Some(first) = chunks.next() {
        let mut insert = tx.prepare_cached(&insert_sql(ROWS_PER_INSERT))?;
        for chunk in std::iter::once(first).chain(chunks.by_ref()) {
            bind_rows(&mut insert, chunk)?;
            insert.raw_execute()?;
        }
    }
    let mut single = tx.prepare_cached(&insert_sql(1))?;
    for row in chunks.remainder() {
        bind_rows(&mut single, std::slice::from_ref(row))?;
        single.raw_execute()?;
    }
    drop(single);
    place(&tx, places)?;
    tx.commit()
}

/// Stores each message's stream sequence. Only a message of the named
/// room is changed: a msgid another node chose cannot touch a private
/// conversation's message. A message not stored (left out, or its channel's
/// history deleted meanwhile) changes nothing. The message is found as a
/// query finds it (`super::msgid`: no index on every msgid) and updated by id.
fn place(tx: &rusqlite::Transaction<'_>, places: &[Placed]) -> rusqlite::Result<()> {
    if places.is_empty() {
        return Ok(());
    }
    let mut room = tx.prepare_cached("SELECT id FROM conversations WHERE key = ?1")?;
    let mut update = tx.prepare_cached("UPDATE messages SET stream_seq = ?2 WHERE id = ?1")?;
    for placed in places {
        let Some(conversation) = room
            .query_row([&*placed.key], |row| row.get::<_, i64>(0))
            .optional()?
        else {
            continue;
        };
        // Until the writer writes blocks, every message is an old row.
        if let Some(found) = msgid::find(tx, conversation, &placed.msgid)?
            && found.position.block == super::range::ROWS_BLOCK
        {
            update.execute(params![found.position.idx, placed.sequence])?;
        }
    }
    Ok(())
}

/// Removes from `rows` the replayed messages already stored, and any msgid
/// seen earlier in the batch (a live copy and a catch-up copy of one message
/// can be queued together). The store is asked once for the whole batch
/// ([`msgid::stored`]).
fn drop_repeats(conn: &Connection, rows: &mut Vec<(i64, &QueuedMessage)>) -> rusqlite::Result<()> {
    let replayed: Vec<(i64, &str)> = rows
        .iter()
        .filter(|(_, message)| message.replayed())
        .map(|&(id, message)| (id, message.msgid()))
        .collect();
    let stored = msgid::stored(conn, &replayed)?;
    let mut seen = HashSet::with_capacity(rows.len());
    rows.retain(|&(id, message)| {
        let first_in_batch = seen.insert((id, message.msgid()));
        first_in_batch && !(message.replayed() && stored.contains(&(id, message.msgid())))
    });
    Ok(())
}

/// `INSERT ... VALUES (...), (...)` for `rows` messages.
fn insert_sql(rows: usize) -> String {
    let mut sql = String::from(
        "INSERT INTO messages (conversation, time_ms, msgid, kind, source, target, text, stray) VALUES ",
    );
    for row in 0..rows {
        if row > 0 {
            sql.push(',');
        }
        sql.push_str("(?,?,?,?,?,?,?,?)");
    }
    sql
}

/// Binds `rows` (conversation id and message) to a statement from [`insert_sql`].
fn bind_rows(
    statement: &mut rusqlite::CachedStatement<'_>,
    rows: &[(i64, &QueuedMessage)],
) -> rusqlite::Result<()> {
    for (row, (id, message)) in rows.iter().enumerate() {
        let at = row * COLUMNS;
        statement.raw_bind_parameter(at + 1, id)?;
        statement.raw_bind_parameter(at + 2, message.time_ms())?;
        statement.raw_bind_parameter(at + 3, message.msgid())?;
        statement.raw_bind_parameter(at + 4, message.kind().to_column())?;
        statement.raw_bind_parameter(at + 5, message.source())?;
        statement.raw_bind_parameter(at + 6, message.target())?;
        statement.raw_bind_parameter(at + 7, message.text())?;
        statement
            .raw_bind_parameter(at + 8, msgid::is_stray(message.msgid(), message.time_ms()))?;
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
