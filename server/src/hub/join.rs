//! Joining a channel: JOIN's checks (key, invitation, limit, bans), the
//! joiner's privileges, and a channel re-created from what the cluster or
//! this server remembers of it.

use super::bus::Scope;
use super::channel::{Channel, Membership, Topic};
use super::client::ClientId;
use super::event::Event;
use super::name::Folded;
use super::queries::Names;
use super::shared::SharedChannel;
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
        let restored = self.restored_channel(&folded, shared.as_ref(), created, id, &folded_nick);
        let by_account = match restored.as_ref().or_else(|| self.channels.get(&folded)) {
            Some(channel) if self.is_operator_account(channel, id) => true,
            Some(channel) => {
                self.check_join_allowed(channel, id, key, &folded_prefix, &folded)?;
                false
            }
            None => false,
        };
        let membership = joiner_privileges(
            shared.as_ref(),
            restored.as_ref(),
            created,
            by_account,
            &folded_nick,
        );
        let channel = self.channels.entry(folded.clone()).or_insert_with(|| {
            restored.unwrap_or_else(|| Channel::new(name.to_string(), Utc::now()))
        });
        channel.invited.remove(&id);
        channel.remote_privileges.remove(&folded_nick);
        channel.members.insert(id, membership);
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
        self.announce_join(&folded, id, &display)?;
        if by_account && !created {
            self.announce_operator_by_account(&folded, id);
        }
        if membership.op {
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

    /// The channel `folded` as it is re-created for a joiner (`created`:
    /// nobody is in it here): from the cluster's record (`shared`) when
    /// other nodes have it, else from what this server remembers of a
    /// registered channel. It gets its protections back before the joiner
    /// is checked against them.
    fn restored_channel(
        &self,
        folded: &Folded,
        shared: Option<&SharedChannel>,
        created: bool,
        id: ClientId,
        folded_nick: &str,
    ) -> Option<Channel> {
        let Some(shared) = shared else {
            return if created {
                self.recall_channel(folded)
            } else {
                None
            };
        };
        let mut channel = shared.to_channel();
        if shared.invited.contains(folded_nick) {
            channel.invited.insert(id);
        }
        // Its registration (founder, operator accounts) is this node's
        // stored record, shared through the cluster.
        if let Some(remembered) = self.recall_channel(folded) {
            channel.founder = remembered.founder;
            channel.operators = remembered.operators;
        }
        Some(channel)
    }

    /// Tells the members of `folded` that `id` joined it, and those with
    /// away-notify the joiner's away state right after its JOIN.
    fn announce_join(
        &mut self,
        folded: &Folded,
        id: ClientId,
        display: &str,
    ) -> Result<(), JoinError> {
        let source = self.source_of(id).ok_or(JoinError::InvalidName)?;
        self.deliver_to_channel(
            folded,
            id,
            Event::Join {
                source: source.clone(),
                channel: display.to_string(),
            },
        );
        let Some(message) = self.clients.get(&id).and_then(|c| c.away.clone()) else {
            return Ok(());
        };
        let others: Vec<ClientId> = self.channels[folded]
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
        Ok(())
    }

    /// Whether `id` may join `channel` as it is: its invitation, `key`,
    /// the limit (members of every node counted) and the bans.
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
}

/// The joiner's privileges. Whoever creates a channel operates it, unless
/// it is registered: then only its founder and operator accounts do
/// (`by_account`). On a channel of the cluster (`shared`), what the record
/// keeps for the joiner's nick (`folded_nick`) stands.
fn joiner_privileges(
    shared: Option<&SharedChannel>,
    restored: Option<&Channel>,
    created: bool,
    by_account: bool,
    folded_nick: &str,
) -> Membership {
    let Some(shared) = shared else {
        return Membership {
            op: by_account || (created && restored.is_none_or(|c| c.founder.is_none())),
            voice: false,
        };
    };
    let kept = shared.privileges.get(folded_nick);
    Membership {
        op: by_account || kept.is_some_and(|p| p.op),
        voice: kept.is_some_and(|p| p.voice),
    }
}
