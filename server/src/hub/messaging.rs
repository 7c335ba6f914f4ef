//! Presence: nickname changes, away state, topics and user mode +i.

use super::channel::Topic;
use super::client::ClientId;
use super::event::Event;
use super::membership::truncate;
use super::state::HubState;
use chrono::Utc;

/// Why a nickname change was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NickChangeError {
    /// Someone else holds it, or one that looks like it.
    InUse(super::NickTaken),
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
        let was = super::whowas::WasUser::of(client);
        tracing::info!(client = id, old = %old_nick, new = %new_nick, "nick changed");
        self.deliver_to_peers_and_self(
            id,
            Event::Nick {
                source,
                new_nick: new_nick.to_string(),
            },
        );
        self.remember_identity(was);
        self.unindex_nick(&old_nick, id);
        self.index_nick(new_nick, id);
        if let Some(client) = self.clients.get_mut(&id) {
            client.set_nick(new_nick.to_string());
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
        self.deliver_to_peers(id, Event::Away { source, message });
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
