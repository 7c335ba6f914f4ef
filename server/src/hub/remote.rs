//! Events other nodes published (see [`super::bus`]), delivered to the local
//! clients they concern under the same locks local events take, so a
//! channel's local members see local and remote messages in one order.

use super::Hub;
use super::bus::{Published, Scope};
use super::client::{Client, ClientId};
use super::event::{Envelope, Event, MessageKind};
use super::fanout::Fanout;
use super::name::Folded;
use super::state::HubState;
use crate::history::{Conversation, MessageKind as StoredKind, Reservation, StoredMessage};
use std::collections::BTreeSet;
use std::sync::MutexGuard;

impl Hub {
    /// Delivers an event another node published to this node's clients in
    /// its scope. A channel message is also recorded in this node's history
    /// (in the channel's order, so backlogs here include it); a remote
    /// whisper is delivered but not recorded here: its conversation belongs
    /// to identities only the sending node knows. Nothing is published back.
    pub async fn deliver_remote(&self, published: Published) {
        let reservation = match (&self.history, stored_kind(&published.envelope)) {
            (Some(history), Some(_)) if matches!(published.scope, Scope::Channel(_)) => {
                Some(history.reserve().await)
            }
            _ => None,
        };
        let mut overflowed = Vec::new();
        self.read(|hub| hub.deliver_remote(published, reservation, &mut overflowed));
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
        reservation: Option<Reservation>,
        overflowed: &mut Vec<ClientId>,
    ) {
        let mut fanout = Fanout::shared(published.envelope);
        match published.scope {
            Scope::Channel(folded) => {
                let Some(channel) = self.channels.get(&folded) else {
                    return;
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
                    return;
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
    }
}
