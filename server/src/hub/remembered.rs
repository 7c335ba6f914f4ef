//! Channels that outlive their members: the hub's side of [`crate::channels`].
//!
//! A channel's protections (modes, key, limit, bans, topic, operators by
//! account, founder) are remembered whenever they change. When a registered
//! channel (one with a founder, see [`super::chanserv`]) empties they are kept, and restored when it
//! is re-created, before the joiner is checked against them, so an emptied
//! `+k`/`+i` channel, or one from before a restart, is not handed with its
//! history to whoever joins first. An unregistered channel vanishes when it
//! empties, with its history if it kept anyone out. Members logged in to a
//! remembered operator account get `+o` (and pass the key, invitation, limit
//! and bans) whenever they join.

use super::HubState;
use super::bus::Scope;
use super::channel::{Ban, Channel, ChannelModes, Topic};
use super::client::{ClientId, Source};
use super::event::Event;
use super::name::Folded;
use crate::channels::{ChannelRecord, RecordedBan, RecordedTopic};
use chrono::{DateTime, Utc};
use std::sync::Arc;

/// The service that announces operator status granted by account.
pub const CHANSERV: &str = "ChanServ";

impl HubState {
    /// Stores the protections of the channel `folded` as they are now (a
    /// channel with nothing to protect is forgotten).
    pub(crate) fn remember_channel(&self, folded: &str) {
        if let (Some(states), Some(channel)) = (self.channel_states(), self.channels.get(folded)) {
            states.put(folded, Some(record_of(channel)));
        }
    }

    /// The last member left `folded` (still in the map): a registered
    /// channel is remembered; an unregistered one vanishes with its state,
    /// and with its history if it kept anyone out (nobody is left to enforce
    /// that, and the next creator of the name must not read it).
    pub(crate) fn channel_emptied(&mut self, folded: &str) {
        let Some(channel) = self.channels.remove(folded) else {
            return;
        };
        let record = record_of(&channel);
        if record.is_registered() {
            if let Some(states) = self.channel_states() {
                states.put(folded, Some(record));
            }
            return;
        }
        self.vanish(folded, &record);
    }

    /// Forgets the unregistered channel `folded`, deleting its history if
    /// its `record` guarded it.
    pub(super) fn vanish(&self, folded: &str, record: &ChannelRecord) {
        let Some(history) = self.history.as_ref() else {
            return;
        };
        history.channel_states().put(folded, None);
        if record.guards_history() {
            history.forget_channel_history(folded);
        }
    }

    /// The channel `folded` as remembered from an earlier life, empty.
    pub(crate) fn recall_channel(&self, folded: &str) -> Option<Channel> {
        self.channel_states()?.get(folded).map(channel_of)
    }

    /// Whether `channel` is registered and `id` is logged in to its
    /// founder's or one of its operator accounts.
    pub(crate) fn is_operator_account(&self, channel: &Channel, id: ClientId) -> bool {
        let Some(founder) = &channel.founder else {
            return false;
        };
        self.clients
            .get(&id)
            .and_then(|client| client.account.as_deref())
            .is_some_and(|(_, folded)| {
                *folded == founder.account || channel.operators.contains(folded)
            })
    }

    /// `id` just became (or stopped being) an operator of `folded`: in a
    /// registered channel its account, if any, is (or is no longer) one of
    /// the channel's operators.
    pub(crate) fn note_operator(&mut self, folded: &str, id: ClientId, op: bool) {
        let Some((_, account)) = self
            .clients
            .get(&id)
            .and_then(|c| c.account.as_deref().cloned())
        else {
            return;
        };
        if let Some(channel) = self.channels.get_mut(folded)
            && channel.founder.is_some()
        {
            if op {
                channel.operators.insert(account);
            } else {
                channel.operators.remove(&account);
            }
        }
    }

    /// `id` logged in: every channel it is operator of now names its account.
    pub(crate) fn remember_operator_login(&mut self, id: ClientId) {
        let channels: Vec<Folded> = self
            .clients
            .get(&id)
            .map(|c| c.channels.iter().cloned().collect())
            .unwrap_or_default();
        for folded in channels {
            if self.channels.get(&folded).is_some_and(|c| c.is_op(id)) {
                self.note_operator(&folded, id, true);
                self.remember_channel(&folded);
            }
        }
    }

    /// The account `folded_account` was dropped: it operates no channel any
    /// more, live or remembered, and the channels it founded are no longer
    /// registered (whoever registers the name later must not inherit them).
    pub fn forget_operator_account(&mut self, folded_account: &str) {
        let mut changed = Vec::new();
        for (folded, channel) in &mut self.channels {
            let founded = channel
                .founder
                .as_ref()
                .is_some_and(|founder| founder.account == folded_account);
            if founded {
                channel.founder = None;
                channel.operators.clear();
            }
            if channel.operators.remove(folded_account) || founded {
                changed.push(folded.clone());
            }
        }
        if let Some(states) = self.channel_states() {
            let vanished =
                states.forget_operator(folded_account, |folded| self.channels.contains_key(folded));
            for (folded, record) in vanished {
                self.vanish(&folded, &record);
            }
        }
        for folded in changed {
            self.remember_channel(&folded);
        }
    }

    /// The cluster's registration of `folded` (`None`: not registered),
    /// made, changed or dropped on another node, becomes this node's: in
    /// its stored record and, if the channel is live here, in its founder
    /// and operator accounts (its modes and topic follow the cluster's
    /// channel record). Not sent back to the cluster.
    pub fn adopt_registration(&mut self, folded: &str, record: Option<ChannelRecord>) {
        let Some(states) = self.channel_states().cloned() else {
            return;
        };
        if let Some(channel) = self.channels.get_mut(folded) {
            let (founder, operators) = record
                .map(|record| (record.founder, record.operators))
                .unwrap_or_default();
            channel.founder = founder;
            channel.operators = operators;
            states.adopt(folded, Some(record_of(channel)));
            return;
        }
        match record {
            Some(record) => states.adopt(folded, Some(record)),
            None => {
                if let Some(old) = states.get(folded) {
                    states.adopt(folded, None);
                    if old.guards_history()
                        && let Some(history) = &self.history
                    {
                        history.forget_channel_history(folded);
                    }
                }
            }
        }
    }

    /// Tells every member of `folded` that `id` got `+o` by account on joining.
    pub(crate) fn announce_operator_by_account(&mut self, folded: &Folded, id: ClientId) {
        let (Some(channel), Some(client)) = (self.channels.get(folded), self.clients.get(&id))
        else {
            return;
        };
        let event = Event::Mode {
            source: Arc::new(Source {
                nick: CHANSERV.to_string(),
                user: CHANSERV.to_string(),
                host: "services.".to_string(),
                account: None,
                realname: CHANSERV.to_string(),
                prefix_word: Default::default(),
            }),
            target: channel.name.clone(),
            changes: "+o".to_string(),
            args: vec![client.nick.clone()],
        };
        let members: Vec<ClientId> = channel.members.keys().copied().collect();
        self.deliver_to(Scope::Channel(folded.clone()), event, members.into_iter());
    }

    fn channel_states(&self) -> Option<&crate::channels::ChannelStates> {
        self.history
            .as_ref()
            .map(|history| history.channel_states())
    }
}

fn millis(time: DateTime<Utc>) -> i64 {
    time.timestamp_millis()
}

fn time(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// What is remembered of a live channel.
pub(super) fn record_of(channel: &Channel) -> ChannelRecord {
    let modes = &channel.modes;
    let flags = [
        (modes.invite_only, 'i'),
        (modes.moderated, 'm'),
        (modes.no_external, 'n'),
        (modes.secret, 's'),
        (modes.topic_lock, 't'),
    ]
    .into_iter()
    .filter_map(|(on, letter)| on.then_some(letter))
    .collect();
    ChannelRecord {
        name: channel.name.clone(),
        created_ms: millis(channel.created),
        flags,
        key: modes.key.clone(),
        limit: modes.limit,
        topic: channel.topic.as_ref().map(|topic| RecordedTopic {
            text: topic.text.clone(),
            set_by: topic.set_by.clone(),
            set_at_ms: millis(topic.set_at),
        }),
        bans: channel
            .bans
            .iter()
            .map(|ban| RecordedBan {
                mask: ban.mask.clone(),
                set_by: ban.set_by.clone(),
                set_at_ms: millis(ban.set_at),
            })
            .collect(),
        operators: channel.operators.clone(),
        founder: channel.founder.clone(),
    }
}

/// An empty channel with a remembered record's protections.
fn channel_of(record: ChannelRecord) -> Channel {
    let mut channel = Channel::new(record.name.clone(), time(record.created_ms));
    channel.modes = ChannelModes {
        no_external: record.has_flag('n'),
        topic_lock: record.has_flag('t'),
        secret: record.has_flag('s'),
        invite_only: record.has_flag('i'),
        moderated: record.has_flag('m'),
        key: record.key,
        limit: record.limit,
    };
    channel.topic = record.topic.map(|topic| Topic {
        text: topic.text,
        set_by: topic.set_by,
        set_at: time(topic.set_at_ms),
    });
    channel.bans = record
        .bans
        .into_iter()
        .map(|ban| Ban {
            mask: ban.mask,
            set_by: ban.set_by,
            set_at: time(ban.set_at_ms),
        })
        .collect();
    channel.operators = record.operators;
    channel.founder = record.founder;
    channel
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_channel_comes_back_as_it_was_remembered() {
        let mut channel = Channel::new("#Secret".into(), time(1_700_000_000_000));
        channel.modes.invite_only = true;
        channel.modes.secret = true;
        channel.modes.no_external = false;
        channel.modes.key = Some("sesame".into());
        channel.modes.limit = Some(4);
        channel.topic = Some(Topic {
            text: "plans".into(),
            set_by: "alice!a@h".into(),
            set_at: time(1_700_000_001_000),
        });
        channel.bans.push(Ban {
            mask: "mallory!*@*".into(),
            set_by: "alice!a@h".into(),
            set_at: time(1_700_000_002_000),
        });
        channel.operators.insert("alice".into());
        channel.founder = Some(crate::channels::Founder {
            account: "alice".into(),
            name: "Alice".into(),
            registered_ms: 1_700_000_003_000,
        });
        let record = record_of(&channel);
        assert_eq!(record.flags, "ist");
        let back = channel_of(record);
        assert_eq!(back.name, channel.name);
        assert_eq!(back.created, channel.created);
        assert_eq!(back.modes, channel.modes);
        assert_eq!(back.topic, channel.topic);
        assert_eq!(back.bans, channel.bans);
        assert_eq!(back.operators, channel.operators);
        assert_eq!(back.founder, channel.founder);
        assert!(back.members.is_empty());
    }

    #[test]
    fn a_new_channel_has_nothing_to_remember() {
        let channel = Channel::new("#a".into(), Utc::now());
        assert!(record_of(&channel).is_plain());
    }
}
