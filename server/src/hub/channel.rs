//! A channel: its members with their privileges, modes, topic, bans and invites.

use super::client::ClientId;
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::{Mutex, MutexGuard};

/// A member's privileges in one channel.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Membership {
    /// Channel operator (`@`, mode +o).
    pub op: bool,
    /// Voiced (`+`, mode +v).
    pub voice: bool,
}

impl Membership {
    /// The prefixes to show, highest first: all of them (`multi-prefix`) or only the highest.
    pub fn prefixes(self, all: bool) -> &'static str {
        match (self.op, self.voice, all) {
            (true, true, true) => "@+",
            (true, _, _) => "@",
            (false, true, _) => "+",
            (false, false, _) => "",
        }
    }
}

/// The channel's boolean and parameter modes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChannelModes {
    /// +n: only members may send to the channel.
    pub no_external: bool,
    /// +t: only operators may set the topic.
    pub topic_lock: bool,
    /// +s: hidden from LIST and WHOIS of non-members.
    pub secret: bool,
    /// +i: joining needs an invitation.
    pub invite_only: bool,
    /// +m: only voiced members and operators may speak.
    pub moderated: bool,
    /// +k: the key needed to join.
    pub key: Option<String>,
    /// +l: the most members allowed.
    pub limit: Option<usize>,
}

impl ChannelModes {
    /// Modes of a newly created channel: +nt, as most servers do.
    pub fn new_channel() -> ChannelModes {
        ChannelModes {
            no_external: true,
            topic_lock: true,
            ..ChannelModes::default()
        }
    }

    /// The mode string and its arguments for RPL_CHANNELMODEIS; the key is shown only to members.
    pub fn describe(&self, show_key: bool) -> (String, Vec<String>) {
        let mut flags = String::from("+");
        let mut args = Vec::new();
        for (on, letter) in [
            (self.invite_only, 'i'),
            (self.moderated, 'm'),
            (self.no_external, 'n'),
            (self.secret, 's'),
            (self.topic_lock, 't'),
        ] {
            if on {
                flags.push(letter);
            }
        }
        if let Some(key) = &self.key {
            flags.push('k');
            args.push(if show_key {
                key.clone()
            } else {
                "*".to_string()
            });
        }
        if let Some(limit) = self.limit {
            flags.push('l');
            args.push(limit.to_string());
        }
        (flags, args)
    }
}

/// A topic with who set it and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topic {
    /// The text.
    pub text: String,
    /// `nick!user@host` of the setter.
    pub set_by: String,
    /// When.
    pub set_at: DateTime<Utc>,
}

/// A ban-list entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ban {
    /// A `nick!user@host` mask with `*` and `?` wildcards.
    pub mask: String,
    /// Who set it.
    pub set_by: String,
    /// When.
    pub set_at: DateTime<Utc>,
}

/// What a channel's messages change, behind the channel's own order lock:
/// holding it is what gives the channel one order of messages while other
/// channels' messages run on other cores (see [`crate::hub`]).
#[derive(Debug, Default)]
pub struct ChannelOrder {
    /// The msgid of the last message stored for this channel since it was
    /// created: where a joiner's backlog ends (later messages reach it live).
    pub last_message: Option<String>,
}

/// A channel.
#[derive(Debug)]
pub struct Channel {
    /// The name as first created (display form).
    pub name: String,
    /// When it was created (RPL_CREATIONTIME).
    pub created: DateTime<Utc>,
    /// Members by id; ids grow with time, so this is roughly connection order.
    pub members: BTreeMap<ClientId, Membership>,
    /// Current topic.
    pub topic: Option<Topic>,
    /// Modes.
    pub modes: ChannelModes,
    /// Ban list.
    pub bans: Vec<Ban>,
    /// Clients invited since the last time they joined.
    pub invited: HashSet<ClientId>,
    /// Privileges of members on other nodes (folded nick), as the cluster's
    /// shared record of the channel has them (see [`super::shared`]).
    pub remote_privileges: BTreeMap<String, Membership>,
    /// The accounts (case-folded) of its operators: remembered with its
    /// other protections, they get +o whenever they join.
    pub operators: BTreeSet<String>,
    /// Who registered it (`ChanServ REGISTER`): only a registered channel
    /// keeps its state once empty, and only its operator accounts get `+o`
    /// by account.
    pub founder: Option<crate::channels::Founder>,
    /// Taken by every message to the channel (under the shared hub lock).
    order: Mutex<ChannelOrder>,
}

impl Channel {
    /// A new, empty channel.
    pub fn new(name: String, created: DateTime<Utc>) -> Channel {
        Channel {
            name,
            created,
            members: BTreeMap::new(),
            topic: None,
            modes: ChannelModes::new_channel(),
            bans: Vec::new(),
            invited: HashSet::new(),
            remote_privileges: BTreeMap::new(),
            operators: BTreeSet::new(),
            founder: None,
            order: Mutex::new(ChannelOrder::default()),
        }
    }

    /// Takes the channel's order lock: messages to it happen one at a time.
    pub fn lock_order(&self) -> MutexGuard<'_, ChannelOrder> {
        // A panic in one delivery must not stop the channel.
        self.order
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The order state without locking: the caller holds the hub exclusively.
    pub fn order_mut(&mut self) -> &mut ChannelOrder {
        self.order
            .get_mut()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The member's privileges, if it is a member.
    pub fn membership(&self, id: ClientId) -> Option<Membership> {
        self.members.get(&id).copied()
    }

    /// Whether the client is a channel operator here.
    pub fn is_op(&self, id: ClientId) -> bool {
        self.membership(id).is_some_and(|m| m.op)
    }

    /// Whether `prefix` (`nick!user@host`, already case-folded) matches a ban.
    pub fn is_banned(&self, folded_prefix: &str, fold: impl Fn(&str) -> String) -> bool {
        self.bans
            .iter()
            .any(|ban| wildcard_match(&fold(&ban.mask), folded_prefix))
    }
}

pub use natter_protocol::wildcard_match;

/// Completes a partial ban mask the way users expect: `bob` -> `bob!*@*`, `*@host` -> `*!*@host`.
pub fn normalize_mask(mask: &str) -> String {
    match (mask.find('!'), mask.find('@')) {
        (Some(_), Some(_)) => mask.to_string(),
        (Some(_), None) => format!("{mask}@*"),
        (None, Some(_)) => format!("*!{mask}"),
        (None, None) => format!("{mask}!*@*"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_are_completed() {
        assert_eq!(normalize_mask("bob"), "bob!*@*");
        assert_eq!(normalize_mask("*@1.2.3.4"), "*!*@1.2.3.4");
        assert_eq!(normalize_mask("bob!u"), "bob!u@*");
        assert_eq!(normalize_mask("a!b@c"), "a!b@c");
    }

    #[test]
    fn mode_description_hides_the_key_from_outsiders() {
        let mut modes = ChannelModes::new_channel();
        modes.key = Some("sesame".into());
        modes.limit = Some(5);
        assert_eq!(
            modes.describe(true),
            ("+ntkl".to_string(), vec!["sesame".into(), "5".into()])
        );
        assert_eq!(modes.describe(false).1[0], "*");
    }
}
