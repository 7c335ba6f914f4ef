//! The channel bucket watched into memory and into the hub.

use super::known::Applied;
use super::shared_channel;
use crate::cluster::channels::{ChannelRecord, ChannelStore};
use crate::cluster::node::ClusterNode;
use crate::context::Context;
use crate::hub::Folded;
use crate::hub::shared::SharedChannel;
use std::sync::Arc;

impl ClusterNode {
    /// Keeps [`SharedState`] in step with the channel bucket and gives the
    /// hub each newer record; watches again whenever the watch ends.
    pub(crate) async fn watch_channels(self: Arc<Self>, store: ChannelStore) {
        let node = &self;
        let each = |(room, revision, record): (String, u64, Option<ChannelRecord>)| async move {
            let without_us = record
                .as_ref()
                .is_none_or(|record| !record.nodes.contains(&node.me.name));
            let applied = node.shared().learn(&room, revision, record);
            if let Some(context) = node.context() {
                apply(&context, &room, applied);
                if without_us && node.left_out(&context, &room) {
                    let room = Folded::from_folded(room);
                    node.say_here(vec![room], context.server_name()).await;
                }
            }
        };
        let store = &store;
        self.follow_bucket("channel bucket", None, |_| store.watch(), each)
            .await;
    }

    /// Whether the record of `room` lacks this node (or the channel ended)
    /// although it has members there and no change of its own on the way:
    /// another node counted it dead during an outage and wrote so. Left
    /// alone, the channel could end while it has members, and a JOIN on a
    /// node without members would make a new channel of the name.
    fn left_out(&self, context: &Context, room: &str) -> bool {
        let here = context.hub.read(|hub| {
            hub.channels
                .get(room)
                .is_some_and(|channel| !channel.members.is_empty())
        });
        let shared = self.shared();
        here && !shared.is_pending(room)
            && shared
                .record(room)
                .is_none_or(|record| !record.nodes.contains(&self.me.name))
    }

    /// Whether this node knows the cluster's record of channel `name`
    /// (any case): it exists somewhere and JOINs here are checked against it.
    pub fn knows_channel(&self, name: &str) -> bool {
        self.shared().record(&self.fold(name)).is_some()
    }

    /// The cluster's record of channel `name` (any case) as this node
    /// last saw it, in the hub's terms.
    pub fn channel_record(&self, name: &str) -> Option<SharedChannel> {
        self.shared_record(&self.fold(name))
    }

    /// How many of this node's channel changes are not in the cluster's
    /// records yet: queued for the writer, or kept while NATS is away
    /// (written when it is back).
    pub fn channel_changes_waiting(&self) -> usize {
        self.shared().waiting()
    }

    /// The shared record of `room` in the hub's terms, if it exists.
    pub(crate) fn shared_record(&self, room: &str) -> Option<SharedChannel> {
        self.shared().record(room).map(shared_channel)
    }
}

/// Gives the hub a record to show, if there is one.
pub(super) fn apply(context: &Context, room: &str, applied: Applied) {
    let Applied::Record(record) = applied else {
        return;
    };
    let shared = shared_channel(&record);
    let folded = Folded::from_folded(room.to_string());
    context.hub.with(|hub| hub.apply_shared(&folded, &shared));
}
