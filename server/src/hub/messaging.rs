//! Speaking and presence: PRIVMSG/NOTICE/TAGMSG routing, nickname changes,
//! away state and topics.

use super::channel::Topic;
use super::client::ClientId;
use super::event::{Envelope, Event, MessageKind};
use super::fanout::Fanout;
use super::membership::truncate;
use super::state::HubState;
use crate::history::{Conversation, MessageKind as StoredKind, StoredMessage, new_msgid};
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
    /// Someone else holds it.
    InUse,
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

impl HubState {
    /// Routes a message from `id` to a channel or a user.
    pub fn say(&mut self, id: ClientId, request: SayRequest) -> Result<SayOutcome, SayError> {
        let sender = self.clients.get_mut(&id).ok_or(SayError::NoSuchNick)?;
        if request.kind != MessageKind::Tagmsg {
            sender.last_active = Instant::now();
        }
        let echo = sender.format.echo_own_messages;
        let source = std::sync::Arc::new(sender.source());
        let msgid = new_msgid();
        let time = Utc::now();
        let private = !natter_protocol::is_channel_name(&request.target);
        let (recipients, conversation, outcome) = if private {
            let recipient = self
                .client_by_nick(&request.target)
                .ok_or(SayError::NoSuchNick)?;
            let away = recipient
                .away
                .clone()
                .map(|message| (recipient.nick.clone(), message));
            let conversation =
                Conversation::private(self.fold(&source.nick), self.fold(&recipient.nick));
            let outcome = SayOutcome {
                away,
                recipient: recipient.nick.clone(),
                msgid: msgid.clone(),
            };
            (vec![recipient.id], conversation, outcome)
        } else {
            let folded = self.fold(&request.target);
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
            if !privileged
                && channel.is_banned(&self.fold(&source.prefix()), |mask| self.fold(mask))
            {
                return Err(SayError::CannotSendToChannel("you are banned (+b)"));
            }
            let recipients = channel
                .members
                .keys()
                .copied()
                .filter(|member| *member != id)
                .collect();
            let outcome = SayOutcome {
                recipient: channel.name.clone(),
                msgid: msgid.clone(),
                ..SayOutcome::default()
            };
            (recipients, Conversation::Channel(folded), outcome)
        };
        let stored_kind = match request.kind {
            MessageKind::Privmsg => Some(StoredKind::Privmsg),
            MessageKind::Notice => Some(StoredKind::Notice),
            MessageKind::Tagmsg => None,
        };
        if let (Some(history), Some(kind)) = (&self.history, stored_kind) {
            history.record(StoredMessage {
                msgid: msgid.clone(),
                time,
                conversation,
                kind,
                source: source.prefix(),
                target: request.target.clone(),
                text: request.text.clone(),
            });
        }
        let mut fanout = Fanout::new(Envelope {
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
        });
        let echo_to_self = echo.then_some(id);
        self.deliver_envelope(&mut fanout, recipients.into_iter().chain(echo_to_self));
        Ok(outcome)
    }

    /// Renames `id`; everyone sharing a channel sees it once.
    pub fn change_nick(&mut self, id: ClientId, new_nick: &str) -> Result<(), NickChangeError> {
        if !self.nick_available(new_nick, Some(id)) {
            return Err(NickChangeError::InUse);
        }
        let Some(client) = self.clients.get(&id) else {
            return Ok(());
        };
        if client.nick == new_nick {
            return Ok(());
        }
        let source = std::sync::Arc::new(client.source());
        let old_folded = self.fold(&client.nick);
        self.deliver_to_peers_and_self(
            id,
            Event::Nick {
                source,
                new_nick: new_nick.to_string(),
            },
        );
        self.nicks.remove(&old_folded);
        self.nicks.insert(self.fold(new_nick), id);
        if let Some(client) = self.clients.get_mut(&id) {
            client.nick = new_nick.to_string();
        }
        Ok(())
    }

    /// Sets (`Some`) or clears (`None`) `id`'s away message; channel peers are told.
    pub fn set_away(&mut self, id: ClientId, message: Option<&str>) {
        let message = message
            .filter(|m| !m.is_empty())
            .map(|m| truncate(m, self.settings.away_length));
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
        let text = truncate(text, self.settings.topic_length);
        let display = channel.name.clone();
        if let Some(channel) = self.channels.get_mut(&folded) {
            channel.topic = (!text.is_empty()).then(|| Topic {
                text: text.clone(),
                set_by: source.prefix(),
                set_at: Utc::now(),
            });
        }
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
