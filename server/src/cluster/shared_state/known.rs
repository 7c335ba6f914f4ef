//! The records as this node knows them, and which of its own changes are
//! still on the way, so the hub is given a record only when none is.

use crate::cluster::channels::ChannelRecord;
use std::collections::HashMap;

/// The records as this node knows them (by folded channel: revision and
/// record, `None` once ended), and how many of this node's own changes of
/// each are still on the way to the bucket.
#[derive(Debug, Default)]
pub(crate) struct SharedState {
    records: HashMap<String, (u64, Option<ChannelRecord>)>,
    pending: HashMap<String, usize>,
}

impl SharedState {
    /// Counts a change of `room` on its way.
    pub(crate) fn begin(&mut self, room: &str) {
        *self.pending.entry(room.to_string()).or_default() += 1;
    }

    /// Takes revision `revision` of `room` if newer than what is known;
    /// returns the record to give the hub, when nothing of ours is pending.
    pub(super) fn learn(
        &mut self,
        room: &str,
        revision: u64,
        record: Option<ChannelRecord>,
    ) -> Applied {
        let newer = self
            .records
            .get(room)
            .is_none_or(|(known, _)| revision > *known);
        if newer {
            self.records.insert(room.to_string(), (revision, record));
        }
        self.ready(room)
    }

    /// A change of `room` of ours was written (or given up on).
    pub(super) fn finish(&mut self, room: &str) -> Applied {
        if let Some(count) = self.pending.get_mut(room) {
            *count -= 1;
            if *count == 0 {
                self.pending.remove(room);
            }
        }
        self.ready(room)
    }

    fn ready(&mut self, room: &str) -> Applied {
        if self.pending.contains_key(room) {
            return Applied::Wait;
        }
        match self.records.get(room) {
            Some((_, Some(record))) => Applied::Record(Box::new(record.clone())),
            Some((_, None)) => {
                // Nothing of ours can come back older: forget the channel.
                self.records.remove(room);
                Applied::Wait
            }
            None => Applied::Wait,
        }
    }

    /// The channels whose record names `node` as having members.
    pub(crate) fn rooms_of_node(&self, node: &str) -> Vec<String> {
        self.records
            .iter()
            .filter(|(_, (_, record))| record.as_ref().is_some_and(|r| r.nodes.contains(node)))
            .map(|(room, _)| room.clone())
            .collect()
    }

    /// Whether a change of `room` of this node is on its way.
    pub(crate) fn is_pending(&self, room: &str) -> bool {
        self.pending.contains_key(room)
    }

    /// How many of this node's changes are not written yet (queued, or
    /// kept while NATS is away).
    pub(crate) fn waiting(&self) -> usize {
        self.pending.values().sum()
    }

    /// The current record of `room`, if the channel exists (a record that
    /// lists no node is only kept for nodes counted dead while cut off).
    pub(crate) fn record(&self, room: &str) -> Option<&ChannelRecord> {
        self.records
            .get(room)
            .and_then(|(_, record)| record.as_ref())
            .filter(|record| !record.nodes.is_empty())
    }
}

/// What to give the hub after learning something.
pub(super) enum Applied {
    /// Nothing to give (yet).
    Wait,
    /// This record.
    Record(Box<ChannelRecord>),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(nodes: &[&str]) -> ChannelRecord {
        ChannelRecord {
            name: "#c".into(),
            nodes: nodes.iter().map(|n| n.to_string()).collect(),
            ..ChannelRecord::default()
        }
    }

    #[test]
    fn a_record_is_given_to_the_hub_only_when_none_of_our_changes_is_pending() {
        let mut state = SharedState::default();
        state.begin("#c");
        assert!(matches!(
            state.learn("#c", 5, Some(record(&["b"]))),
            Applied::Wait
        ));
        assert!(
            matches!(state.learn("#c", 4, None), Applied::Wait),
            "older: ignored"
        );
        assert!(matches!(state.finish("#c"), Applied::Record(r) if r.nodes.len() == 1));
        assert!(matches!(state.learn("#c", 6, None), Applied::Wait));
        assert!(state.record("#c").is_none());
    }
}
