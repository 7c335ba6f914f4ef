//! A channel's state as the whole cluster agrees on it (modes, key, limit,
//! topic, bans, privileges, invitations), brought into this node's copy.
//!
//! When clustered, the bus keeps one record per channel that every node
//! writes by compare-and-set and watches ([`super::bus::Directory::shared_channel`]).
//! The hub starts a channel it creates locally from that record (so a JOIN
//! here is checked against a key or ban set on another node, and the joiner
//! is not made operator of a channel that exists elsewhere), and replaces
//! its copy with each newer record, showing local members what changed as
//! MODE and TOPIC lines from whoever changed it. Nothing here is published
//! back to the bus. Without a cluster none of this runs.

use super::channel::{Ban, Channel, ChannelModes, Membership, Topic};
use super::client::{ClientId, Source};
use super::event::{Envelope, Event};
use super::fanout::Fanout;
use super::name::Folded;
use super::state::HubState;
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// The cluster's record of a channel, in the hub's terms.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SharedChannel {
    /// The name as first created.
    pub name: String,
    /// When it was created.
    pub created: DateTime<Utc>,
    /// Its modes.
    pub modes: ChannelModes,
    /// Its topic, if set.
    pub topic: Option<Topic>,
    /// Its bans, in the order set.
    pub bans: Vec<Ban>,
    /// Privileges by folded nick (members without any are absent).
    pub privileges: BTreeMap<String, Membership>,
    /// Folded nicks invited since they last joined.
    pub invited: BTreeSet<String>,
    /// `nick!user@host` of whoever made the latest change: the source of
    /// the MODE and TOPIC lines that show it.
    pub changed_by: String,
}

impl SharedChannel {
    /// A local channel started from the record, without members yet.
    pub(crate) fn to_channel(&self) -> Channel {
        let mut channel = Channel::new(self.name.clone(), self.created);
        channel.modes = self.modes.clone();
        channel.topic = self.topic.clone();
        channel.bans = self.bans.clone();
        channel.remote_privileges = self.privileges.clone();
        channel
    }
}

/// A `nick!user@host` as an event's source (a bare name stays a bare name).
pub(crate) fn source_of_prefix(prefix: &str) -> Arc<Source> {
    let (nick, rest) = prefix.split_once('!').unwrap_or((prefix, ""));
    let (user, host) = rest.split_once('@').unwrap_or((rest, ""));
    Arc::new(Source {
        nick: nick.to_string(),
        user: user.to_string(),
        host: host.to_string(),
        account: None,
        realname: String::new(),
        prefix_word: Default::default(),
    })
}

/// Builds one MODE line's changes and arguments.
#[derive(Default)]
struct ModeLine {
    changes: String,
    last_sign: Option<bool>,
    args: Vec<String>,
}

impl ModeLine {
    fn push(&mut self, adding: bool, letter: char, arg: Option<String>) {
        if self.last_sign != Some(adding) {
            self.changes.push(if adding { '+' } else { '-' });
            self.last_sign = Some(adding);
        }
        self.changes.push(letter);
        self.args.extend(arg);
    }

    fn flags(&mut self, old: &ChannelModes, new: &ChannelModes) {
        for (letter, before, after) in [
            ('i', old.invite_only, new.invite_only),
            ('m', old.moderated, new.moderated),
            ('n', old.no_external, new.no_external),
            ('s', old.secret, new.secret),
            ('t', old.topic_lock, new.topic_lock),
        ] {
            if before != after {
                self.push(after, letter, None);
            }
        }
        if old.key != new.key {
            match &new.key {
                Some(key) => self.push(true, 'k', Some(key.clone())),
                None => self.push(false, 'k', Some("*".to_string())),
            }
        }
        if old.limit != new.limit {
            match new.limit {
                Some(limit) => self.push(true, 'l', Some(limit.to_string())),
                None => self.push(false, 'l', None),
            }
        }
    }

    fn privileges(&mut self, nick: &str, old: Membership, new: Membership) {
        for (letter, before, after) in [('o', old.op, new.op), ('v', old.voice, new.voice)] {
            if before != after {
                self.push(after, letter, Some(nick.to_string()));
            }
        }
    }
}

impl HubState {
    /// The cluster's record of `folded`, if clustered and it exists.
    pub(crate) fn shared_channel(&self, folded: &str) -> Option<SharedChannel> {
        self.directory.as_ref()?.shared_channel(folded)
    }

    /// Makes this node's copy of `folded` what the cluster's record says,
    /// and shows its local members what that changed: one MODE line (from
    /// the record's last changer) and a TOPIC line if the text changed.
    /// Nothing happens when nobody here is in the channel.
    pub fn apply_shared(&mut self, folded: &Folded, shared: &SharedChannel) {
        let casemapping = self.settings.casemapping;
        let Some(channel) = self.channels.get(folded) else {
            return;
        };
        let mut line = ModeLine::default();
        line.flags(&channel.modes, &shared.modes);
        let fold_mask = |mask: &str| casemapping.fold(mask);
        let old_bans: BTreeSet<String> = channel.bans.iter().map(|b| fold_mask(&b.mask)).collect();
        let new_bans: BTreeSet<String> = shared.bans.iter().map(|b| fold_mask(&b.mask)).collect();
        for ban in &channel.bans {
            if !new_bans.contains(&fold_mask(&ban.mask)) {
                line.push(false, 'b', Some(ban.mask.clone()));
            }
        }
        for ban in &shared.bans {
            if !old_bans.contains(&fold_mask(&ban.mask)) {
                line.push(true, 'b', Some(ban.mask.clone()));
            }
        }
        // Local members: their privileges are the record's.
        let mut local = Vec::new();
        let mut local_nicks = BTreeSet::new();
        for (id, membership) in &channel.members {
            let Some(client) = self.clients.get(id) else {
                continue;
            };
            let nick = casemapping.fold(&client.nick);
            let new = shared.privileges.get(&nick).copied().unwrap_or_default();
            line.privileges(&client.nick, *membership, new);
            local.push((*id, new));
            local_nicks.insert(nick);
        }
        // Members on other nodes: shown by the nick their node gave.
        let remote: BTreeMap<String, Membership> = shared
            .privileges
            .iter()
            .filter(|(nick, _)| !local_nicks.contains(*nick))
            .map(|(nick, membership)| (nick.clone(), *membership))
            .collect();
        let remote_members = self
            .directory
            .as_ref()
            .map(|directory| directory.remote_members(folded))
            .unwrap_or_default();
        for member in &remote_members {
            let nick = casemapping.fold(&member.nick);
            let old = channel
                .remote_privileges
                .get(&nick)
                .copied()
                .unwrap_or_default();
            let new = remote.get(&nick).copied().unwrap_or_default();
            line.privileges(&member.nick, old, new);
        }
        let topic_changed =
            channel.topic.as_ref().map(|t| &t.text) != shared.topic.as_ref().map(|t| &t.text);
        let invited: Vec<ClientId> = shared
            .invited
            .iter()
            .filter_map(|nick| self.nicks.get(nick.as_str()).copied())
            .collect();
        let Some(channel) = self.channels.get_mut(folded) else {
            return;
        };
        channel.modes = shared.modes.clone();
        channel.bans = shared.bans.clone();
        channel.topic = shared.topic.clone();
        channel.remote_privileges = remote;
        channel.invited.extend(invited);
        for (id, membership) in local {
            channel.members.insert(id, membership);
        }
        let source = source_of_prefix(&shared.changed_by);
        let display = channel.name.clone();
        let members: Vec<ClientId> = channel.members.keys().copied().collect();
        let mut events = Vec::new();
        if !line.changes.is_empty() {
            events.push(Event::Mode {
                source: source.clone(),
                target: display.clone(),
                changes: line.changes,
                args: line.args,
            });
        }
        if topic_changed {
            let (source, text) = match &shared.topic {
                Some(topic) => (source_of_prefix(&topic.set_by), topic.text.clone()),
                None => (source, String::new()),
            };
            events.push(Event::Topic {
                source,
                channel: display,
                topic: text,
            });
        }
        let mut overflowed = Vec::new();
        for event in events {
            let mut fanout = Fanout::new(Envelope {
                event,
                time: Utc::now(),
            });
            self.push_all(&mut fanout, members.iter().copied(), &mut overflowed);
        }
        self.note_overflowed(overflowed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prefix_becomes_a_source_and_a_bare_name_stays_one() {
        let source = source_of_prefix("bob!~b@10.0.0.2");
        assert_eq!(
            (
                source.nick.as_str(),
                source.user.as_str(),
                source.host.as_str()
            ),
            ("bob", "~b", "10.0.0.2")
        );
        assert_eq!(source_of_prefix("natterd").nick, "natterd");
    }

    #[test]
    fn mode_lines_show_only_what_changed_with_signs_once() {
        let old = ChannelModes::new_channel();
        let mut new = old.clone();
        new.moderated = true;
        new.topic_lock = false;
        new.key = Some("sesame".into());
        let mut line = ModeLine::default();
        line.flags(&old, &new);
        line.privileges(
            "Bob",
            Membership::default(),
            Membership {
                op: true,
                voice: false,
            },
        );
        assert_eq!(line.changes, "+m-t+ko");
        assert_eq!(line.args, ["sesame", "Bob"]);
    }
}
