//! Speaking and presence: PRIVMSG/NOTICE/TAGMSG routing, nickname changes,
//! away state and topics.

use super::channel::Topic;
use super::client::{ClientId, Source};
use super::event::{Envelope, Event, MessageKind};
use super::fanout::Fanout;
use super::membership::truncate;
use super::state::HubState;
use crate::history::{
    Conversation, DurableCommit, MessageKind as StoredKind, Reservation, StoredMessage, SyncMode,
    new_msgid,
};
use chrono::Utc;
use natter_protocol::Tag;
use tokio::time::Instant;

/// A message a client wants delivered.
#[derive(Debug, Clone)]
pub struct SayRequest {
    /// PRIVMSG, NOTICE or TAGMSG.
    pub kind: MessageKind,
    /// A channel name or a nickname.
    pub target: String,
    /// The text (empty for TAGMSG).
    pub text: String,
    /// Client-only tags to relay.
    pub client_tags: Vec<Tag>,
}

/// What the sender's session may need after a successful send.
#[derive(Debug, Clone, Default)]
pub struct SayOutcome {
    /// The recipient's nickname and away message, for a whisper to someone away (RPL_AWAY).
    pub away: Option<(String, String)>,
    /// The recipient's nickname as registered (for confirmations).
    pub recipient: String,
    /// The id given to the message.
    pub msgid: String,
}

/// Why a message was not delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SayError {
    /// No client has that nickname.
    NoSuchNick,
    /// No channel has that name.
    NoSuchChannel,
    /// The channel refuses (+n from outside, +m without voice, or banned).
    CannotSendToChannel(&'static str),
}

/// Why a nickname change was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NickChangeError {
    /// Someone else holds it, or one that looks like it.
    InUse(super::state::NickTaken),
}

/// Why a topic change was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TopicError {
    /// No such channel.
    NoSuchChannel,
    /// Not a member.
    NotOnChannel,
    /// +t and not an operator.
    NotOperator,
}

/// A message validated and stamped under the hub lock whose delivery waits
/// for its commit (`history.sync = "full"`); see [`crate::hub::Hub::say`].
#[derive(Debug)]
pub struct PreparedSay {
    envelope: Envelope,
    sender: ClientId,
    echo: bool,
    /// Who was to receive it when it was said; members who join meanwhile get
    /// it in their backlog instead (it is committed before their query).
    recipients: Vec<ClientId>,
    /// The folded channel, for channel messages.
    channel: Option<String>,
}

/// Who a message goes to and how it is filed, as worked out under the lock.
struct Route {
    recipients: Vec<ClientId>,
    conversation: Conversation,
    /// The channel's display name or the recipient's nick: how history names it.
    stored_target: String,
    channel: Option<String>,
    outcome: SayOutcome,
}

impl HubState {
    /// Validates, stamps (msgid, time) and stores a message. With batched
    /// history (or none) it is delivered now and `None` is returned; with
    /// `sync = "full"` its commit is queued and the caller awaits it with the
    /// lock released, then calls [`finish_say`](Self::finish_say).
    ///
    /// `reservation` is room in the history queue taken before the lock
    /// ([`crate::history::History::reserve`]); without one the message is
    /// recorded only if the queue has room.
    pub fn begin_say(
        &mut self,
        id: ClientId,
        request: SayRequest,
        reservation: Option<Reservation>,
    ) -> Result<(SayOutcome, Option<(PreparedSay, DurableCommit)>), SayError> {
        let sender = self.clients.get_mut(&id).ok_or(SayError::NoSuchNick)?;
        if request.kind != MessageKind::Tagmsg {
            sender.last_active = Instant::now();
        }
        let echo = sender.format.echo_own_messages;
        let source = std::sync::Arc::new(sender.source());
        let msgid = new_msgid();
        let time = Utc::now();
        let private = !natter_protocol::is_channel_name(&request.target);
        let route = if private {
            self.route_private(id, &request.target, &msgid)?
        } else {
            self.route_channel(id, &source, &request.target, &msgid)?
        };
        let stored_kind = match request.kind {
            MessageKind::Privmsg => Some(StoredKind::Privmsg),
            MessageKind::Notice => Some(StoredKind::Notice),
            MessageKind::Tagmsg => None,
        };
        let mut commit = None;
        if let (Some(history), Some(kind)) = (&self.history, stored_kind) {
            let stored = StoredMessage {
                msgid: msgid.clone(),
                time,
                conversation: route.conversation,
                kind,
                source: source.prefix(),
                target: route.stored_target,
                text: request.text.clone(),
            };
            // Queued under the lock, so the store's order is the hub's order.
            match (history.sync_mode(), reservation) {
                (SyncMode::Full, Some(room)) => commit = Some(room.record_durable(stored)),
                (SyncMode::Full, None) => commit = history.try_record_durable(stored),
                (SyncMode::Batched, Some(room)) => room.record(stored),
                (SyncMode::Batched, None) => history.record(stored),
            }
            if let Some(channel) = route
                .channel
                .as_ref()
                .and_then(|c| self.channels.get_mut(c))
            {
                channel.last_message = Some(msgid.clone());
            }
        }
        let prepared = PreparedSay {
            envelope: Envelope {
                event: Event::Message {
                    source,
                    target: request.target,
                    private,
                    kind: request.kind,
                    text: request.text,
                    msgid,
                    client_tags: request.client_tags,
                },
                time,
            },
            sender: id,
            echo,
            recipients: route.recipients,
            channel: route.channel,
        };
        match commit {
            Some(commit) => Ok((route.outcome, Some((prepared, commit)))),
            None => {
                self.finish_say(prepared);
                Ok((route.outcome, None))
            }
        }
    }

    /// Delivers a prepared message to those of its recipients still here.
    pub fn finish_say(&mut self, prepared: PreparedSay) {
        let PreparedSay {
            envelope,
            sender,
            echo,
            recipients,
            channel,
        } = prepared;
        let still_member = |state: &HubState, member: &ClientId| match &channel {
            Some(folded) => state
                .channels
                .get(folded)
                .is_some_and(|c| c.members.contains_key(member)),
            None => true,
        };
        // A whisper to oneself is received like any whisper and, with
        // echo-message, echoed too (as other servers do); only the echo belongs
        // to the sender's labelled response.
        let to_self = recipients.contains(&sender);
        let recipients: Vec<ClientId> = recipients
            .into_iter()
            .filter(|member| *member != sender && still_member(self, member))
            .chain(echo.then_some(sender))
            .collect();
        if let Event::Message { kind, private, .. } = &envelope.event {
            crate::metrics::message(
                kind.command(),
                *private,
                recipients.len() + usize::from(to_self),
            );
        }
        let mut fanout = Fanout::new(envelope);
        self.deliver_envelope(&mut fanout, recipients.into_iter());
        if to_self {
            self.deliver_incoming(&mut fanout, sender);
        }
    }

    /// A whisper belongs to the identities of both sides (account, or
    /// connection when not logged in), never to the nicks they use.
    fn route_private(
        &self,
        sender: ClientId,
        target: &str,
        msgid: &str,
    ) -> Result<Route, SayError> {
        let recipient = self.client_by_nick(target).ok_or(SayError::NoSuchNick)?;
        let sender = self.clients.get(&sender).ok_or(SayError::NoSuchNick)?;
        let away = recipient
            .away
            .clone()
            .map(|message| (recipient.nick.clone(), message));
        Ok(Route {
            recipients: vec![recipient.id],
            conversation: Conversation::private(
                sender.identity().key(),
                recipient.identity().key(),
            ),
            stored_target: recipient.nick.clone(),
            channel: None,
            outcome: SayOutcome {
                away,
                recipient: recipient.nick.clone(),
                msgid: msgid.to_string(),
            },
        })
    }

    fn route_channel(
        &self,
        id: ClientId,
        source: &Source,
        target: &str,
        msgid: &str,
    ) -> Result<Route, SayError> {
        let folded = self.fold(target);
        let channel = self.channels.get(&folded).ok_or(SayError::NoSuchChannel)?;
        let membership = channel.membership(id);
        if membership.is_none() && channel.modes.no_external {
            return Err(SayError::CannotSendToChannel(
                "no external messages (+n): join the channel first",
            ));
        }
        let privileged = membership.is_some_and(|m| m.op || m.voice);
        if channel.modes.moderated && !privileged {
            return Err(SayError::CannotSendToChannel("channel is moderated (+m)"));
        }
        if !privileged && channel.is_banned(&self.fold(&source.prefix()), |mask| self.fold(mask)) {
            return Err(SayError::CannotSendToChannel("you are banned (+b)"));
        }
        let recipients = channel
            .members
            .keys()
            .copied()
            .filter(|member| *member != id)
            .collect();
        Ok(Route {
            recipients,
            conversation: Conversation::Channel(folded.clone()),
            stored_target: channel.name.clone(),
            channel: Some(folded),
            outcome: SayOutcome {
                recipient: channel.name.clone(),
                msgid: msgid.to_string(),
                ..SayOutcome::default()
            },
        })
    }

    /// Renames `id`; everyone sharing a channel sees it once.
    pub fn change_nick(&mut self, id: ClientId, new_nick: &str) -> Result<(), NickChangeError> {
        self.check_nick(new_nick, Some(id))
            .map_err(NickChangeError::InUse)?;
        let Some(client) = self.clients.get(&id) else {
            return Ok(());
        };
        if client.nick == new_nick {
            return Ok(());
        }
        let source = std::sync::Arc::new(client.source());
        let old_nick = client.nick.clone();
        tracing::info!(client = id, old = %old_nick, new = %new_nick, "nick changed");
        self.deliver_to_peers_and_self(
            id,
            Event::Nick {
                source,
                new_nick: new_nick.to_string(),
            },
        );
        self.unindex_nick(&old_nick, id);
        self.index_nick(new_nick, id);
        if let Some(client) = self.clients.get_mut(&id) {
            client.nick = new_nick.to_string();
        }
        Ok(())
    }

    /// Sets (`Some`) or clears (`None`) `id`'s away message; channel peers are told.
    pub fn set_away(&mut self, id: ClientId, message: Option<&str>) {
        let message = message
            .filter(|m| !m.is_empty())
            .map(|m| truncate(m, self.settings.limits.away_length));
        let Some(client) = self.clients.get_mut(&id) else {
            return;
        };
        if client.away == message {
            return;
        }
        client.away = message.clone();
        let source = std::sync::Arc::new(client.source());
        let peers = self.peers_of(&self.clients[&id].channels, id);
        self.deliver_to(Event::Away { source, message }, peers.into_iter());
    }

    /// Sets `name`'s topic (empty text clears it); returns the channel's display name.
    pub fn set_topic(
        &mut self,
        id: ClientId,
        name: &str,
        text: &str,
    ) -> Result<String, TopicError> {
        let folded = self.fold(name);
        let channel = self
            .channels
            .get(&folded)
            .ok_or(TopicError::NoSuchChannel)?;
        let membership = channel.membership(id).ok_or(TopicError::NotOnChannel)?;
        if channel.modes.topic_lock && !membership.op {
            return Err(TopicError::NotOperator);
        }
        let source = self.source_of(id).ok_or(TopicError::NotOnChannel)?;
        let text = truncate(text, self.settings.limits.topic_length);
        let display = channel.name.clone();
        if let Some(channel) = self.channels.get_mut(&folded) {
            channel.topic = (!text.is_empty()).then(|| Topic {
                text: text.clone(),
                set_by: source.prefix(),
                set_at: Utc::now(),
            });
        }
        self.remember_channel(&folded);
        self.deliver_to_channel(
            &folded,
            id,
            Event::Topic {
                source,
                channel: display.clone(),
                topic: text,
            },
        );
        Ok(display)
    }

    /// Sets or clears user mode +i.
    pub fn set_invisible(&mut self, id: ClientId, invisible: bool) -> bool {
        match self.clients.get_mut(&id) {
            Some(client) if client.invisible != invisible => {
                client.invisible = invisible;
                true
            }
            _ => false,
        }
    }
}
