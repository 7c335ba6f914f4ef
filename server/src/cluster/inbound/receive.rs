//! One event read from a room stream, applied here: messages delivered,
//! kicks of local users carried out, roster changes shown.

use super::present::deliver;
use crate::cluster::node::{ClusterNode, Parts};
use crate::cluster::ordering::Sequenced;
use crate::cluster::translate::{self, hub_source};
use crate::cluster::wire;
use crate::hub::Folded;
use crate::hub::bus::{Published, Scope};
use crate::hub::event::Event;
use std::sync::Arc;

impl ClusterNode {
    /// Applies one room stream event here. Returns `false` only for
    /// another node's message this node did not record, because it has no
    /// member in the room any more (its follower is about to stop).
    pub(super) async fn receive_room(&self, parts: &Parts, sequenced: Sequenced) -> bool {
        let Sequenced {
            room,
            envelope,
            sequence,
        } = sequenced;
        if envelope.node == self.me.name && envelope.incarnation == self.me.incarnation {
            if let wire::Event::Kick { channel, nick, .. } = &envelope.event {
                // Taken out of the roster when it happened, and again now,
                // in the room's order: a roster answer the victim's node
                // sent before it heard of the kick may have been read in
                // between and put them back. Shown already: nothing to show.
                let _ = self.roster().kick(channel, nick);
            }
            // Delivered here when it happened, except this node's held
            // messages: their place in the room's order is now.
            if let wire::Event::Message { msgid, .. } = &envelope.event {
                let held = self.held().take(msgid);
                if let (Some(held), Some(context)) = (held, self.context()) {
                    context
                        .hub
                        .deliver_ordered(&held.room, held.envelope, held.sender);
                }
            }
            // Recorded here when it was said; its place is known now.
            self.record_place(&room, &envelope.event, sequence).await;
            return true;
        }
        let Some(context) = self.context() else {
            return true;
        };
        let folded = Folded::from_folded(room.clone());
        match &envelope.event {
            wire::Event::Message { .. } => {
                if let Some(message) = translate::channel_message(&envelope.event) {
                    let published = Published {
                        scope: Scope::Channel(folded),
                        envelope: Arc::new(message),
                    };
                    if !context.hub.deliver_remote(published).await {
                        return false;
                    }
                    self.record_place(&room, &envelope.event, sequence).await;
                }
            }
            wire::Event::Kick {
                by, nick, reason, ..
            } if context.hub.read(|hub| hub.client_by_nick(nick).is_some()) => {
                // One of ours, kicked from another node.
                let source = hub_source(by, "");
                let kicked = context
                    .hub
                    .with(|hub| hub.kicked_remotely(&folded, source, nick, reason));
                if kicked {
                    // Applied here now: a roster this node sent before
                    // still listed them. This one tells every node the
                    // kick holds here (`roster::kicked`).
                    self.send_roster(parts, &context, &room).await;
                    self.left_here(&room, self.fold(nick)).await;
                }
            }
            wire::Event::RosterRequest { .. } => self.send_roster(parts, &context, &room).await,
            // Topics and modes reach the hub through the channel's shared
            // record (`shared_state`); older nodes still send topics here.
            wire::Event::Topic { .. } | wire::Event::Mode { .. } | wire::Event::Whisper { .. } => {}
            wire::Event::Account { from, account } => {
                // Sent into every shared room: shown once, when it changes.
                let changed = {
                    let mut roster = self.roster();
                    let before = roster
                        .user(&from.nick)
                        .map(|user| user.member.member.account.clone());
                    roster.apply(&envelope);
                    let after = roster
                        .user(&from.nick)
                        .map(|user| user.member.member.account.clone());
                    before.is_some() && before != after
                };
                if changed {
                    let event = Event::Account {
                        source: hub_source(from, ""),
                        account: account.clone(),
                    };
                    let channels = self.channels_of(&from.nick);
                    deliver(&context, Scope::Peers(channels), event).await;
                }
            }
            wire::Event::Away { from, message } => {
                let changed = {
                    let mut roster = self.roster();
                    let before = roster.user(&from.nick).map(|user| user.member.away.clone());
                    roster.apply(&envelope);
                    let after = roster.user(&from.nick).map(|user| user.member.away.clone());
                    before.is_some() && before != after
                };
                if changed {
                    let event = Event::Away {
                        source: hub_source(from, ""),
                        message: message.clone(),
                    };
                    let channels = self.channels_of(&from.nick);
                    deliver(&context, Scope::Peers(channels), event).await;
                }
            }
            _ => {
                let seen = self.roster().apply(&envelope);
                self.present(&context, seen, Some(&envelope.event), &envelope.node)
                    .await;
            }
        }
        true
    }

    /// The folded channels the remote user `nick` shares with this node.
    pub(super) fn channels_of(&self, nick: &str) -> Vec<Folded> {
        self.roster()
            .user(nick)
            .map(|user| {
                user.channels
                    .iter()
                    .map(|channel| Folded::from_folded(channel.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }
}
