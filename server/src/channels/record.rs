//! What natterd remembers of a channel between its lives: the protections
//! that decide who may join and read its history, and its topic.

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// A channel's stored state, as it is written to `channel_state.state` (JSON).
/// Plain data: the hub converts its live channel to and from it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelRecord {
    /// The name as first created (display form).
    pub name: String,
    /// When the channel was first created, in Unix milliseconds.
    pub created_ms: i64,
    /// The set flag modes, a subset of `imnst` in that order.
    pub flags: String,
    /// The `+k` key.
    #[serde(default)]
    pub key: Option<String>,
    /// The `+l` limit.
    #[serde(default)]
    pub limit: Option<usize>,
    /// The topic.
    #[serde(default)]
    pub topic: Option<RecordedTopic>,
    /// The ban list, in the order set.
    #[serde(default)]
    pub bans: Vec<RecordedBan>,
    /// The operators' accounts (case-folded): they get `+o` when they join
    /// and pass the key, invitation, limit and bans.
    #[serde(default)]
    pub operators: BTreeSet<String>,
    /// Who registered the channel (`ChanServ REGISTER`); `None`: unregistered.
    #[serde(default)]
    pub founder: Option<Founder>,
}

/// The account that registered a channel: it gets `+o` on every join and
/// alone may drop the registration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Founder {
    /// The account, case-folded (the key compared with a client's account).
    pub account: String,
    /// The account's name as registered (for display).
    pub name: String,
    /// When the channel was registered, in Unix milliseconds.
    pub registered_ms: i64,
}

/// A stored topic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedTopic {
    /// The text.
    pub text: String,
    /// `nick!user@host` of the setter.
    pub set_by: String,
    /// When, in Unix milliseconds.
    pub set_at_ms: i64,
}

/// A stored ban.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedBan {
    /// The mask.
    pub mask: String,
    /// Who set it.
    pub set_by: String,
    /// When, in Unix milliseconds.
    pub set_at_ms: i64,
}

/// The flags of a newly created channel (`+nt`): a record with these and
/// nothing else has nothing to protect.
pub const NEW_CHANNEL_FLAGS: &str = "nt";

impl ChannelRecord {
    /// Whether there is nothing worth remembering: the modes of a new channel,
    /// no key, limit, topic, bans or operator accounts. Such a channel is
    /// forgotten when it empties, and its next joiner becomes operator.
    pub fn is_plain(&self) -> bool {
        self.flags == NEW_CHANNEL_FLAGS
            && self.key.is_none()
            && self.limit.is_none()
            && self.topic.is_none()
            && self.bans.is_empty()
            && self.operators.is_empty()
            && self.founder.is_none()
    }

    /// Whether the channel is registered (it has a founder, see `ChanServ
    /// REGISTER`). Only registered channels keep their state once empty; an
    /// unregistered one vanishes, as on ergo, so nobody can lock a channel
    /// name by setting `+i` or `+k` and leaving.
    pub fn is_registered(&self) -> bool {
        self.founder.is_some()
    }

    /// Brings a record stored before explicit registration up to date.
    /// Until then a channel was registered by having operator accounts, and
    /// only registered channels stored any (so a founder-less record with
    /// operators is one of those): it stays registered, founded by its
    /// first operator account (`name_of` gives the account's display name),
    /// registered when the channel was created. Returns whether it changed.
    pub fn upgrade_legacy(&mut self, name_of: impl Fn(&str) -> Option<String>) -> bool {
        if self.founder.is_some() {
            return false;
        }
        let Some(first) = self.operators.first().cloned() else {
            return false;
        };
        self.founder = Some(Founder {
            name: name_of(&first).unwrap_or_else(|| first.clone()),
            account: first,
            registered_ms: self.created_ms,
        });
        true
    }

    /// Whether the account `folded` founded the channel.
    pub fn is_founder(&self, folded: &str) -> bool {
        self.founder.as_ref().is_some_and(|f| f.account == folded)
    }

    /// Whether the channel keeps anyone out of its history: `+i`, `+k`,
    /// `+l`, `+s` or bans. When such a channel vanishes (unregistered and
    /// empty) its stored history goes with it: nothing is left to decide who
    /// may read it, and the next person to create the name must not.
    pub fn guards_history(&self) -> bool {
        self.has_flag('i')
            || self.has_flag('s')
            || self.key.is_some()
            || self.limit.is_some()
            || !self.bans.is_empty()
    }

    /// Whether flag `letter` is set.
    pub fn has_flag(&self, letter: char) -> bool {
        self.flags.contains(letter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_channel_is_plain_and_any_protection_is_not() {
        let plain = ChannelRecord {
            name: "#a".into(),
            flags: NEW_CHANNEL_FLAGS.into(),
            ..ChannelRecord::default()
        };
        assert!(plain.is_plain());
        let keyed = ChannelRecord {
            key: Some("k".into()),
            ..plain.clone()
        };
        assert!(!keyed.is_plain());
        let open = ChannelRecord {
            flags: "t".into(),
            ..plain.clone()
        };
        assert!(!open.is_plain(), "-n is a choice worth keeping");
        let owned = ChannelRecord {
            operators: BTreeSet::from(["alice".to_string()]),
            founder: Some(Founder {
                account: "alice".into(),
                name: "Alice".into(),
                registered_ms: 1,
            }),
            ..plain
        };
        assert!(!owned.is_plain());
        assert!(owned.is_registered() && !owned.guards_history());
        assert!(owned.is_founder("alice") && !owned.is_founder("bob"));
    }

    #[test]
    fn only_modes_that_keep_people_out_guard_history() {
        let open = ChannelRecord {
            name: "#a".into(),
            flags: "mt".into(),
            topic: Some(RecordedTopic {
                text: "t".into(),
                set_by: "a!b@c".into(),
                set_at_ms: 1,
            }),
            ..ChannelRecord::default()
        };
        assert!(!open.guards_history() && !open.is_registered());
        for guarded in [
            ChannelRecord {
                flags: "int".into(),
                ..open.clone()
            },
            ChannelRecord {
                flags: "nst".into(),
                ..open.clone()
            },
            ChannelRecord {
                key: Some("k".into()),
                ..open.clone()
            },
            ChannelRecord {
                limit: Some(2),
                ..open.clone()
            },
            ChannelRecord {
                bans: vec![RecordedBan {
                    mask: "m!*@*".into(),
                    set_by: "a!b@c".into(),
                    set_at_ms: 1,
                }],
                ..open.clone()
            },
        ] {
            assert!(guarded.guards_history(), "{guarded:?}");
        }
    }

    #[test]
    fn records_round_trip_through_json_and_old_rows_fill_defaults() {
        let record = ChannelRecord {
            name: "#Café".into(),
            created_ms: 5,
            flags: "inst".into(),
            key: Some("sésame".into()),
            limit: Some(3),
            topic: Some(RecordedTopic {
                text: "t".into(),
                set_by: "a!b@c".into(),
                set_at_ms: 7,
            }),
            bans: vec![RecordedBan {
                mask: "m!*@*".into(),
                set_by: "a!b@c".into(),
                set_at_ms: 8,
            }],
            operators: BTreeSet::from(["alice".to_string()]),
            founder: Some(Founder {
                account: "alice".into(),
                name: "Alice".into(),
                registered_ms: 6,
            }),
        };
        let json = serde_json::to_string(&record).unwrap_or_default();
        let back: ChannelRecord = serde_json::from_str(&json).unwrap_or_default();
        assert_eq!(back, record);
        let minimal: ChannelRecord =
            serde_json::from_str(r##"{"name":"#a","created_ms":1,"flags":"nt"}"##)
                .unwrap_or_default();
        assert!(minimal.is_plain());
        assert_eq!(minimal.name, "#a");
    }

    #[test]
    fn a_record_from_before_explicit_registration_stays_registered_to_its_first_operator() {
        let mut legacy: ChannelRecord = serde_json::from_str(
            r##"{"name":"#a","created_ms":9,"flags":"int","operators":["bob","alice"]}"##,
        )
        .unwrap_or_default();
        assert!(!legacy.is_registered());
        let name_of = |folded: &str| (folded == "alice").then(|| "Alice".to_string());
        assert!(legacy.upgrade_legacy(name_of));
        assert_eq!(
            legacy.founder,
            Some(Founder {
                account: "alice".into(),
                name: "Alice".into(),
                registered_ms: 9,
            })
        );
        assert!(!legacy.upgrade_legacy(name_of), "done once");
        let mut unregistered = ChannelRecord {
            name: "#b".into(),
            flags: "int".into(),
            ..ChannelRecord::default()
        };
        assert!(!unregistered.upgrade_legacy(name_of));
        assert!(!unregistered.is_registered());
    }
}
