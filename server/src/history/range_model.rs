//! A plain model of what each history selection answers, for checking the
//! readers: one conversation's messages sorted by (time, stream sequence,
//! queue order), each selection a filter and a take over that list.

use super::StoredMessage;
use super::query::{Anchor, Selection};

/// One message of the modelled conversation, in queue order.
pub(super) struct Modelled {
    /// Its server time, ms.
    pub(super) time_ms: i64,
    /// Its room stream sequence (0: none).
    pub(super) seq: i64,
    /// What a reader should return for it.
    pub(super) message: StoredMessage,
}

/// (time, stream sequence, queue index): the order every reader keeps.
type Key = (i64, i64, i64);

/// An anchor found in the conversation.
#[derive(Clone, Copy)]
enum Point {
    Message(Key),
    Time(i64),
}

impl Point {
    /// Whether the message at `key` is after this point.
    fn is_before(self, key: Key) -> bool {
        match self {
            Point::Message(at) => at < key,
            Point::Time(time_ms) => time_ms < key.0,
        }
    }

    /// Whether the message at `key` is after this point, or is it.
    fn is_at_or_before(self, key: Key) -> bool {
        match self {
            Point::Message(at) => at <= key,
            Point::Time(time_ms) => time_ms <= key.0,
        }
    }

    /// The point as the lower end of BETWEEN, for comparing the two ends.
    fn as_lower(self) -> Key {
        match self {
            Point::Message(at) => at,
            Point::Time(time_ms) => (time_ms, i64::MAX, i64::MAX),
        }
    }

    /// The point as the upper end of BETWEEN.
    fn as_upper(self) -> Key {
        match self {
            Point::Message(at) => at,
            Point::Time(time_ms) => (time_ms, i64::MIN, i64::MIN),
        }
    }
}

/// What `selection` with `limit` answers over `queue` (one conversation's
/// messages in queue order), ascending.
pub(super) fn answer(
    queue: &[Modelled],
    selection: &Selection,
    limit: usize,
) -> Vec<StoredMessage> {
    let mut sorted: Vec<(Key, &StoredMessage)> = queue
        .iter()
        .enumerate()
        .map(|(at, modelled)| {
            (
                (modelled.time_ms, modelled.seq, at as i64),
                &modelled.message,
            )
        })
        .collect();
    sorted.sort_by_key(|(key, _)| *key);
    let resolve = |anchor: &Anchor| match anchor {
        Anchor::Timestamp(time) => Some(Point::Time(time.timestamp_millis())),
        Anchor::MsgId(msgid) => sorted
            .iter()
            .find(|(_, message)| &message.msgid == msgid)
            .map(|(key, _)| Point::Message(*key)),
    };
    let oldest = |keep: &dyn Fn(Key) -> bool| -> Vec<StoredMessage> {
        sorted
            .iter()
            .filter(|(key, _)| keep(*key))
            .take(limit)
            .map(|(_, message)| (*message).clone())
            .collect()
    };
    let newest = |keep: &dyn Fn(Key) -> bool| -> Vec<StoredMessage> {
        let mut kept: Vec<StoredMessage> = sorted
            .iter()
            .rev()
            .filter(|(key, _)| keep(*key))
            .take(limit)
            .map(|(_, message)| (*message).clone())
            .collect();
        kept.reverse();
        kept
    };
    if limit == 0 {
        return Vec::new();
    }
    match selection {
        Selection::Latest { since: None } => newest(&|_| true),
        Selection::Latest {
            since: Some(anchor),
        } => match resolve(anchor) {
            Some(since) => newest(&|key| since.is_before(key)),
            None => Vec::new(),
        },
        Selection::Before(anchor) => match resolve(anchor) {
            Some(point) => newest(&|key| !point.is_at_or_before(key)),
            None => Vec::new(),
        },
        Selection::UpTo(anchor) => match resolve(anchor) {
            Some(point) => newest(&|key| !point.is_before(key)),
            None => Vec::new(),
        },
        Selection::After(anchor) => match resolve(anchor) {
            Some(point) => oldest(&|key| point.is_before(key)),
            None => Vec::new(),
        },
        Selection::Around(anchor) => match resolve(anchor) {
            Some(point) => {
                let before = newest(&|key| !point.is_at_or_before(key));
                let after = oldest(&|key| point.is_at_or_before(key));
                let take_before = (limit / 2)
                    .max(limit.saturating_sub(after.len()))
                    .min(before.len());
                let take_after = (limit - take_before).min(after.len());
                let skip = before.len() - take_before;
                before
                    .into_iter()
                    .skip(skip)
                    .chain(after.into_iter().take(take_after))
                    .collect()
            }
            None => Vec::new(),
        },
        Selection::Between(first, second) => match (resolve(first), resolve(second)) {
            (Some(first), Some(second)) if first.as_lower() <= second.as_upper() => {
                oldest(&|key| first.is_before(key) && !second.is_at_or_before(key))
            }
            (Some(first), Some(second)) => {
                newest(&|key| second.is_before(key) && !first.is_at_or_before(key))
            }
            _ => Vec::new(),
        },
    }
}
