//! What feeds this node's writes of channel state: local events, node
//! deaths, kicks from elsewhere, invitations, and saying which channels
//! this node has members in (the writer task itself is `task`).

use super::watch::apply;
use super::{StateChange, state_changes};
use crate::cluster::NodeId;
use crate::cluster::channels::Change;
use crate::cluster::node::ClusterNode;
use crate::hub::Folded;
use crate::hub::bus::Published;
use std::collections::HashMap;
use tokio::sync::mpsc;

impl ClusterNode {
    /// Counts the shared-state changes of a locally routed event as pending
    /// (called under the hub lock, before it is queued).
    pub(crate) fn begin_state_changes(&self, published: &Published) -> usize {
        let changes = state_changes(published, |nick| self.fold(nick));
        let mut shared = self.shared();
        for (room, _) in &changes {
            shared.begin(room);
        }
        changes.len()
    }

    /// Gives up pending changes that will not be written (the event was
    /// not queued).
    pub(crate) fn abandon_state_changes(&self, published: &Published) {
        for (room, _) in state_changes(published, |nick| self.fold(nick)) {
            let _ = self.shared().finish(&room);
        }
    }

    /// Queues the shared-state changes of a locally routed event (counted
    /// by [`ClusterNode::begin_state_changes`]) for the writer.
    pub(crate) async fn queue_state_changes(
        &self,
        published: &Published,
        writes: &mpsc::Sender<(String, StateChange)>,
    ) {
        for write in state_changes(published, |nick| self.fold(nick)) {
            let room = write.0.clone();
            if writes.send(write).await.is_err() {
                let _ = self.shared().finish(&room);
            }
        }
    }

    /// A node run died: its members (folded nicks by folded channel, as
    /// the roster knew them) lose their privileges (kept for that run's
    /// return) and invitations, and every record naming the node forgets it
    /// (a channel only it had members in ends). Every surviving node writes
    /// this; the second write finds nothing left to change.
    pub(crate) async fn forget_node_state(
        &self,
        gone: &NodeId,
        mut members: HashMap<String, Vec<String>>,
    ) {
        let node = gone.name.as_str();
        for room in self.shared().rooms_of_node(node) {
            members.entry(room).or_default();
        }
        let Some(writes) = self.writes.get() else {
            return;
        };
        for (room, nicks) in members {
            self.shared().begin(&room);
            let change = StateChange::NodeGone {
                node: node.to_string(),
                run: gone.incarnation,
                nicks,
            };
            if writes.send((room.clone(), change)).await.is_err() {
                let _ = self.shared().finish(&room);
            }
        }
    }

    /// A local member (folded nick) was taken out of `room` by another
    /// node (a KICK): stop following it if nobody here is left, and say so
    /// in the record.
    pub(crate) async fn left_here(&self, room: &str, nick: String) {
        self.unfollow_if_empty(room);
        let Some(writes) = self.writes.get() else {
            return;
        };
        self.shared().begin(room);
        if writes
            .send((room.to_string(), StateChange::Left(nick)))
            .await
            .is_err()
        {
            let _ = self.shared().finish(room);
        }
    }

    /// An invitation to `channel` from another node for the local user
    /// `nick` (folded): when nobody here is in the channel, the JOIN that
    /// follows is checked against the record, so the invitation is made
    /// sure to be in it before the invitee hears of it.
    pub(crate) async fn note_invitation(&self, channel: &str, nick: &str) {
        let room = self.fold(channel);
        let (Some(parts), Some(context)) = (self.parts.get(), self.context()) else {
            return;
        };
        if context
            .hub
            .read(|hub| hub.channels.contains_key(room.as_str()))
        {
            return;
        }
        let written = parts
            .channels
            .update(&room, |current| match current {
                Some(record) if !record.invited.contains(nick) => {
                    let mut next = record.clone();
                    next.invited.insert(nick.to_string());
                    Change::Write(Box::new(next))
                }
                _ => Change::Keep,
            })
            .await;
        match written {
            Ok(Some((record, revision))) => {
                let applied = self.shared().learn(&room, revision, Some(record));
                apply(&context, &room, applied);
            }
            Ok(None) => {}
            Err(error) => {
                crate::warn_throttled!(%error, %room, "cluster: an invitation could not be noted in the channel's record");
            }
        }
    }

    /// Says that this node has members in `rooms` (at start, after NATS
    /// came back, after being counted dead): each record is made sure to
    /// list the node (or made from this node's copy if the channel has no
    /// record), and read back into the hub, after every change of ours
    /// still waiting to be written. `by` (the server's name) is who the
    /// other nodes' members see making a record made this way.
    pub(crate) async fn say_here(&self, rooms: Vec<Folded>, by: &str) {
        let Some(writes) = self.writes.get() else {
            return;
        };
        for room in rooms {
            let room = room.to_string();
            self.shared().begin(&room);
            let change = StateChange::Here {
                by: by.to_string(),
                run: self.me.incarnation,
                members: self.members_held_here(&room),
            };
            if writes.send((room.clone(), change)).await.is_err() {
                let _ = self.shared().finish(&room);
            }
        }
    }
}
