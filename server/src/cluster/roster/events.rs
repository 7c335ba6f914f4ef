//! What another node's events and a node's death change in the roster.

use super::{RemoteUser, Roster, Seen};
use crate::cluster::NodeId;
use crate::cluster::wire::{Envelope, Event, RosterMember};
use std::collections::BTreeSet;

impl Roster {
    /// Applies an envelope from another node; returns what changed.
    /// Channel messages and whispers change nothing here.
    pub fn apply(&mut self, envelope: &Envelope) -> Vec<Seen> {
        let node = NodeId {
            name: envelope.node.clone(),
            incarnation: envelope.incarnation,
        };
        match &envelope.event {
            Event::Join { channel, member } => {
                let (folded_channel, key) = (self.fold(channel), self.fold(&member.member.nick));
                self.kicked.rejoined(&folded_channel, &key);
                self.join(&node, channel, member)
            }
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
        self.kicked.forget_channel(&folded_channel);
        for key in self.channels.remove(&folded_channel).unwrap_or_default() {
            if let Some(user) = self.users.get_mut(&key) {
                user.channels.remove(&folded_channel);
                if user.channels.is_empty() {
                    self.users.remove(&key);
                }
            }
        }
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

    pub(super) fn join(
        &mut self,
        node: &NodeId,
        channel: &str,
        member: &RosterMember,
    ) -> Vec<Seen> {
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
        self.remove_from(channel, nick)
    }

    /// Removes `nick` from `channel` (a part, a kick, or a snapshot that no
    /// longer lists them).
    pub(super) fn remove_from(&mut self, channel: &str, nick: &str) -> Vec<Seen> {
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
}
