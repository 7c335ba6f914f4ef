//! Reading history: the IRCv3 `draft/chathistory` selections and their SQL.
//!
//! Order is (server time, room stream sequence, insertion order). On one
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
use super::model::{Conversation, MessageKind, StoredMessage};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
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

/// A place in the (time, stream sequence, insertion id) order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Position {
    time_ms: i64,
    seq: i64,
    id: i64,
}

const START: Position = Position {
    time_ms: i64::MIN,
    seq: i64::MIN,
    id: i64::MIN,
};
const END: Position = Position {
    time_ms: i64::MAX,
    seq: i64::MAX,
    id: i64::MAX,
};

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
            Resolved::Time(time_ms) => Position {
                time_ms,
                seq: i64::MAX,
                id: i64::MAX,
            },
        }
    }

    /// The exclusive upper bound "before this".
    fn upper(self) -> Position {
        match self {
            Resolved::Message(position) => position,
            Resolved::Time(time_ms) => Position {
                time_ms,
                seq: i64::MIN,
                id: i64::MIN,
            },
        }
    }

    /// The exclusive upper bound "up to and including this".
    fn upper_inclusive(self) -> Position {
        match self {
            Resolved::Message(position) => Position {
                id: position.id + 1,
                ..position
            },
            Resolved::Time(time_ms) => Position {
                time_ms,
                seq: i64::MAX,
                id: i64::MAX,
            },
        }
    }

    /// The exclusive lower bound "from this on" (AROUND's later half).
    fn lower_inclusive(self) -> Position {
        match self {
            Resolved::Message(position) => Position {
                id: position.id - 1,
                ..position
            },
            Resolved::Time(time_ms) => Position {
                time_ms,
                seq: i64::MIN,
                id: i64::MIN,
            },
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
        Selection::Latest { since: None } => range.newest(START, END, limit),
        Selection::Latest {
            since: Some(anchor),
        } => match resolve(anchor)? {
            Some(since) => range.newest(since.lower(), END, limit),
            None => Ok(Vec::new()),
        },
        Selection::Before(anchor) => match resolve(anchor)? {
            Some(before) => range.newest(START, before.upper(), limit),
            None => Ok(Vec::new()),
        },
        Selection::UpTo(anchor) => match resolve(anchor)? {
            Some(until) => range.newest(START, until.upper_inclusive(), limit),
            None => Ok(Vec::new()),
        },
        Selection::After(anchor) => match resolve(anchor)? {
            Some(after) => range.oldest(after.lower(), END, limit),
            None => Ok(Vec::new()),
        },
        Selection::Around(anchor) => match resolve(anchor)? {
            Some(center) => range.around(center, limit),
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
        Anchor::MsgId(msgid) => Ok(super::msgid::find(conn, conversation_id, msgid)?.map(
            |found| {
                Resolved::Message(Position {
                    time_ms: found.time_ms,
                    seq: found.stream_seq,
                    id: found.id,
                })
            },
        )),
    }
}

/// Reads ranges of one conversation.
struct Range<'a> {
    conn: &'a Connection,
    conversation_id: i64,
    conversation: &'a Conversation,
}

/// Rows strictly between two positions; `time_ms` bounds come first so the
/// (conversation, time_ms) index drives the scan (ties within one
/// millisecond, rare, are sorted after it).
const RANGE_FILTER: &str = "conversation = ?1
    AND time_ms >= ?2 AND (time_ms > ?2 OR (stream_seq, id) > (?3, ?4))
    AND time_ms <= ?5 AND (time_ms < ?5 OR (stream_seq, id) < (?6, ?7))";

impl Range<'_> {
    /// The oldest `limit` messages strictly between `lower` and `upper`.
    fn oldest(
        &self,
        lower: Position,
        upper: Position,
        limit: usize,
    ) -> SqlResult<Vec<StoredMessage>> {
        let sql = format!(
            "SELECT msgid, time_ms, kind, source, target, text FROM messages
             WHERE {RANGE_FILTER} ORDER BY time_ms ASC, stream_seq ASC, id ASC LIMIT ?8"
        );
        self.fetch(&sql, lower, upper, limit)
    }

    /// The newest `limit` messages strictly between `lower` and `upper`, ascending.
    fn newest(
        &self,
        lower: Position,
        upper: Position,
        limit: usize,
    ) -> SqlResult<Vec<StoredMessage>> {
        let sql = format!(
            "SELECT msgid, time_ms, kind, source, target, text FROM messages
             WHERE {RANGE_FILTER} ORDER BY time_ms DESC, stream_seq DESC, id DESC LIMIT ?8"
        );
        let mut messages = self.fetch(&sql, lower, upper, limit)?;
        messages.reverse();
        Ok(messages)
    }

    fn around(&self, center: Resolved, limit: usize) -> SqlResult<Vec<StoredMessage>> {
        let before = self.newest(START, center.upper(), limit)?;
        let after = self.oldest(center.lower_inclusive(), END, limit)?;
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

    fn fetch(
        &self,
        sql: &str,
        lower: Position,
        upper: Position,
        limit: usize,
    ) -> SqlResult<Vec<StoredMessage>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut statement = self.conn.prepare_cached(sql)?;
        let rows = statement.query_map(
            params![
                self.conversation_id,
                lower.time_ms,
                lower.seq,
                lower.id,
                upper.time_ms,
                upper.seq,
                upper.id,
                limit
            ],
            |row| {
                Ok(StoredMessage {
                    msgid: row.get(0)?,
                    time: time_from_millis(row.get(1)?),
                    conversation: self.conversation.clone(),
                    kind: MessageKind::from_column(row.get(2)?),
                    source: row.get(3)?,
                    target: row.get(4)?,
                    text: row.get(5)?,
                })
            },
        )?;
        rows.collect()
    }
}

/// A stored millisecond time; out-of-range values (a damaged row) read as the epoch.
pub(crate) fn time_from_millis(time_ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(time_ms).unwrap_or_default()
}
