//! Leaving channels and being let in: PART, KICK, INVITE (joining is
//! [`super::join`]'s).

use super::bus::Scope;
use super::client::ClientId;
use super::event::Event;
use super::name::Folded;
use super::state::HubState;

/// Why a PART was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartError {
    /// No such channel.
    NoSuchChannel,
    /// Not a member.
    NotOnChannel,
}

/// Why a KICK was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KickError {
    /// No such channel.
    NoSuchChannel,
    /// The kicker is not a member.
    NotOnChannel,
    /// The kicker is not an operator.
    NotOperator,
    /// The victim is not a member (or does not exist).
    TargetNotOnChannel,
}

/// Why an INVITE was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InviteError {
    /// No such nickname.
    NoSuchNick,
    /// No such channel.
    NoSuchChannel,
    /// The inviter is not a member.
    NotOnChannel,
    /// The channel is +i and the inviter is not an operator.
    NotOperator,
    /// The invited user is already a member.
    AlreadyOnChannel,
    /// The invitee (their nick) is on another node that cannot be reached
    /// now (the cluster's NATS is away): refused rather than lost.
    Unreachable(String),
}

impl HubState {
    /// Removes `id` from `name`; members (and `id`, if it sees own events) see the PART.
    pub fn part(
        &mut self,
        id: ClientId,
        name: &str,
        reason: Option<&str>,
    ) -> Result<String, PartError> {
        let folded = self.fold(name);
        let channel = self.channels.get(&folded).ok_or(PartError::NoSuchChannel)?;
        if !channel.members.contains_key(&id) {
            return Err(PartError::NotOnChannel);
        }
        let display = channel.name.clone();
        let source = self.source_of(id).ok_or(PartError::NotOnChannel)?;
        self.deliver_to_channel(
            &folded,
            id,
            Event::Part {
                source,
                channel: display.clone(),
                reason: reason.map(str::to_string),
            },
        );
        self.remove_member(&folded, id);
        Ok(display)
    }

    /// Parts every channel (`JOIN 0`).
    pub fn part_all(&mut self, id: ClientId) {
        let channels: Vec<Folded> = self
            .clients
            .get(&id)
            .map(|c| c.channels.iter().cloned().collect())
            .unwrap_or_default();
        for folded in channels {
            let _ = self.part(id, &folded, None);
        }
    }

    /// `id` is no longer a member of `folded` (nor `folded` one of its
    /// channels); an emptied channel ends or is remembered.
    pub(crate) fn remove_member(&mut self, folded: &Folded, id: ClientId) {
        if let Some(client) = self.clients.get_mut(&id) {
            client.channels.remove(folded);
        }
        let now_empty = self.channels.get_mut(folded).is_some_and(|channel| {
            channel.members.remove(&id);
            channel.members.is_empty()
        });
        if now_empty {
            self.channel_emptied(folded);
        }
    }

    /// `id` kicks `victim` out of `name`.
    pub fn kick(
        &mut self,
        id: ClientId,
        name: &str,
        victim: &str,
        reason: &str,
    ) -> Result<(), KickError> {
        let folded = self.fold(name);
        let channel = self.channels.get(&folded).ok_or(KickError::NoSuchChannel)?;
        let kicker = channel.membership(id).ok_or(KickError::NotOnChannel)?;
        let local_victim = self
            .client_by_nick(victim)
            .map(|c| (c.id, c.nick.clone()))
            .filter(|(victim_id, _)| channel.members.contains_key(victim_id));
        // A member on another node of a cluster: its node takes it out
        // when the KICK reaches it.
        let (victim_id, victim_nick) = match local_victim {
            Some((victim_id, nick)) => (Some(victim_id), nick),
            None => {
                let remote = self
                    .remote_user(victim)
                    .filter(|remote| remote.channels.iter().any(|c| **c == *folded))
                    .ok_or(KickError::TargetNotOnChannel)?;
                (None, remote.nick)
            }
        };
        if !kicker.op {
            return Err(KickError::NotOperator);
        }
        let display = channel.name.clone();
        let reason: String = truncate(reason, self.settings.limits.kick_length);
        let source = self.source_of(id).ok_or(KickError::NotOnChannel)?;
        let members: Vec<ClientId> = channel.members.keys().copied().collect();
        self.deliver_to(
            Scope::Channel(folded.clone()),
            Event::Kick {
                source,
                channel: display,
                victim: victim_nick,
                reason,
            },
            members.into_iter(),
        );
        match victim_id {
            Some(victim_id) => self.remove_member(&folded, victim_id),
            None => {
                let folded_victim = self.fold_text(victim);
                if let Some(channel) = self.channels.get_mut(&folded) {
                    channel.remote_privileges.remove(&folded_victim);
                }
            }
        }
        Ok(())
    }

    /// `id` invites `nick` to `name`; returns the invitee's nickname.
    pub fn invite(
        &mut self,
        id: ClientId,
        nick: &str,
        name: &str,
    ) -> Result<(String, String), InviteError> {
        // The invitee may be on another node of a cluster: the invitation
        // then travels to it (and into the channel's shared record).
        let (target_id, target_nick, remote_channels) = match self.client_by_nick(nick) {
            Some(target) => (Some(target.id), target.nick.clone(), Vec::new()),
            None => {
                let remote = self.remote_user(nick).ok_or(InviteError::NoSuchNick)?;
                if !self.reaches(&remote.node) {
                    return Err(InviteError::Unreachable(remote.nick));
                }
                (None, remote.nick, remote.channels)
            }
        };
        let folded = self.fold(name);
        let channel = self
            .channels
            .get(&folded)
            .ok_or(InviteError::NoSuchChannel)?;
        let inviter = channel.membership(id).ok_or(InviteError::NotOnChannel)?;
        if channel.modes.invite_only && !inviter.op {
            return Err(InviteError::NotOperator);
        }
        let member = match target_id {
            Some(target_id) => channel.members.contains_key(&target_id),
            None => remote_channels.contains(&folded),
        };
        if member {
            return Err(InviteError::AlreadyOnChannel);
        }
        let display = channel.name.clone();
        if let (Some(channel), Some(target_id)) = (self.channels.get_mut(&folded), target_id) {
            channel.invited.insert(target_id);
        }
        let source = self.source_of(id).ok_or(InviteError::NotOnChannel)?;
        self.deliver_to(
            Scope::User(self.fold(&target_nick)),
            Event::Invite {
                source,
                target: target_nick.clone(),
                channel: display.clone(),
            },
            target_id.into_iter(),
        );
        Ok((target_nick, display))
    }
}

/// Cuts `text` to at most `max` bytes without splitting a character.
pub fn truncate(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}
