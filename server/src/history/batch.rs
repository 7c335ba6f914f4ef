//! Writing one batch of messages in one transaction.

use super::block::BlockEntry;
use super::blocks::Appender;
use super::model::Conversation;
use super::msgid;
use super::queued::QueuedMessage;
use runs::Grouped;
use rusqlite::{Connection, OptionalExtension, params};

use std::collections::{HashMap, HashSet};

#[path = "batch_live.rs"]
mod live;
#[path = "runs.rs"]
mod runs;

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

/// Inserts `batch`, then stores the stream sequences `places`, in one
/// transaction. On error nothing is written, and the caller must clear
/// `cache` (it may name rows of the rolled-back transaction).
///
/// Each conversation's messages of the batch go in as one block (more when
/// there are more than a block holds, `super::block::MAX_MESSAGES` /
/// `MAX_BYTES`), in queue order, so a message costs a share of one B-tree
/// insert and the order of equal times is the block's order (see
/// `super::blocks`). A replayed message (one the store may hold already,
/// see [`QueuedMessage::replayed`]) whose msgid the conversation already
/// has, or that comes twice in the batch, is left out, as `msgid UNIQUE`
/// with `INSERT OR IGNORE` did before schema version 8.
///
/// The batch is grouped by conversation first (`runs`): a conversation's
/// row and display names are looked up once per batch, not per message.
/// The writer uses this only for a batch with a replayed message; one
/// without has no repeats to look for and goes through [`insert_live`],
/// which reads it once.
pub(crate) fn insert_batch(
    conn: &mut Connection,
    cache: &mut ConversationCache,
    batch: &[QueuedMessage<'_>],
    places: &[Placed],
) -> rusqlite::Result<()> {
    if cache.len() > CACHE_LIMIT {
        cache.clear();
    }
    let grouped = Grouped::new(batch);
    let tx = begin(conn)?;
    // One row lookup per conversation, with its last message's display names.
    let mut runs = Vec::with_capacity(grouped.runs.len());
    for run in &grouped.runs {
        runs.push((conversation_id(&tx, cache, &batch[run.last])?, run));
    }
    // By conversation id: its blocks go into the index in key order.
    runs.sort_unstable_by_key(|&(id, _)| id);
    let mut rows: Vec<_> = runs
        .iter()
        .flat_map(|&(id, run)| grouped.messages(run).map(move |at| (id, &batch[at])))
        .collect();
    drop_repeats(&tx, &mut rows)?;
    write_blocks(&tx, rows)?;
    place(&tx, places)?;
    tx.commit()
}

/// The writer's transaction, IMMEDIATE: it takes the write lock first. A
/// deferred one reads first (conversation rows) and could then not become
/// a writer if another connection (channel states, accounts, room_sync)
/// began writing meanwhile, an error SQLite does not wait out; with a
/// rollback journal that is any other write in progress.
fn begin(conn: &mut Connection) -> rusqlite::Result<rusqlite::Transaction<'_>> {
    conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
}

/// Inserts `batch`, none of whose messages is [`QueuedMessage::replayed`],
/// then stores the stream sequences `places`, in one transaction: what
/// [`insert_batch`] does, in one pass over the batch in queue order (see
/// `live`) with no list of it. On error nothing is written, and the caller
/// must clear `cache`.
pub(crate) fn insert_live<'b>(
    conn: &mut Connection,
    cache: &mut ConversationCache,
    batch: impl IntoIterator<Item = QueuedMessage<'b>>,
    places: &[Placed],
) -> rusqlite::Result<()> {
    if cache.len() > CACHE_LIMIT {
        cache.clear();
    }
    let tx = begin(conn)?;
    live::write(&tx, cache, batch)?;
    place(&tx, places)?;
    tx.commit()
}

/// Stores each message's stream sequence. Only a message of the named
/// room is changed: a msgid another node chose cannot touch a private
/// conversation's message. A message not stored (left out, or its channel's
/// history deleted meanwhile) changes nothing. The message is found as a
/// query finds it (`super::msgid`: no index on every msgid).
fn place(tx: &rusqlite::Transaction<'_>, places: &[Placed]) -> rusqlite::Result<()> {
    if places.is_empty() {
        return Ok(());
    }
    let mut room = tx.prepare_cached("SELECT id FROM conversations WHERE key = ?1")?;
    let mut update = tx.prepare_cached(
        "INSERT INTO block_seqs (block, idx, seq) VALUES (?1, ?2, ?3)
         ON CONFLICT (block, idx) DO UPDATE SET seq = excluded.seq",
    )?;
    for placed in places {
        let Some(conversation) = room
            .query_row([&*placed.key], |row| row.get::<_, i64>(0))
            .optional()?
        else {
            continue;
        };
        if let Some(found) = msgid::find(tx, conversation, &placed.msgid)? {
            let place = found.position;
            update.execute(params![place.block, place.idx, placed.sequence])?;
        }
    }
    Ok(())
}

/// Removes from `rows` the replayed messages already stored, and any msgid
/// seen earlier in the batch (a live copy and a catch-up copy of one message
/// can be queued together). The store is asked once for the whole batch
/// ([`msgid::stored`]).
fn drop_repeats(
    conn: &Connection,
    rows: &mut Vec<(i64, &QueuedMessage<'_>)>,
) -> rusqlite::Result<()> {
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

/// Writes `rows` (grouped by conversation id) as blocks.
fn write_blocks<'m, 'b: 'm>(
    conn: &Connection,
    rows: impl IntoIterator<Item = (i64, &'m QueuedMessage<'b>)>,
) -> rusqlite::Result<()> {
    let mut rows = rows.into_iter().peekable();
    let Some(&(first, _)) = rows.peek() else {
        return Ok(());
    };
    let mut appender = Appender::new(conn, first);
    let mut current = first;
    for (conversation, message) in rows {
        if conversation != current {
            appender.switch(conversation)?;
            current = conversation;
        }
        appender.push(entry(message), 0)?;
    }
    appender.finish()
}

/// The block entry of `message` (its stray flag is the appender's to work out).
fn entry<'m>(message: &QueuedMessage<'m>) -> BlockEntry<'m> {
    BlockEntry {
        time_ms: message.time_ms(),
        kind: message.kind(),
        stray: false,
        msgid: message.msgid().into(),
        source: message.source(),
        target: message.target(),
        text: message.text(),
    }
}

/// The conversation's row id, creating the row or refreshing its display names.
fn conversation_id(
    conn: &Connection,
    cache: &mut ConversationCache,
    message: &QueuedMessage<'_>,
) -> rusqlite::Result<i64> {
    let peers = message.peers();
    let (display_a, display_b) = (peers.display_a, peers.display_b);
    let key = message.key();
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
