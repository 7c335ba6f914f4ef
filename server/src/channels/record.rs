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
    }

    /// Whether the channel is registered: some operator was logged in to an
    /// account. Only registered channels keep their state once empty; an
    /// unregistered one vanishes, as on ergo, so nobody can lock a channel
    /// name by setting `+i` or `+k` and leaving.
    pub fn is_registered(&self) -> bool {
        !self.operators.is_empty()
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
            ..plain
        };
        assert!(!owned.is_plain());
        assert!(owned.is_registered() && !owned.guards_history());
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
}
