//! Who is on the other nodes: the remote half of every member list.
//!
//! Plain data, no I/O. It is fed the envelopes other nodes publish (joins,
//! parts, kicks, quits, nick changes, away, and [`Event::Roster`](super::wire::Event::Roster) snapshots
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
//!
//! - `events`: what each event and node death changes ([`Roster::apply`]).
//! - `snapshot`: a node's full member list, in chunks, applied at once.
//! - `kicked`: kicked members kept out of snapshots their node composed
//!   before it applied the kick.

mod events;
mod kicked;
mod snapshot;
#[cfg(test)]
mod tests;

use super::NodeId;
use super::wire::{RosterMember, Source};
use natter_protocol::Casemapping;
use std::collections::{BTreeMap, BTreeSet};

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
    /// Kicks not yet confirmed by the victim's node.
    kicked: kicked::Kicked,
}

impl Roster {
    /// An empty roster comparing names with `casemapping`.
    pub fn new(casemapping: Casemapping) -> Roster {
        Roster {
            casemapping,
            users: BTreeMap::new(),
            channels: BTreeMap::new(),
            pending: BTreeMap::new(),
            kicked: kicked::Kicked::default(),
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

    /// Every remote user sharing a channel with this node.
    pub fn users(&self) -> impl Iterator<Item = &RemoteUser> {
        self.users.values()
    }
}
