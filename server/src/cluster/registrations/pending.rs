//! What this node still has to write to the bucket: the latest change per
//! channel, so the queue is bounded by the number of channels.

use crate::channels::{ChannelRecord, Founder};
use std::collections::HashMap;
use std::sync::Mutex;
use tokio::sync::Notify;

/// What this node wants the bucket to hold for one channel.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pending {
    /// A registration of it that was dropped here.
    pub dropped: Option<Founder>,
    /// Its registered record now (`None`: not registered here).
    pub record: Option<ChannelRecord>,
    /// Only add what the bucket lacks (a node's own records when it joins):
    /// never overwrite the cluster's newer settings with older ones.
    pub only_if_missing: bool,
}

impl Pending {
    /// Folds one more change (`old` to `new`) into what is pending.
    pub fn change(&mut self, old: Option<&ChannelRecord>, new: Option<&ChannelRecord>) {
        match new.filter(|record| record.is_registered()) {
            Some(record) => self.record = Some(record.clone()),
            None => {
                if self.dropped.is_none() {
                    self.dropped = old.and_then(|record| record.founder.clone());
                }
                self.record = None;
            }
        }
        self.only_if_missing = false;
    }
}

/// This node's changes waiting to be written, the latest per channel.
#[derive(Debug, Default)]
pub(super) struct Queue {
    pending: Mutex<HashMap<String, Pending>>,
    pub(super) more: Notify,
}

impl Queue {
    pub(super) fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Pending>> {
        self.pending.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(super) fn change(
        &self,
        folded: &str,
        old: Option<&ChannelRecord>,
        new: Option<&ChannelRecord>,
    ) {
        self.lock()
            .entry(folded.to_owned())
            .or_default()
            .change(old, new);
        self.more.notify_one();
    }

    /// Puts back what could not be written, unless changed meanwhile.
    pub(super) fn retry(&self, folded: String, pending: Pending) {
        self.lock().entry(folded).or_insert(pending);
    }
}
