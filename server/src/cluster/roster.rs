//! Who is on the other nodes: the remote half of every member list.
//!
//! Plain data, no I/O. It is fed the envelopes other nodes publish (joins,
//! parts, kicks, quits, nick changes, away, and [`Event::Roster`] snapshots
//! sent when asked or after a node comes back) and node deaths, and it
//! answers what NAMES, WHO, WHOIS and LUSERS need to merge with the local
//! hub's own members. [`Roster::apply`] returns what changed as [`Seen`]
//! facts, so the layer above can show remote users joining, leaving and
//! quitting exactly when the roster changes (a snapshot that adds someone is
//! a join, a dead node's users are quits).
//!
//! Users are keyed by folded nick; each belongs to exactly one node run
//! ([`NodeId`]), so a dead run's users are removed all at once and a
//! restarted node's announcements never mix with its dead run's.

use super::NodeId;
use super::wire::{Envelope, Event, RosterMember, Source};
use natter_protocol::Casemapping;
use std::collections::{BTreeMap, BTreeSet};

/// Most members one node's unfinished roster of one channel may hold; a
/// node that keeps sending chunks without the complete one loses them.
const MAX_PENDING_MEMBERS: usize = 65_536;

/// A user on another node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteUser {
    /// The run of the node they are on.
    pub node: NodeId,
    /// Who they are (nick, user, host, account, realname, away).
    pub member: RosterMember,
    /// The folded channels they are in.
    pub channels: BTreeSet<String>,
}

/// A change in who is on other nodes, for the layer that tells local users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    /// `nick` is now in `channel`.
    Joined {
        /// The folded channel.
        channel: String,
        /// Who.
        member: RosterMember,
    },
    /// Someone left `channel` (part, kick, or no longer in a node's snapshot).
    Left {
        /// The folded channel.
        channel: String,
        /// Who.
        who: Source,
    },
    /// Someone is gone from every channel (quit, or their node died).
    Quit {
        /// Who.
        who: Source,
        /// The channels they were in (folded).
        channels: BTreeSet<String>,
    },
    /// Someone is now called `new`.
    Renamed {
        /// Who, with the nick before.
        who: Source,
        /// The nick after.
        new: String,
    },
}

/// Every user on other nodes that shares a channel with this node.
#[derive(Debug, Clone)]
pub struct Roster {
    casemapping: Casemapping,
    /// Folded nick -> user.
    users: BTreeMap<String, RemoteUser>,
    /// Folded channel -> folded nicks of remote members.
    channels: BTreeMap<String, BTreeSet<String>>,
    /// Roster chunks received before the complete one, per (node run, folded channel).
    pending: BTreeMap<(String, u64, String), Vec<RosterMember>>,
}

impl Roster {
    /// An empty roster comparing names with `casemapping`.
    pub fn new(casemapping: Casemapping) -> Roster {
        Roster {
            casemapping,
            users: BTreeMap::new(),
            channels: BTreeMap::new(),
            pending: BTreeMap::new(),
        }
    }

    fn fold(&self, name: &str) -> String {
        self.casemapping.fold(name)
    }

    /// The remote members of `channel`, sorted by folded nick.
    pub fn members(&self, channel: &str) -> Vec<&RemoteUser> {
        self.channels
            .get(&self.fold(channel))
            .into_iter()
            .flatten()
            .filter_map(|nick| self.users.get(nick))
            .collect()
    }

    /// The remote user called `nick`, if any (WHOIS).
    pub fn user(&self, nick: &str) -> Option<&RemoteUser> {
        self.users.get(&self.fold(nick))
    }

    /// How many remote users there are (LUSERS).
    pub fn len(&self) -> usize {
        self.users.len()
    }

    /// Whether nobody is known on other nodes.
    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }

    /// Applies an envelope from another node; returns what changed.
    /// Channel messages and whispers change nothing here.
    pub fn apply(&mut self, envelope: &Envelope) -> Vec<Seen> {
        let node = NodeId {
            name: envelope.node.clone(),
            incarnation: envelope.incarnation,
        };
        match &envelope.event {
            Event::Join { channel, member } => self.join(&node, channel, member),
            Event::Part { channel, from, .. } => self.leave(&node, channel, &from.nick),
            Event::Kick { channel, nick, .. } => self.kick(channel, nick),
            Event::Quit { from, .. } => self.quit(&node, &from.nick),
            Event::Nick { from, new } => self.rename(&node, &from.nick, new),
            Event::Away { from, message } => {
                let key = self.fold(&from.nick);
                if let Some(user) = self.users.get_mut(&key)
                    && user.node == node
                {
                    user.member.away = message.clone();
                }
                Vec::new()
            }
            Event::Account { from, account } => {
                let key = self.fold(&from.nick);
                if let Some(user) = self.users.get_mut(&key)
                    && user.node == node
                {
                    user.member.member.account = account.clone();
                }
                Vec::new()
            }
            Event::Roster {
                channel,
                members,
                complete,
            } => self.roster_chunk(&node, channel, members, *complete),
            Event::Message { .. }
            | Event::Whisper { .. }
            | Event::Invite { .. }
            | Event::Topic { .. }
            | Event::Mode { .. }
            | Event::RosterRequest { .. } => Vec::new(),
            Event::Leaving => self.node_down(&node),
        }
    }

    /// Forgets `channel`'s remote members without reporting anything: this
    /// node has no member there any more, so it stops following the room.
    pub fn forget_channel(&mut self, channel: &str) {
        let folded_channel = self.fold(channel);
        self.pending
            .retain(|(_, _, pending_channel), _| *pending_channel != folded_channel);
        for key in self.channels.remove(&folded_channel).unwrap_or_default() {
            if let Some(user) = self.users.get_mut(&key) {
                user.channels.remove(&folded_channel);
                if user.channels.is_empty() {
                    self.users.remove(&key);
                }
            }
        }
    }

    /// Every remote user sharing a channel with this node.
    pub fn users(&self) -> impl Iterator<Item = &RemoteUser> {
        self.users.values()
    }

    /// Removes every user of `node` (it died or left); they quit.
    pub fn node_down(&mut self, node: &NodeId) -> Vec<Seen> {
        self.pending.retain(|(name, incarnation, _), _| {
            !(*name == node.name && *incarnation == node.incarnation)
        });
        let gone: Vec<String> = self
            .users
            .iter()
            .filter(|(_, user)| user.node == *node)
            .map(|(key, _)| key.clone())
            .collect();
        gone.into_iter()
            .filter_map(|key| self.remove(&key))
            .collect()
    }

    fn join(&mut self, node: &NodeId, channel: &str, member: &RosterMember) -> Vec<Seen> {
        let key = self.fold(&member.member.nick);
        let folded_channel = self.fold(channel);
        let mut seen = Vec::new();
        if self.users.get(&key).is_some_and(|user| user.node != *node) {
            // Another run holds this nick now (the old one is dead): the old
            // run's user quits every channel.
            seen.extend(self.remove(&key));
        }
        let user = self.users.entry(key.clone()).or_insert_with(|| RemoteUser {
            node: node.clone(),
            member: member.clone(),
            channels: BTreeSet::new(),
        });
        user.member = member.clone();
        if !user.channels.insert(folded_channel.clone()) {
            return seen;
        }
        self.channels
            .entry(folded_channel.clone())
            .or_default()
            .insert(key);
        seen.push(Seen::Joined {
            channel: folded_channel,
            member: member.clone(),
        });
        seen
    }

    fn leave(&mut self, node: &NodeId, channel: &str, nick: &str) -> Vec<Seen> {
        let key = self.fold(nick);
        if self.users.get(&key).is_none_or(|user| user.node != *node) {
            return Vec::new();
        }
        self.kick(channel, nick)
    }

    /// Removes `nick` from `channel` whoever says so (a kick may come from
    /// any node).
    pub(crate) fn kick(&mut self, channel: &str, nick: &str) -> Vec<Seen> {
        let key = self.fold(nick);
        let folded_channel = self.fold(channel);
        let Some(user) = self.users.get_mut(&key) else {
            return Vec::new();
        };
        if !user.channels.remove(&folded_channel) {
            return Vec::new();
        }
        let who = user.member.member.clone();
        let now_alone = user.channels.is_empty();
        if let Some(members) = self.channels.get_mut(&folded_channel) {
            members.remove(&key);
            if members.is_empty() {
                self.channels.remove(&folded_channel);
            }
        }
        if now_alone {
            // Shares no channel with us any more: not ours to track.
            self.users.remove(&key);
        }
        vec![Seen::Left {
            channel: folded_channel,
            who,
        }]
    }

    fn quit(&mut self, node: &NodeId, nick: &str) -> Vec<Seen> {
        let key = self.fold(nick);
        if self.users.get(&key).is_none_or(|user| user.node != *node) {
            return Vec::new();
        }
        self.remove(&key).into_iter().collect()
    }

    fn remove(&mut self, key: &str) -> Option<Seen> {
        let user = self.users.remove(key)?;
        for channel in &user.channels {
            if let Some(members) = self.channels.get_mut(channel) {
                members.remove(key);
                if members.is_empty() {
                    self.channels.remove(channel);
                }
            }
        }
        Some(Seen::Quit {
            who: user.member.member,
            channels: user.channels,
        })
    }

    fn rename(&mut self, node: &NodeId, old: &str, new: &str) -> Vec<Seen> {
        let old_key = self.fold(old);
        let new_key = self.fold(new);
        if self
            .users
            .get(&old_key)
            .is_none_or(|user| user.node != *node)
        {
            return Vec::new();
        }
        let Some(mut user) = self.users.remove(&old_key) else {
            return Vec::new();
        };
        let who = user.member.member.clone();
        user.member.member.nick = new.to_string();
        for channel in &user.channels {
            if let Some(members) = self.channels.get_mut(channel) {
                members.remove(&old_key);
                members.insert(new_key.clone());
            }
        }
        self.users.insert(new_key, user);
        vec![Seen::Renamed {
            who,
            new: new.to_string(),
        }]
    }

    /// One chunk of `node`'s roster of `channel`: kept until the complete
    /// one, then the whole list is applied as a snapshot.
    fn roster_chunk(
        &mut self,
        node: &NodeId,
        channel: &str,
        members: &[RosterMember],
        complete: bool,
    ) -> Vec<Seen> {
        let key = (node.name.clone(), node.incarnation, self.fold(channel));
        let mut all = self.pending.remove(&key).unwrap_or_default();
        all.extend(members.iter().cloned());
        if complete {
            self.snapshot(node, channel, &all)
        } else if all.len() > MAX_PENDING_MEMBERS {
            crate::warn_throttled!(node = %node, channel, "cluster: a roster never completed; dropped it");
            Vec::new()
        } else {
            self.pending.insert(key, all);
            Vec::new()
        }
    }

    /// `node`'s complete list of members of `channel`: who is new joined,
    /// who is missing left.
    fn snapshot(&mut self, node: &NodeId, channel: &str, members: &[RosterMember]) -> Vec<Seen> {
        let folded_channel = self.fold(channel);
        let listed: BTreeSet<String> = members
            .iter()
            .map(|member| self.fold(&member.member.nick))
            .collect();
        let missing: Vec<String> = self
            .channels
            .get(&folded_channel)
            .into_iter()
            .flatten()
            .filter(|key| {
                !listed.contains(*key)
                    && self.users.get(*key).is_some_and(|user| user.node == *node)
            })
            .filter_map(|key| {
                self.users
                    .get(key)
                    .map(|user| user.member.member.nick.clone())
            })
            .collect();
        let mut seen = Vec::new();
        for nick in missing {
            seen.extend(self.kick(channel, &nick));
        }
        for member in members {
            seen.extend(self.join(node, channel, member));
        }
        seen
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::wire::Source;

    fn node(name: &str, incarnation: u64) -> NodeId {
        NodeId {
            name: name.into(),
            incarnation,
        }
    }

    fn source(nick: &str) -> Source {
        Source {
            nick: nick.into(),
            user: nick.into(),
            host: "h".into(),
            account: None,
        }
    }

    fn member(nick: &str) -> RosterMember {
        RosterMember {
            member: source(nick),
            realname: format!("{nick} real"),
            away: None,
        }
    }

    fn from(node: &NodeId, event: Event) -> Envelope {
        Envelope::new(&node.name, node.incarnation, event)
    }

    fn join(node: &NodeId, channel: &str, nick: &str) -> Envelope {
        from(
            node,
            Event::Join {
                channel: channel.into(),
                member: member(nick),
            },
        )
    }

    fn nicks(roster: &Roster, channel: &str) -> Vec<String> {
        roster
            .members(channel)
            .iter()
            .map(|user| user.member.member.nick.clone())
            .collect()
    }

    #[test]
    fn joins_parts_and_names_merge_by_folded_name() {
        let b = node("b", 1);
        let mut roster = Roster::new(Casemapping::Rfc8265);
        assert_eq!(
            roster.apply(&join(&b, "#Lobby", "Bob")),
            [Seen::Joined {
                channel: "#lobby".into(),
                member: member("Bob")
            }]
        );
        assert!(
            roster.apply(&join(&b, "#lobby", "Bob")).is_empty(),
            "no double join"
        );
        roster.apply(&join(&b, "#lobby", "Zoë"));
        roster.apply(&join(&b, "#dev", "Bob"));
        assert_eq!(nicks(&roster, "#LOBBY"), ["Bob", "Zoë"]);
        assert_eq!(roster.user("ZOË").unwrap().member.realname, "Zoë real");
        assert_eq!(roster.len(), 2);
        let part = from(
            &b,
            Event::Part {
                channel: "#lobby".into(),
                from: source("Bob"),
                reason: None,
            },
        );
        assert_eq!(
            roster.apply(&part),
            [Seen::Left {
                channel: "#lobby".into(),
                who: source("Bob")
            }]
        );
        assert_eq!(nicks(&roster, "#lobby"), ["Zoë"]);
        assert_eq!(nicks(&roster, "#dev"), ["Bob"]);
    }

    #[test]
    fn quits_renames_and_a_dead_node_take_users_away() {
        let b = node("b", 1);
        let c = node("c", 1);
        let mut roster = Roster::new(Casemapping::Rfc8265);
        roster.apply(&join(&b, "#lobby", "bob"));
        roster.apply(&join(&b, "#dev", "bob"));
        roster.apply(&join(&c, "#lobby", "cat"));
        let rename = from(
            &b,
            Event::Nick {
                from: source("bob"),
                new: "Robert".into(),
            },
        );
        assert_eq!(
            roster.apply(&rename),
            [Seen::Renamed {
                who: source("bob"),
                new: "Robert".into()
            }]
        );
        assert_eq!(nicks(&roster, "#lobby"), ["cat", "Robert"]);
        // Someone else's node cannot make Robert quit.
        let forged = from(
            &c,
            Event::Quit {
                from: source("robert"),
                reason: "x".into(),
            },
        );
        assert!(roster.apply(&forged).is_empty());
        assert_eq!(
            roster.node_down(&b),
            [Seen::Quit {
                who: Source {
                    nick: "Robert".into(),
                    ..source("bob")
                },
                channels: ["#dev".to_string(), "#lobby".to_string()].into()
            }]
        );
        assert_eq!(nicks(&roster, "#lobby"), ["cat"]);
        assert!(roster.members("#dev").is_empty());
        let quit = from(
            &c,
            Event::Quit {
                from: source("cat"),
                reason: "bye".into(),
            },
        );
        assert_eq!(roster.apply(&quit).len(), 1);
        assert!(roster.is_empty());
    }

    #[test]
    fn a_snapshot_adds_the_new_and_removes_the_missing_of_that_node_only() {
        let b = node("b", 1);
        let c = node("c", 1);
        let mut roster = Roster::new(Casemapping::Rfc8265);
        roster.apply(&join(&b, "#lobby", "bob"));
        roster.apply(&join(&b, "#lobby", "ben"));
        roster.apply(&join(&c, "#lobby", "cat"));
        let snapshot = from(
            &b,
            Event::Roster {
                channel: "#lobby".into(),
                members: vec![member("bob")],
                complete: false,
            },
        );
        assert!(
            roster.apply(&snapshot).is_empty(),
            "a partial roster changes nothing"
        );
        let snapshot = from(
            &b,
            Event::Roster {
                channel: "#lobby".into(),
                members: vec![member("bea")],
                complete: true,
            },
        );
        assert_eq!(
            roster.apply(&snapshot),
            [
                Seen::Left {
                    channel: "#lobby".into(),
                    who: source("ben")
                },
                Seen::Joined {
                    channel: "#lobby".into(),
                    member: member("bea")
                },
            ]
        );
        assert_eq!(nicks(&roster, "#lobby"), ["bea", "bob", "cat"]);
    }

    #[test]
    fn a_restarted_node_replaces_its_dead_run() {
        let old = node("b", 1);
        let new = node("b", 2);
        let mut roster = Roster::new(Casemapping::Rfc8265);
        roster.apply(&join(&old, "#lobby", "bob"));
        assert_eq!(
            roster.apply(&join(&new, "#dev", "bob")),
            [
                Seen::Quit {
                    who: source("bob"),
                    channels: ["#lobby".to_string()].into()
                },
                Seen::Joined {
                    channel: "#dev".into(),
                    member: member("bob")
                },
            ]
        );
        let user = roster.user("bob").unwrap();
        assert_eq!(user.node, new);
        assert_eq!(user.channels, ["#dev".to_string()].into());
        assert!(roster.members("#lobby").is_empty());
        // The dead run going down later takes nothing of the new one's.
        assert!(roster.node_down(&old).is_empty());
        assert_eq!(nicks(&roster, "#dev"), ["bob"]);
        assert_eq!(roster.apply(&from(&new, Event::Leaving)).len(), 1);
        assert!(roster.is_empty());
    }
}
