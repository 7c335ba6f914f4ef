//! `CHATHISTORY TARGETS` (whom a user talked with, and when last) and the
//! lookup of a whisper partner who is offline, by the nick last used.

use super::error::HistoryError;
use super::model::Conversation;
use super::range::time_from_millis;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Result as SqlResult};
use std::path::Path;

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
    // One seek: the end of the conversation's part of the blocks' index.
    let mut latest =
        conn.prepare_cached("SELECT max(last_ms) FROM message_blocks WHERE conversation = ?1")?;
    let mut active = Vec::new();
    for (id, display) in candidates {
        let time: Option<i64> = latest.query_row([id], |row| row.get(0))?;
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
