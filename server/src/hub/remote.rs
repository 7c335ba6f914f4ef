//! Events other nodes published (see [`super::bus`]), delivered to the local
//! clients they concern under the same locks local events take, so a
//! channel's local members see local and remote messages in one order.

use super::Hub;
use super::bus::{Published, Scope};
use super::client::{Client, ClientId, Source};
use super::event::{Envelope, Event, MessageKind};
use super::fanout::Fanout;
use super::name::Folded;
use super::state::HubState;
use crate::history::{Conversation, MessageKind as StoredKind, Reservation, StoredMessage};
use std::collections::BTreeSet;
use std::sync::{Arc, MutexGuard};

impl Hub {
    /// Delivers an event another node published to this node's clients in
    /// its scope. A channel message is also recorded in this node's history
    /// (in the channel's order, so backlogs here include it); a remote
    /// whisper is delivered but not recorded here: its conversation belongs
    /// to identities only the sending node knows. Nothing is published back.
    /// Returns whether its scope was here: `false` for a channel this node
    /// has no member in (any more), whose message was then not recorded.
    pub async fn deliver_remote(&self, published: Published) -> bool {
        let reservation = match (&self.history, stored_kind(&published.envelope)) {
            (Some(history), Some(_)) if matches!(published.scope, Scope::Channel(_)) => {
                Some(history.reserve().await)
            }
            _ => None,
        };
        let mut overflowed = Vec::new();
        let here = self.read(|hub| hub.deliver_remote(published, reservation, &mut overflowed));
        if !overflowed.is_empty() {
            self.with(|hub| hub.note_overflowed(overflowed));
        }
        here
    }
}

impl Hub {
    /// Delivers a message this node's client `sender` said in `channel`
    /// (folded) and the bus took over ([`super::bus::Bus::publish_ordered`]),
    /// now that its place in the cluster's order is known: to every local
    /// member but the sender, under the channel's order lock. Not recorded
    /// again: it went into history when it was said.
    pub fn deliver_ordered(&self, channel: &Folded, envelope: Arc<Envelope>, sender: ClientId) {
        let mut overflowed = Vec::new();
        self.read(|hub| {
            let Some(channel) = hub.channels.get(channel) else {
                return;
            };
            let _order = channel.lock_order();
            let members = channel.members.keys().copied().filter(|id| *id != sender);
            hub.push_all(
                &mut Fanout::shared(envelope).in_channel(),
                members,
                &mut overflowed,
            );
        });
        if !overflowed.is_empty() {
            self.with(|hub| hub.note_overflowed(overflowed));
        }
    }
}

/// How history files a message event, or `None` for what it does not keep.
fn stored_kind(envelope: &Envelope) -> Option<StoredKind> {
    match &envelope.event {
        Event::Message {
            kind: MessageKind::Privmsg,
            ..
        } => Some(StoredKind::Privmsg),
        Event::Message {
            kind: MessageKind::Notice,
            ..
        } => Some(StoredKind::Notice),
        _ => None,
    }
}

impl HubState {
    fn deliver_remote(
        &self,
        published: Published,
        reservation: Option<Reservation<'_>>,
        overflowed: &mut Vec<ClientId>,
    ) -> bool {
        let mut fanout = Fanout::shared(published.envelope);
        match published.scope {
            Scope::Channel(folded) => {
                let Some(channel) = self.channels.get(&folded) else {
                    return false;
                };
                let mut order = channel.lock_order();
                let envelope = fanout.envelope();
                if let (Some(kind), Some(room)) = (stored_kind(&envelope), reservation)
                    && let Event::Message {
                        source,
                        text,
                        msgid,
                        ..
                    } = &envelope.event
                {
                    room.record(StoredMessage {
                        msgid: msgid.clone(),
                        time: envelope.time,
                        conversation: Conversation::Channel(folded.to_string()),
                        kind,
                        source: source.prefix(),
                        target: channel.name.clone(),
                        text: text.clone(),
                    });
                    order.last_message = Some(msgid.clone());
                }
                let members = channel.members.keys().copied();
                self.push_all(&mut fanout, members, overflowed);
            }
            Scope::User(folded) => {
                let Some(client) = self.nicks.get(&folded).and_then(|id| self.clients.get(id))
                else {
                    return false;
                };
                let _order = Client::lock_private_pair(client, client);
                self.push_all(&mut fanout, std::iter::once(client.id), overflowed);
            }
            Scope::Peers(channels) => {
                // One global order (sorted names) for taking several channels' locks.
                let channels: BTreeSet<Folded> = channels.into_iter().collect();
                let _orders: Vec<MutexGuard<'_, _>> = channels
                    .iter()
                    .filter_map(|folded| self.channels.get(folded))
                    .map(|channel| channel.lock_order())
                    .collect();
                let recipients: BTreeSet<ClientId> = channels
                    .iter()
                    .filter_map(|folded| self.channels.get(folded))
                    .flat_map(|channel| channel.members.keys().copied())
                    .collect();
                self.push_all(&mut fanout, recipients.into_iter(), overflowed);
            }
        }
        true
    }
}

/// A local member of a channel as other nodes need to know them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalMember {
    /// Nick, user, host, account, real name.
    pub source: Source,
    /// Away message, when away.
    pub away: Option<String>,
}

impl HubState {
    /// The local members of a channel (folded name), for other nodes'
    /// member lists; empty when nobody here is in it.
    pub fn local_members(&self, folded_channel: &str) -> Vec<LocalMember> {
        let Some(channel) = self.channels.get(folded_channel) else {
            return Vec::new();
        };
        channel
            .members
            .keys()
            .filter_map(|id| self.clients.get(id))
            .map(|client| LocalMember {
                source: client.source(),
                away: client.away.clone(),
            })
            .collect()
    }

    /// Every local client's id and nick (to claim them again in the cluster).
    pub fn local_nicks(&self) -> Vec<(ClientId, String)> {
        self.clients
            .values()
            .map(|client| (client.id, client.nick.clone()))
            .collect()
    }

    /// The folded names of every channel with local members.
    pub fn local_channels(&self) -> Vec<Folded> {
        self.channels.keys().cloned().collect()
    }

    /// Sends every local client a notice from the server (`server` is its
    /// name), each in its own dialect.
    pub fn notice_all(&mut self, server: &str, text: &str) {
        let mut overflowed = Vec::new();
        for client in self.clients.values() {
            let line = client
                .format
                .encoder
                .server_notice(server, &client.nick, text);
            if client.outbound.push_uncaptured(&line).is_err() {
                overflowed.push(client.id);
            }
        }
        self.note_overflowed(overflowed);
    }

    /// Sends the local client called `nick` a notice from the server, in
    /// its dialect; false when nobody here has that nick.
    pub fn notice_nick(&mut self, server: &str, nick: &str, text: &str) -> bool {
        let Some(client) = self.client_by_nick(nick) else {
            return false;
        };
        let line = client
            .format
            .encoder
            .server_notice(server, &client.nick, text);
        if client.outbound.push_uncaptured(&line).is_err() {
            let id = client.id;
            self.note_overflowed(vec![id]);
        }
        true
    }

    /// A KICK another node's user made of a local member: shown to the
    /// local members (the victim too) and the victim taken out here; not
    /// published back. False when the victim is not a member here.
    pub fn kicked_remotely(
        &mut self,
        folded: &Folded,
        source: Arc<Source>,
        victim: &str,
        reason: &str,
    ) -> bool {
        let Some((victim_id, victim_nick)) =
            self.client_by_nick(victim).map(|c| (c.id, c.nick.clone()))
        else {
            return false;
        };
        let Some(channel) = self.channels.get(folded) else {
            return false;
        };
        if !channel.members.contains_key(&victim_id) {
            return false;
        }
        let event = Event::Kick {
            source,
            channel: channel.name.clone(),
            victim: victim_nick,
            reason: reason.to_string(),
        };
        let members: Vec<ClientId> = channel.members.keys().copied().collect();
        let mut fanout = Fanout::new(Envelope {
            event,
            time: chrono::Utc::now(),
        });
        let mut overflowed = Vec::new();
        self.push_all(&mut fanout, members.into_iter(), &mut overflowed);
        self.note_overflowed(overflowed);
        self.remove_member(folded, victim_id);
        true
    }

    /// An invitation from another node's user to the local user `folded_nick`:
    /// they may join `channel` past +i, +l and bans (when the channel has
    /// local members; otherwise the shared record says so) and get the
    /// INVITE line. False when nobody here holds the nick.
    pub fn invited_remotely(&mut self, folded_nick: &str, envelope: Envelope) -> bool {
        let Some(id) = self.nicks.get(folded_nick).copied() else {
            return false;
        };
        if let Event::Invite { channel, .. } = &envelope.event {
            let folded = self.fold(channel);
            if let Some(channel) = self.channels.get_mut(&folded) {
                channel.invited.insert(id);
            }
        }
        let mut fanout = Fanout::new(envelope);
        let mut overflowed = Vec::new();
        self.push_all(&mut fanout, std::iter::once(id), &mut overflowed);
        self.note_overflowed(overflowed);
        true
    }
}
