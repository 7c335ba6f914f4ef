//! From NATS to the hub: rooms followed, whispers listened to, and remote
//! users shown joining, leaving, renaming and quitting.
//!
//! A node follows a room while it has local members there: an ordered
//! consumer on the room stream, from this node's own join on, resumed after
//! the last sequence it delivered when NATS comes back (so an outage loses
//! nothing the stream stored). Events of this very node run are skipped
//! (they were delivered locally when they happened). Membership events go
//! through the [`Roster`](super::roster::Roster), and only what it reports
//! as changed is shown: a QUIT that arrives once per shared room is shown
//! once, a snapshot that adds someone is a JOIN.

use super::node::{ClusterNode, Follow, Parts};
use super::ordering::{From, Sequenced};
use super::roster::Seen;
use super::translate::{self, hub_source};
use super::wire;
use crate::context::Context;
use crate::hub::Folded;
use crate::hub::bus::{Published, Scope};
use crate::hub::event::{Envelope, Event};
use chrono::Utc;
use futures::StreamExt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Pause before following a room again after the stream refused.
const FOLLOW_RETRY: Duration = Duration::from_secs(1);

impl ClusterNode {
    /// Follows `room` (folded) from just after `after` (or from now),
    /// unless it is followed already.
    pub(crate) fn follow(self: &Arc<Self>, room: &str, after: Option<u64>) {
        let (stop, last) = {
            let mut followed = self.followed();
            if followed.contains_key(room) {
                return;
            }
            let follow = Follow {
                stop: self.shutdown.child_token(),
                last: Arc::new(AtomicU64::new(after.unwrap_or(0))),
            };
            let handles = (follow.stop.clone(), follow.last.clone());
            followed.insert(room.to_string(), follow);
            handles
        };
        let node = self.clone();
        let room = room.to_string();
        self.tasks
            .spawn(async move { node.follow_room(room, last, stop).await });
    }

    /// Follows every followed room anew from the last event it delivered:
    /// after an outage, rather than trusting a consumer that lived through it.
    pub(crate) fn refollow_all(self: &Arc<Self>) {
        let rooms: Vec<(String, Arc<AtomicU64>)> = self
            .followed()
            .drain()
            .map(|(room, follow)| {
                follow.stop.cancel();
                (room, follow.last)
            })
            .collect();
        for (room, last) in rooms {
            let after = match last.load(Ordering::Relaxed) {
                0 => None,
                sequence => Some(sequence),
            };
            self.follow(&room, after);
        }
    }

    /// Stops following `room` when no local user is in it any more.
    pub(crate) fn unfollow_if_empty(&self, room: &str) {
        let empty = self
            .context()
            .is_none_or(|context| context.hub.read(|hub| hub.channel(room).is_none()));
        if !empty {
            return;
        }
        if let Some(follow) = self.followed().remove(room) {
            follow.stop.cancel();
            self.stop_catching_up(room, follow.last.load(Ordering::Relaxed));
        }
        self.held().forget_room(room);
        self.roster().forget_channel(room);
    }

    async fn follow_room(
        self: Arc<Self>,
        room: String,
        last: Arc<AtomicU64>,
        stop: CancellationToken,
    ) {
        let Some(parts) = self.parts.get() else {
            return;
        };
        let mut asked = false;
        loop {
            let from = match last.load(Ordering::Relaxed) {
                0 => From::Now,
                sequence => From::After(sequence),
            };
            match parts.rooms.follow(&room, from).await {
                Ok(events) => {
                    if !asked {
                        // Following now: whoever is there says so.
                        let request = wire::Event::RosterRequest {
                            channel: room.clone(),
                        };
                        self.send_control(parts, &room, request).await;
                        asked = true;
                    }
                    if !self.catch_ups.is_done(&room) {
                        // What the room said before this follower took over.
                        let through = last.load(Ordering::Relaxed);
                        self.catch_up(parts, &room, through).await;
                    }
                    let mut events = std::pin::pin!(events);
                    loop {
                        let next = tokio::select! {
                            () = stop.cancelled() => return,
                            next = events.next() => next,
                        };
                        let Some(sequenced) = next else {
                            break;
                        };
                        last.store(sequenced.sequence, Ordering::Relaxed);
                        self.receive_room(parts, sequenced).await;
                    }
                }
                Err(error) => {
                    crate::warn_throttled!(%error, %room, "cluster: cannot follow a room yet; retrying");
                }
            }
            tokio::select! {
                () = stop.cancelled() => return,
                () = tokio::time::sleep(FOLLOW_RETRY) => {}
            }
        }
    }

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

    async fn receive_room(&self, parts: &Parts, sequenced: Sequenced) {
        let Sequenced { room, envelope, .. } = sequenced;
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
            return;
        }
        let Some(context) = self.context() else {
            return;
        };
        let folded = Folded::from_folded(room.clone());
        match &envelope.event {
            wire::Event::Message { .. } => {
                if let Some(message) = translate::channel_message(&envelope.event) {
                    let published = Published {
                        scope: Scope::Channel(folded),
                        envelope: Arc::new(message),
                    };
                    context.hub.deliver_remote(published).await;
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
    }

    /// The folded channels the remote user `nick` shares with this node.
    fn channels_of(&self, nick: &str) -> Vec<Folded> {
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

    /// Shows local users what changed on other nodes. `cause` is the event
    /// that changed it (none when a node died), `node` where it came from.
    pub(crate) async fn present(
        &self,
        context: &Context,
        seen: Vec<Seen>,
        cause: Option<&wire::Event>,
        node: &str,
    ) {
        for fact in seen {
            match fact {
                Seen::Joined { channel, member } => {
                    let Some(display) = display_name(context, &channel) else {
                        continue;
                    };
                    let source = hub_source(&member.member, &member.realname);
                    let folded = Folded::from_folded(channel);
                    let join = Event::Join {
                        source: source.clone(),
                        channel: display,
                    };
                    deliver(context, Scope::Channel(folded.clone()), join).await;
                    if let Some(message) = member.away {
                        let away = Event::Away {
                            source,
                            message: Some(message),
                        };
                        deliver(context, Scope::Channel(folded), away).await;
                    }
                }
                Seen::Left { channel, who } => {
                    let Some(display) = display_name(context, &channel) else {
                        continue;
                    };
                    let event = match cause {
                        Some(wire::Event::Kick {
                            by, nick, reason, ..
                        }) => Event::Kick {
                            source: hub_source(by, ""),
                            channel: display,
                            victim: nick.clone(),
                            reason: reason.clone(),
                        },
                        Some(wire::Event::Part { reason, .. }) => Event::Part {
                            source: hub_source(&who, ""),
                            channel: display,
                            reason: reason.clone(),
                        },
                        _ => Event::Part {
                            source: hub_source(&who, ""),
                            channel: display,
                            reason: None,
                        },
                    };
                    deliver(context, Scope::Channel(Folded::from_folded(channel)), event).await;
                }
                Seen::Quit { who, channels } => {
                    let reason = match cause {
                        Some(wire::Event::Quit { reason, .. }) => reason.clone(),
                        _ => format!("Node {node} left the cluster"),
                    };
                    let event = Event::Quit {
                        source: hub_source(&who, ""),
                        reason,
                    };
                    let channels = channels.into_iter().map(Folded::from_folded).collect();
                    deliver(context, Scope::Peers(channels), event).await;
                }
                Seen::Renamed { who, new } => {
                    let channels = self.channels_of(&new);
                    let event = Event::Nick {
                        source: hub_source(&who, ""),
                        new_nick: new,
                    };
                    deliver(context, Scope::Peers(channels), event).await;
                }
            }
        }
    }

    /// Listens for whispers to `folded` (a nick a local user holds) until
    /// the returned token is cancelled; subscribed when this returns.
    pub(crate) async fn listen_whispers(self: &Arc<Self>, folded: &str) -> CancellationToken {
        let stop = self.shutdown.child_token();
        let Some(parts) = self.parts.get() else {
            return stop;
        };
        let whispers = match parts.whispers.receive(folded).await {
            Ok(whispers) => whispers,
            Err(error) => {
                crate::warn_throttled!(%error, "cluster: cannot receive whispers from other nodes");
                return stop;
            }
        };
        let node = self.clone();
        let folded = Folded::from_folded(folded.to_string());
        let until = stop.clone();
        self.tasks.spawn(async move {
            let mut whispers = std::pin::pin!(whispers);
            loop {
                let next = tokio::select! {
                    () = until.cancelled() => return,
                    next = whispers.next() => next,
                };
                let Some(envelope) = next else {
                    return;
                };
                let own =
                    envelope.node == node.me.name && envelope.incarnation == node.me.incarnation;
                let Some(context) = node.context().filter(|_| !own) else {
                    continue;
                };
                if let Some(invite) = translate::invite(&envelope.event) {
                    if let wire::Event::Invite { channel, .. } = &envelope.event {
                        node.note_invitation(channel, &folded).await;
                    }
                    context
                        .hub
                        .with(|hub| hub.invited_remotely(&folded, invite));
                    continue;
                }
                let Some(message) = translate::whisper(&envelope.event) else {
                    continue;
                };
                let published = Published {
                    scope: Scope::User(folded.clone()),
                    envelope: Arc::new(message),
                };
                context.hub.deliver_remote(published).await;
            }
        });
        stop
    }
}

/// The display name of a local channel (folded), if it still exists here.
fn display_name(context: &Context, folded: &str) -> Option<String> {
    context
        .hub
        .read(|hub| hub.channel(folded).map(|channel| channel.name.clone()))
}

/// Delivers an event about a remote user to the local users in `scope`.
async fn deliver(context: &Context, scope: Scope, event: Event) {
    let envelope = Arc::new(Envelope {
        event,
        time: Utc::now(),
    });
    context
        .hub
        .deliver_remote(Published { scope, envelope })
        .await;
}
