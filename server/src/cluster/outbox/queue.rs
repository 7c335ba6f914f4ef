//! The bounded queue between the hub (which must never wait) and the
//! publisher task.

use crate::cluster::node::ClusterNode;
use crate::hub::bus::Published;
use crate::hub::event::Event;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::mpsc;

/// Most bytes of events waiting to be sent to NATS. A node cut off from
/// NATS sends nothing and a stalled publisher could otherwise take all
/// memory; 16 MiB is tens of thousands of messages.
const MAX_QUEUED_BYTES: usize = 16 * 1024 * 1024;

/// The queue between the hub and the publisher task.
#[derive(Debug)]
pub(crate) struct Outbox {
    pub(super) sender: mpsc::UnboundedSender<(Published, usize)>,
    pub(super) receiver: Mutex<Option<mpsc::UnboundedReceiver<(Published, usize)>>>,
    pub(super) queued: AtomicUsize,
}

impl Outbox {
    pub(crate) fn new() -> Outbox {
        let (sender, receiver) = mpsc::unbounded_channel();
        Outbox {
            sender,
            receiver: Mutex::new(Some(receiver)),
            queued: AtomicUsize::new(0),
        }
    }

    /// Stops taking events (the node is stopping).
    pub(crate) fn close(&self) {
        self.queued.store(usize::MAX / 2, Ordering::Relaxed);
    }
}

/// Roughly how many bytes an event holds.
fn weight(published: &Published) -> usize {
    let text = match &published.envelope.event {
        Event::Message { text, .. } => text.len(),
        _ => 0,
    };
    256 + text
}

impl ClusterNode {
    /// Queues an event for the publisher; false when it was not queued.
    pub(super) fn enqueue(&self, published: Published) -> bool {
        let shared = self.begin_state_changes(&published);
        let queued = self.enqueue_counted(published.clone());
        if !queued && shared > 0 {
            self.abandon_state_changes(&published);
        }
        queued
    }

    fn enqueue_counted(&self, published: Published) -> bool {
        let bytes = weight(&published);
        let before = self.outbox.queued.fetch_add(bytes, Ordering::Relaxed);
        if before + bytes > MAX_QUEUED_BYTES {
            self.outbox.queued.fetch_sub(bytes, Ordering::Relaxed);
            crate::warn_throttled!(
                "cluster: too much waiting to be sent to NATS; an event was not shared with the other nodes"
            );
            return false;
        }
        if self.outbox.sender.send((published, bytes)).is_err() {
            self.outbox.queued.fetch_sub(bytes, Ordering::Relaxed);
            return false;
        }
        true
    }
}
