//! A channel record in the hub's terms, and the hub's copy as a record.

use crate::cluster::channels::{
    BanRecord, ChannelRecord, ModesRecord, PrivilegeRecord, TopicRecord,
};
use crate::hub::channel::{Ban, ChannelModes, Membership, Topic};
use crate::hub::shared::SharedChannel;
use crate::hub::state::HubState;
use chrono::{DateTime, Utc};

fn time(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

impl From<Membership> for PrivilegeRecord {
    fn from(membership: Membership) -> PrivilegeRecord {
        PrivilegeRecord {
            op: membership.op,
            voice: membership.voice,
        }
    }
}

impl From<PrivilegeRecord> for Membership {
    fn from(record: PrivilegeRecord) -> Membership {
        Membership {
            op: record.op,
            voice: record.voice,
        }
    }
}

/// The record in the hub's terms.
pub(crate) fn shared_channel(record: &ChannelRecord) -> SharedChannel {
    let modes = &record.modes;
    SharedChannel {
        name: record.name.clone(),
        created: time(record.created_ms),
        modes: ChannelModes {
            no_external: modes.no_external,
            topic_lock: modes.topic_lock,
            secret: modes.secret,
            invite_only: modes.invite_only,
            moderated: modes.moderated,
            key: modes.key.clone(),
            limit: modes.limit,
        },
        topic: record.topic.as_ref().map(|topic| Topic {
            text: topic.text.clone(),
            set_by: topic.setter.clone(),
            set_at: time(topic.time_ms),
        }),
        bans: record
            .bans
            .iter()
            .map(|ban| Ban {
                mask: ban.mask.clone(),
                set_by: ban.setter.clone(),
                set_at: time(ban.time_ms),
            })
            .collect(),
        privileges: record
            .privileges
            .iter()
            .map(|(nick, record)| (nick.clone(), Membership::from(*record)))
            .collect(),
        invited: record.invited.clone(),
        changed_by: record.changed_by.clone(),
    }
}

/// The record of a channel as this node's hub has it (the first node to
/// write a channel creates its record from its own copy).
pub(super) fn snapshot(hub: &HubState, room: &str, node: &str) -> Option<ChannelRecord> {
    let channel = hub.channels.get(room)?;
    let modes = &channel.modes;
    let mut privileges: std::collections::BTreeMap<String, PrivilegeRecord> = channel
        .remote_privileges
        .iter()
        .map(|(nick, membership)| (nick.clone(), PrivilegeRecord::from(*membership)))
        .collect();
    for (id, membership) in &channel.members {
        if let Some(client) = hub.client(*id)
            && (membership.op || membership.voice)
        {
            privileges.insert(hub.fold_text(&client.nick), (*membership).into());
        }
    }
    Some(ChannelRecord {
        name: channel.name.clone(),
        created_ms: channel.created.timestamp_millis(),
        modes: ModesRecord {
            no_external: modes.no_external,
            topic_lock: modes.topic_lock,
            secret: modes.secret,
            invite_only: modes.invite_only,
            moderated: modes.moderated,
            key: modes.key.clone(),
            limit: modes.limit,
        },
        topic: channel.topic.as_ref().map(|topic| TopicRecord {
            text: topic.text.clone(),
            setter: topic.set_by.clone(),
            time_ms: topic.set_at.timestamp_millis(),
        }),
        bans: channel
            .bans
            .iter()
            .map(|ban| BanRecord {
                mask: ban.mask.clone(),
                setter: ban.set_by.clone(),
                time_ms: ban.set_at.timestamp_millis(),
            })
            .collect(),
        privileges,
        invited: Default::default(),
        nodes: std::iter::once(node.to_string()).collect(),
        changed_by: String::new(),
        suspended: Default::default(),
    })
}
