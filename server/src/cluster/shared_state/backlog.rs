//! This node's channel changes not written to the bucket yet, in the order
//! they were made: those waiting for their turn and those NATS was away
//! for. The writer writes the oldest first and keeps it (and everything
//! behind it) while NATS cannot take it, so when the link is back every
//! change made during the outage lands, in order, by compare-and-set onto
//! the record as it is then.
//!
//! Bounded in bytes ([`MAX_BACKLOG_BYTES`]): a node cut off for long keeps
//! taking changes; past the bound the oldest is dropped (logged, counted),
//! and the node's copy of that channel is corrected by the record once it
//! is read again after the outage.

use super::StateChange;
use std::collections::VecDeque;

/// Most bytes of unwritten changes kept. A change is a few hundred bytes
/// (a topic may be up to a few KiB), so this is thousands of changes.
pub(crate) const MAX_BACKLOG_BYTES: usize = 4 * 1024 * 1024;

/// Bytes counted for a change besides its texts.
const OVERHEAD: usize = 64;

/// The unwritten changes, oldest first, by folded channel.
#[derive(Debug, Default)]
pub(crate) struct Backlog {
    changes: VecDeque<(String, StateChange, usize)>,
    bytes: usize,
    max_bytes: usize,
}

impl Backlog {
    /// An empty backlog holding at most `max_bytes`.
    pub(crate) fn new(max_bytes: usize) -> Backlog {
        Backlog {
            changes: VecDeque::new(),
            bytes: 0,
            max_bytes,
        }
    }

    /// Adds the newest change; returns the oldest ones dropped to make room
    /// (their channels are no longer pending for them).
    pub(crate) fn push(&mut self, room: String, change: StateChange) -> Vec<String> {
        let weight = weight(&room, &change);
        let mut dropped = Vec::new();
        while !self.changes.is_empty() && self.bytes + weight > self.max_bytes {
            if let Some((room, _, bytes)) = self.changes.pop_front() {
                self.bytes -= bytes;
                dropped.push(room);
            }
        }
        self.bytes += weight;
        self.changes.push_back((room, change, weight));
        dropped
    }

    /// The oldest change, to write next.
    pub(crate) fn front(&self) -> Option<(&str, &StateChange)> {
        self.changes
            .front()
            .map(|(room, change, _)| (room.as_str(), change))
    }

    /// Removes the oldest change (written or given up on).
    pub(crate) fn pop(&mut self) -> Option<(String, StateChange)> {
        let (room, change, bytes) = self.changes.pop_front()?;
        self.bytes -= bytes;
        Some((room, change))
    }

    /// How many changes are waiting.
    pub(crate) fn len(&self) -> usize {
        self.changes.len()
    }

    /// Whether nothing is waiting.
    pub(crate) fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

/// Roughly how many bytes a change holds.
fn weight(room: &str, change: &StateChange) -> usize {
    let texts = match change {
        StateChange::Joined(text) | StateChange::Left(text) | StateChange::Invited(text) => {
            text.len()
        }
        StateChange::Here { by, members, .. } => {
            by.len() + members.iter().map(String::len).sum::<usize>()
        }
        StateChange::Renamed(old, new) => old.len() + new.len(),
        StateChange::Modes {
            changes,
            args,
            setter,
        } => changes.len() + setter.len() + args.iter().map(String::len).sum::<usize>(),
        StateChange::Topic { text, setter } => text.len() + setter.len(),
        StateChange::NodeGone { node, nicks, .. } => {
            node.len() + nicks.iter().map(String::len).sum::<usize>()
        }
    };
    OVERHEAD + room.len() + texts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topic(text: &str) -> StateChange {
        StateChange::Topic {
            text: text.into(),
            setter: "a!a@h".into(),
        }
    }

    #[test]
    fn changes_come_out_oldest_first() {
        let mut backlog = Backlog::new(MAX_BACKLOG_BYTES);
        assert!(backlog.push("#a".into(), topic("one")).is_empty());
        assert!(
            backlog
                .push("#b".into(), StateChange::Left("bob".into()))
                .is_empty()
        );
        assert_eq!(backlog.len(), 2);
        assert_eq!(backlog.front(), Some(("#a", &topic("one"))));
        assert_eq!(backlog.pop(), Some(("#a".to_string(), topic("one"))));
        assert_eq!(
            backlog.pop(),
            Some(("#b".to_string(), StateChange::Left("bob".into())))
        );
        assert!(backlog.is_empty());
        assert_eq!(backlog.bytes, 0);
    }

    #[test]
    fn past_the_bound_the_oldest_are_dropped_and_named() {
        let one = weight("#a", &topic(&"x".repeat(100)));
        let mut backlog = Backlog::new(one * 3);
        for room in ["#a", "#b", "#c"] {
            assert!(
                backlog
                    .push(room.into(), topic(&"x".repeat(100)))
                    .is_empty()
            );
        }
        assert_eq!(backlog.push("#d".into(), topic(&"x".repeat(100))), ["#a"]);
        assert_eq!(
            backlog.push("#e".into(), topic(&"x".repeat(250))),
            ["#b", "#c"]
        );
        assert_eq!(backlog.len(), 2);
        assert!(backlog.bytes <= one * 3);
        // One change bigger than the bound is still kept, alone.
        let mut small = Backlog::new(10);
        assert!(small.push("#a".into(), topic("hello")).is_empty());
        assert_eq!(small.push("#b".into(), topic("again")), ["#a"]);
        assert_eq!(small.len(), 1);
    }
}
