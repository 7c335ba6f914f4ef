//! Reading history: the IRCv3 `draft/chathistory` selections and their SQL.
//!
//! Order is (server time, room stream sequence, insertion order: block id and
//! index in the block, `super::range`, which reads the messages). On one
//! node the sequence is always 0, so messages with the same millisecond keep
//! the order in which they were delivered. In a cluster a room message's
//! stream sequence (schema version 7) breaks ties, so messages said on
//! different nodes in the same millisecond list in the same order on every
//! node (each node may have stored them in a different order). All anchors are
//! exclusive, as in the spec, except that `AROUND msgid=…` includes the anchor
//! message itself (it is the context being asked about). A msgid that is
//! unknown *in this conversation* selects nothing: the result is empty, like the
//! spec's empty batch for missing content, and a msgid from someone else's
//! conversation can't be used to probe it.

use super::error::HistoryError;
use super::model::{Conversation, StoredMessage};
use super::range::{Position, Range};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension};
use std::path::Path;

/// Which messages of one conversation to return.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryQuery {
    /// The conversation; build private ones with [`Conversation::private`]`(viewer, other)`.
    pub conversation: Conversation,
    /// Which part of it.
    pub selection: Selection,
    /// At most this many messages (the caller caps it at `chathistory_limit`).
    pub limit: usize,
}

/// The `CHATHISTORY` subcommands, as selections of one conversation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selection {
    /// `LATEST * ` (no anchor) or `LATEST <anchor>`: the newest `limit` messages
    /// after the anchor.
    Latest {
        /// Only messages after this one (exclusive).
        since: Option<Anchor>,
    },
    /// `BEFORE`: the newest `limit` messages before the anchor.
    Before(Anchor),
    /// The newest `limit` messages up to and including the anchor (the message
    /// itself for a msgid; messages at that very millisecond for a timestamp).
    /// Not a `CHATHISTORY` subcommand: the backlog on join uses it to end
    /// exactly at the last message the joiner did not see live.
    UpTo(Anchor),
    /// `AFTER`: the oldest `limit` messages after the anchor.
    After(Anchor),
    /// `AROUND`: up to `limit` messages, about half before the anchor and the
    /// rest from it on (a msgid anchor's own message included); when one side
    /// runs out, the other gives more.
    Around(Anchor),
    /// `BETWEEN`: messages strictly between the anchors; the oldest `limit` when
    /// the first anchor is the earlier one, else the newest `limit`.
    Between(Anchor, Anchor),
}

/// A point in a conversation, as a client names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Anchor {
    /// `msgid=…`: a message of this conversation.
    MsgId(String),
    /// `timestamp=…`: a server time (millisecond precision).
    Timestamp(DateTime<Utc>),
}

/// An anchor found in the database.
#[derive(Clone, Copy, Debug)]
enum Resolved {
    Message(Position),
    Time(i64),
}

impl Resolved {
    /// The exclusive lower bound "after this".
    fn lower(self) -> Position {
        match self {
            Resolved::Message(position) => position,
            Resolved::Time(time_ms) => Position::last_at(time_ms),
        }
    }

    /// The exclusive upper bound "before this".
    fn upper(self) -> Position {
        match self {
            Resolved::Message(position) => position,
            Resolved::Time(time_ms) => Position::first_at(time_ms),
        }
    }

    /// The exclusive upper bound "up to and including this".
    fn upper_inclusive(self) -> Position {
        match self {
            Resolved::Message(position) => position.just_after(),
            Resolved::Time(time_ms) => Position::last_at(time_ms),
        }
    }

    /// The exclusive lower bound "from this on" (AROUND's later half).
    fn lower_inclusive(self) -> Position {
        match self {
            Resolved::Message(position) => position.just_before(),
            Resolved::Time(time_ms) => Position::first_at(time_ms),
        }
    }
}

type SqlResult<T> = rusqlite::Result<T>;

/// Runs `query` on a read connection; messages come back in ascending order.
pub(crate) fn run_query(
    conn: &Connection,
    path: &Path,
    query: &HistoryQuery,
) -> Result<Vec<StoredMessage>, HistoryError> {
    select(conn, query).map_err(|error| HistoryError::Read {
        path: path.to_path_buf(),
        reason: error.to_string(),
    })
}

fn select(conn: &Connection, query: &HistoryQuery) -> SqlResult<Vec<StoredMessage>> {
    let limit = query.limit;
    if limit == 0 {
        return Ok(Vec::new());
    }
    let Some(conversation_id) = conversation_id(conn, &query.conversation)? else {
        return Ok(Vec::new());
    };
    let range = Range {
        conn,
        conversation_id,
        conversation: &query.conversation,
    };
    let resolve = |anchor: &Anchor| resolve(conn, conversation_id, anchor);
    match &query.selection {
        Selection::Latest { since: None } => range.newest(Position::START, Position::END, limit),
        Selection::Latest {
            since: Some(anchor),
        } => match resolve(anchor)? {
            Some(since) => range.newest(since.lower(), Position::END, limit),
            None => Ok(Vec::new()),
        },
        Selection::Before(anchor) => match resolve(anchor)? {
            Some(before) => range.newest(Position::START, before.upper(), limit),
            None => Ok(Vec::new()),
        },
        Selection::UpTo(anchor) => match resolve(anchor)? {
            Some(until) => range.newest(Position::START, until.upper_inclusive(), limit),
            None => Ok(Vec::new()),
        },
        Selection::After(anchor) => match resolve(anchor)? {
            Some(after) => range.oldest(after.lower(), Position::END, limit),
            None => Ok(Vec::new()),
        },
        Selection::Around(anchor) => match resolve(anchor)? {
            Some(center) => around(&range, center, limit),
            None => Ok(Vec::new()),
        },
        Selection::Between(first, second) => match (resolve(first)?, resolve(second)?) {
            (Some(first), Some(second)) if first.lower() <= second.upper() => {
                range.oldest(first.lower(), second.upper(), limit)
            }
            (Some(first), Some(second)) => range.newest(second.lower(), first.upper(), limit),
            _ => Ok(Vec::new()),
        },
    }
}

/// The stored id of a conversation, if it has any history.
pub(crate) fn conversation_id(
    conn: &Connection,
    conversation: &Conversation,
) -> SqlResult<Option<i64>> {
    conn.prepare_cached("SELECT id FROM conversations WHERE key = ?1")?
        .query_row([conversation.key()], |row| row.get(0))
        .optional()
}

fn resolve(
    conn: &Connection,
    conversation_id: i64,
    anchor: &Anchor,
) -> SqlResult<Option<Resolved>> {
    match anchor {
        Anchor::Timestamp(time) => Ok(Some(Resolved::Time(time.timestamp_millis()))),
        Anchor::MsgId(msgid) => Ok(super::msgid::find(conn, conversation_id, msgid)?
            .map(|found| Resolved::Message(found.position))),
    }
}

/// AROUND: up to `limit` messages, about half before `center` and the rest
/// from it on; when one side runs out, the other gives more.
fn around(range: &Range<'_>, center: Resolved, limit: usize) -> SqlResult<Vec<StoredMessage>> {
    let before = range.newest(Position::START, center.upper(), limit)?;
    let after = range.oldest(center.lower_inclusive(), Position::END, limit)?;
    let take_before = (limit / 2)
        .max(limit.saturating_sub(after.len()))
        .min(before.len());
    let take_after = (limit - take_before).min(after.len());
    let skip = before.len() - take_before;
    Ok(before
        .into_iter()
        .skip(skip)
        .chain(after.into_iter().take(take_after))
        .collect())
}
