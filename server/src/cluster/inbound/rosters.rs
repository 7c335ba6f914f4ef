//! Telling the other nodes who of this node is in a room: roster answers,
//! and the control events (roster requests) they travel with.

use crate::cluster::node::{ClusterNode, Parts};
use crate::cluster::translate;
use crate::cluster::wire;
use crate::context::Context;

impl ClusterNode {
    /// Publishes a control event (roster request or answer) into `room`.
    pub(crate) async fn send_control(&self, parts: &Parts, room: &str, event: wire::Event) {
        let envelope = wire::Envelope::new(&self.me.name, self.me.incarnation, event);
        let msgid = crate::history::new_msgid();
        if let Err(error) = parts.rooms.publish(room, &msgid, &envelope).await {
            crate::warn_throttled!(%error, %room, "cluster: could not tell the other nodes who is here");
        }
    }

    /// Tells the others who of this node is in `room` (folded).
    pub(crate) async fn send_roster(&self, parts: &Parts, context: &Context, room: &str) {
        for chunk in self.roster_of(context, room) {
            self.send_control(parts, room, chunk.event).await;
        }
    }

    /// This node's members of `room` (folded) as roster envelopes, the last
    /// one complete; none if they cannot be listed (logged).
    pub(crate) fn roster_of(&self, context: &Context, room: &str) -> Vec<wire::Envelope> {
        let members: Vec<wire::RosterMember> = context
            .hub
            .read(|hub| hub.local_members(room))
            .into_iter()
            .map(|member| translate::roster_member(&member.source, member.away))
            .collect();
        wire::roster_chunks(&self.me.name, self.me.incarnation, room, &members).unwrap_or_else(
            |error| {
                tracing::warn!(%error, %room, "cluster: cannot list this node's members");
                Vec::new()
            },
        )
    }
}
