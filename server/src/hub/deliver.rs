//! Delivering a stamped message: publishing it to the bus and pushing it
//! to its recipients, under its destination's order lock (see
//! [`super::say`]).

use super::bus::Scope;
use super::client::{Client, ClientId, Source};
use super::clock::{LATEST, Reading};
use super::event::{Envelope, Event, MessageKind};
use super::fanout::Fanout;
use super::route::Destination;
use super::say::{Begun, PreparedSay, SayError, SayOutcome, SayRequest};
use super::state::HubState;
use crate::history::new_msgid_at;
use std::sync::Arc;

impl HubState {
    /// Publishes and pushes a message; the caller holds its order lock.
    /// The recipients' membership is checked again (they were routed before a commit).
    pub(super) fn deliver(&self, prepared: PreparedSay, overflowed: &mut Vec<ClientId>) {
        self.deliver_routed(prepared, overflowed, true);
    }

    /// [`Self::deliver`]; `recheck` false when the recipients were routed
    /// under the same hold of the shared hub lock (membership changes need
    /// it exclusively), which spares a member-map lookup per recipient.
    pub(super) fn deliver_routed(
        &self,
        prepared: PreparedSay,
        overflowed: &mut Vec<ClientId>,
        recheck: bool,
    ) {
        let PreparedSay {
            envelope,
            sender,
            echo,
            recipients,
            destination,
        } = prepared;
        // The channel looked up once, not once per recipient (hashing and
        // comparing its name was ~3% of a 100-member fan-out's CPU).
        let channel = match &destination {
            Destination::Channel(folded) => Some(self.channels.get(folded)),
            Destination::User(_) => None,
        };
        let still_member = |member: &ClientId| match channel {
            Some(channel) if recheck => channel.is_some_and(|c| c.members.contains_key(member)),
            _ => true,
        };
        // A whisper to oneself is received like any whisper and, with
        // echo-message, echoed too (as other servers do); only the echo belongs
        // to the sender's labelled response.
        let to_self = recipients.contains(&sender);
        // Filtered in place (collecting a new list was an allocation per message).
        let mut recipients = recipients;
        recipients.retain(|member| *member != sender && still_member(member));
        recipients.extend(echo.then_some(sender));
        if let Event::Message { kind, private, .. } = &envelope.event {
            crate::metrics::message(
                kind.command(),
                *private,
                recipients.len() + usize::from(to_self),
            );
        }
        let mut fanout = match destination {
            Destination::Channel(_) => Fanout::shared(envelope).in_channel(),
            Destination::User(_) => Fanout::shared(envelope),
        };
        let mut ordered_by_bus = false;
        if let Some(bus) = &self.bus {
            match &destination {
                Destination::Channel(folded) => {
                    let published = super::bus::Published {
                        scope: Scope::Channel(folded.clone()),
                        envelope: fanout.envelope(),
                    };
                    ordered_by_bus = bus.publish_ordered(published, sender);
                }
                Destination::User(id) => {
                    if let Some(client) = self.clients.get(id) {
                        self.publish(Scope::User(self.fold(&client.nick)), &fanout);
                    }
                }
            }
        }
        // The bus delivers to the other members in the cluster's order; only
        // the sender's own echo (part of its labelled response) goes now.
        let recipients = recipients
            .into_iter()
            .filter(|member| !ordered_by_bus || *member == sender);
        self.push_all(&mut fanout, recipients, overflowed);
        if to_self {
            self.push_incoming(&mut fanout, sender, overflowed);
        }
    }

    /// A whisper to a user on another node: published on their user scope
    /// (the bus delivers it there) and echoed here. Not recorded in this
    /// node's history: the conversation's other identity lives on that node.
    pub(super) fn whisper_remote(
        &self,
        sender: &Client,
        source: Arc<Source>,
        request: SayRequest,
        overflowed: &mut Vec<ClientId>,
    ) -> Result<Begun, SayError> {
        let remote = self
            .remote_user(&request.target)
            .filter(|_| self.bus.is_some())
            .ok_or(SayError::NoSuchNick)?;
        if !self.reaches(&remote.node) {
            return Err(SayError::Unreachable(remote.nick));
        }
        let _order = Client::lock_private_pair(sender, sender);
        crate::metrics::message(request.kind.command(), true, 1);
        let renamed_recipient = super::route::renamed(&remote.nick, &request.target);
        let now = LATEST.ordered(Reading::now());
        if request.kind != MessageKind::Tagmsg {
            sender.last_active.touch_at(now.millis());
        }
        let mut fanout = Fanout::new(Envelope {
            event: Event::Message {
                source,
                target: request.target,
                private: true,
                kind: request.kind,
                text: request.text,
                msgid: new_msgid_at(now.millis()),
                client_tags: request.client_tags,
            },
            time: now.time(),
        });
        self.publish(Scope::User(self.fold(&remote.nick)), &fanout);
        if sender.format.echo_own_messages {
            self.push_all(&mut fanout, std::iter::once(sender.id), overflowed);
        }
        let outcome = SayOutcome {
            renamed_recipient,
            away: remote.away.map(|away| (remote.nick, away)),
        };
        Ok((outcome, None))
    }
}
