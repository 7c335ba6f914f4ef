//! Joining and leaving channels: JOIN, PART, KICK, INVITE.

use super::bus::Scope;
use super::channel::{Channel, Membership, Topic};
use super::client::ClientId;
use super::event::Event;
use super::name::Folded;
use super::queries::Names;
use super::state::HubState;
use chrono::{DateTime, Utc};

/// What a successful join gives the joiner's session to reply with.
#[derive(Debug, Clone)]
pub struct JoinOutcome {
    /// Channel display name.
    pub channel: String,
    /// The topic, if one is set.
    pub topic: Option<Topic>,
    /// The member list after the join.
    pub names: Names,
    /// Whether the join created the channel (the joiner is its operator).
    pub created: bool,
    /// Where the joiner's backlog ends: everything later is delivered live.
    pub backlog_end: BacklogEnd,
}

/// The end of a joiner's backlog, fixed under the hub lock at the moment of the join.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BacklogEnd {
    /// Up to and including the channel's last stored message.
    Through {
        /// Its msgid.
        msgid: String,
        /// When the join happened: the fallback end if that message never
        /// made it into the store (a full queue); everything delivered live
        /// was stamped later.
        joined_at: DateTime<Utc>,
    },
    /// Messages before this time: nothing was said since the channel was
    /// (re)created, so the backlog is its earlier life (e.g. before a restart).
    Before(DateTime<Utc>),
}

/// Why a JOIN was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JoinError {
    /// Not a valid channel name.
    InvalidName,
    /// Already a member: nothing happens.
    AlreadyMember,
    /// +i and not invited.
    InviteOnly,
    /// +k and the wrong key.
    BadKey,
    /// +l reached.
    Full,
    /// Matches a ban.
    Banned,
    /// In too many channels already.
    TooManyChannels,
}

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
    /// Joins `id` to `name`, creating the channel (with `id` as operator) if needed.
    pub fn join(
        &mut self,
        id: ClientId,
        name: &str,
        key: Option<&str>,
    ) -> Result<JoinOutcome, JoinError> {
        if !natter_protocol::is_valid_channel(name, self.settings.limits.channel_length) {
            return Err(JoinError::InvalidName);
        }
        let folded = self.fold(name);
        let client = self.clients.get(&id).ok_or(JoinError::InvalidName)?;
        if client.channels.contains(&folded) {
            return Err(JoinError::AlreadyMember);
        }
        if client.channels.len() >= self.settings.limits.max_channels_per_client {
            return Err(JoinError::TooManyChannels);
        }
        let folded_prefix = self.fold_text(&client.source().prefix());
        let folded_nick = self.fold_text(&client.nick);
        let created = !self.channels.contains_key(&folded);
        // A channel that exists on other nodes of a cluster starts from the
        // cluster's record: its modes, bans and privileges, no operator
        // for whoever happens to be first here.
        let shared = if created {
            self.shared_channel(&folded)
        } else {
            None
        };
        // A channel re-created gets its remembered protections back before
        // the joiner is checked against them.
        let restored = match &shared {
            Some(shared) => {
                let mut channel = shared.to_channel();
                if shared.invited.contains(&folded_nick) {
                    channel.invited.insert(id);
                }
                // Its registration (founder, operator accounts) is this
                // node's stored record, shared through the cluster.
                if let Some(remembered) = self.recall_channel(&folded) {
                    channel.founder = remembered.founder;
                    channel.operators = remembered.operators;
                }
                Some(channel)
            }
            None if created => self.recall_channel(&folded),
            None => None,
        };
        let by_account = match restored.as_ref().or_else(|| self.channels.get(&folded)) {
            Some(channel) if self.is_operator_account(channel, id) => true,
            Some(channel) => {
                self.check_join_allowed(channel, id, key, &folded_prefix, &folded)?;
                false
            }
            None => false,
        };
        // Whoever creates a channel operates it, unless it is registered:
        // then only its founder and operator accounts do.
        let op = match &shared {
            Some(shared) => by_account || shared.privileges.get(&folded_nick).is_some_and(|p| p.op),
            None => {
                by_account || (created && restored.as_ref().is_none_or(|c| c.founder.is_none()))
            }
        };
        let voice = shared
            .as_ref()
            .and_then(|shared| shared.privileges.get(&folded_nick))
            .is_some_and(|p| p.voice);
        let channel = self.channels.entry(folded.clone()).or_insert_with(|| {
            restored.unwrap_or_else(|| Channel::new(name.to_string(), Utc::now()))
        });
        channel.invited.remove(&id);
        channel.remote_privileges.remove(&folded_nick);
        channel.members.insert(id, Membership { op, voice });
        let display = channel.name.clone();
        let topic = channel.topic.clone();
        let backlog_end = match &channel.order_mut().last_message {
            Some(msgid) => BacklogEnd::Through {
                msgid: msgid.clone(),
                joined_at: Utc::now(),
            },
            None => BacklogEnd::Before(Utc::now()),
        };
        if let Some(client) = self.clients.get_mut(&id) {
            client.channels.insert(folded.clone());
        }
        let source = self.source_of(id).ok_or(JoinError::InvalidName)?;
        self.deliver_to_channel(
            &folded,
            id,
            Event::Join {
                source: source.clone(),
                channel: display.clone(),
            },
        );
        // away-notify clients learn a joiner's away state right after its JOIN.
        if let Some(message) = self.clients.get(&id).and_then(|c| c.away.clone()) {
            let others: Vec<ClientId> = self.channels[&folded]
                .members
                .keys()
                .copied()
                .filter(|member| *member != id)
                .collect();
            self.deliver_to(
                Scope::Channel(folded.clone()),
                Event::Away {
                    source,
                    message: Some(message),
                },
                others.into_iter(),
            );
        }
        if by_account && !created {
            self.announce_operator_by_account(&folded, id);
        }
        if op {
            self.note_operator(&folded, id, true);
            self.remember_channel(&folded);
        }
        let names = self.names_of(&folded, id).unwrap_or_default();
        Ok(JoinOutcome {
            channel: display,
            topic,
            names,
            created,
            backlog_end,
        })
    }

    fn check_join_allowed(
        &self,
        channel: &Channel,
        id: ClientId,
        key: Option<&str>,
        folded_prefix: &str,
        folded_channel: &str,
    ) -> Result<(), JoinError> {
        let invited = channel.invited.contains(&id);
        if channel.modes.invite_only && !invited {
            return Err(JoinError::InviteOnly);
        }
        if let Some(expected) = &channel.modes.key
            && key != Some(expected.as_str())
        {
            return Err(JoinError::BadKey);
        }
        // An invitation lets its holder past +l, as it does past +i and +b.
        if let Some(limit) = channel.modes.limit
            && channel.members.len() + self.remote_members(folded_channel).len() >= limit
            && !invited
        {
            return Err(JoinError::Full);
        }
        if !invited && channel.is_banned(folded_prefix, |mask| self.fold_text(mask)) {
            return Err(JoinError::Banned);
        }
        Ok(())
    }

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
