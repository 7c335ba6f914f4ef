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

/// What `CHATHISTORY TARGETS` asks: the viewer's private partners and the given
/// channels whose latest message is strictly between `from` and `to`, by that
/// time ascending; the earliest `limit` if `from <= to`, else the latest `limit`.
pub(crate) struct TargetsQuery {
    pub(crate) viewer: String,
    pub(crate) channels: Vec<String>,
    pub(crate) from: DateTime<Utc>,
    pub(crate) to: DateTime<Utc>,
    pub(crate) limit: usize,
}

/// Runs a [`TargetsQuery`]: `(name as last written, latest message time)` pairs.
pub(crate) fn run_targets(
    conn: &Connection,
    path: &Path,
    query: &TargetsQuery,
) -> Result<Vec<(String, DateTime<Utc>)>, HistoryError> {
    targets(conn, query).map_err(|error| HistoryError::Read {
        path: path.to_path_buf(),
        reason: error.to_string(),
    })
}

fn targets(conn: &Connection, query: &TargetsQuery) -> SqlResult<Vec<(String, DateTime<Utc>)>> {
    let (from, to) = (query.from.timestamp_millis(), query.to.timestamp_millis());
    let (low, high) = (from.min(to), from.max(to));
    let mut candidates: Vec<(i64, String)> = Vec::new();
    let mut partners = conn.prepare_cached(
        "SELECT id, peer_a, display_a, display_b FROM conversations
         WHERE is_channel = 0 AND peer_a = ?1
         UNION
         SELECT id, peer_a, display_a, display_b FROM conversations
         WHERE is_channel = 0 AND peer_b = ?1",
    )?;
    let rows = partners.query_map([&query.viewer], |row| {
        let peer_a: String = row.get(1)?;
        let display: String = if peer_a == query.viewer {
            row.get(3)?
        } else {
            row.get(2)?
        };
        Ok((row.get(0)?, display))
    })?;
    for row in rows {
        candidates.push(row?);
    }
    let mut channel =
        conn.prepare_cached("SELECT id, display_a FROM conversations WHERE key = ?1")?;
    for name in &query.channels {
        let key = Conversation::channel(name.as_str()).key();
        if let Some(found) = channel
            .query_row([key], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()?
        {
            candidates.push(found);
        }
    }
    // IRCv3 chathistory (and ergo): a target is listed when its latest
    // message falls in the window; one that has spoken since is not.
    let mut latest = conn.prepare_cached(
        "SELECT time_ms FROM messages WHERE conversation = ?1 ORDER BY time_ms DESC LIMIT 1",
    )?;
    let mut active = Vec::new();
    for (id, display) in candidates {
        let time: Option<i64> = latest.query_row([id], |row| row.get(0)).optional()?;
        if let Some(time_ms) = time.filter(|&time_ms| low < time_ms && time_ms < high) {
            active.push((display, time_ms));
        }
    }
    active.sort_by(|x, y| x.1.cmp(&y.1).then_with(|| x.0.cmp(&y.0)));
    let skip = if from <= to {
        0
    } else {
        active.len().saturating_sub(query.limit)
    };
    Ok(active
        .into_iter()
        .skip(skip)
        .take(query.limit)
        .map(|(display, time_ms)| (display, time_from_millis(time_ms)))
        .collect())
}

/// The identity key of `viewer`'s partner in their most recent private
/// conversation with someone last shown as `partner` (compared folded with
/// `casemapping`). Only the viewer's own conversations are searched, so the
/// answer never reveals anyone else's.
pub(crate) fn run_partner(
    conn: &Connection,
    path: &Path,
    viewer: &str,
    partner: &str,
    casemapping: natter_protocol::Casemapping,
) -> Result<Option<String>, HistoryError> {
    partner_key(conn, viewer, partner, casemapping).map_err(|error| HistoryError::Read {
        path: path.to_path_buf(),
        reason: error.to_string(),
    })
}

fn partner_key(
    conn: &Connection,
    viewer: &str,
    partner: &str,
    casemapping: natter_protocol::Casemapping,
) -> SqlResult<Option<String>> {
    let wanted = casemapping.fold(partner);
    let mut statement = conn.prepare_cached(
        "SELECT id, peer_b, display_b FROM conversations WHERE is_channel = 0 AND peer_a = ?1
         UNION ALL
         SELECT id, peer_a, display_a FROM conversations WHERE is_channel = 0 AND peer_b = ?1
         ORDER BY id DESC",
    )?;
    let rows = statement.query_map([viewer], |row| {
        Ok((
            row.get::<_, Option<String>>(1)?,
            row.get::<_, Option<String>>(2)?,
        ))
    })?;
    for row in rows {
        if let (Some(key), Some(display)) = row?
            && casemapping.fold(&display) == wanted
        {
            return Ok(Some(key));
        }
    }
    Ok(None)
}
