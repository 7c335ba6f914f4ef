//! The node as the hub's [`Bus`]: events queued for the publisher, and
//! this node's channel messages held until the room stream gives them
//! their place.

use crate::cluster::held::Held;
use crate::cluster::node::ClusterNode;
use crate::hub::Folded;
use crate::hub::bus::{Bus, Published, Scope};
use crate::hub::client::ClientId;
use crate::hub::event::Event;
use std::sync::Arc;
use std::sync::atomic::Ordering;

impl Bus for ClusterNode {
    fn publish(&self, published: Published) {
        if let (
            Event::Kick {
                channel, victim, ..
            },
            Scope::Channel(_),
        ) = (&published.envelope.event, &published.scope)
        {
            // A member of another node kicked from here is gone at once
            // for this node's queries (its own node takes it out).
            self.roster().kick(channel, victim);
        }
        self.enqueue(published);
    }

    fn publish_ordered(&self, published: Published, sender: ClientId) -> bool {
        let (Scope::Channel(room), Event::Message { msgid, .. }) =
            (&published.scope, &published.envelope.event)
        else {
            self.enqueue(published);
            return false;
        };
        let msgid = msgid.clone();
        let held = Held {
            sender,
            room: room.clone(),
            envelope: Arc::clone(&published.envelope),
        };
        // Held only when the room's follower will surely read it back.
        let held = self.link.state() == crate::cluster::LinkState::Up
            && self
                .followed()
                .get(&**room)
                .is_some_and(|follow| follow.last.load(Ordering::Relaxed) != 0)
            && self.held().hold(msgid.clone(), held);
        if !self.enqueue(published) {
            if held {
                self.held().take(&msgid);
            }
            return false;
        }
        held
    }

    fn history_ready(&self, channel: &Folded) -> futures::future::BoxFuture<'static, ()> {
        self.history_ready_for(channel)
    }

    fn members_ready(&self, channel: &Folded) -> futures::future::BoxFuture<'static, ()> {
        self.members_ready_for(channel)
    }
}

impl ClusterNode {
    /// Delivers a held message of this node now, if it still is held: the
    /// stream refused it, so it will not come back with a place.
    pub(crate) fn release_held(&self, msgid: &str) {
        let Some(held) = self.held().take(msgid) else {
            return;
        };
        if let Some(context) = self.context() {
            context
                .hub
                .deliver_ordered(&held.room, held.envelope, held.sender);
        }
    }
}
