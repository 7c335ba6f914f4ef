//! A protected channel that ends everywhere takes its history with it.
//!
//! On one server, an unregistered channel that kept anyone out (`+i +k +l
//! +s`, bans) has its stored history deleted when it empties: nobody is left
//! to say who may read it, and the next creator of the name must not. In a
//! cluster each node deletes its own copy when its last member leaves, but
//! the room stream, the cluster's record that nodes catch up from, still
//! holds the messages. So the node whose leaving ends the channel on every
//! node (it deletes the channel's shared record) also purges the room's
//! events from the stream, up to the last one stored before the end, so a
//! later channel of the same name starts with nothing to catch up.

use super::channels::ChannelRecord;
use super::node::ClusterNode;
use super::shared_state::StateChange;

impl ChannelRecord {
    /// Whether the channel kept anyone out, so that its history may only be
    /// read by its members (the cluster's side of
    /// [`crate::channels::ChannelRecord::guards_history`]).
    pub fn guards_history(&self) -> bool {
        let modes = &self.modes;
        modes.invite_only
            || modes.secret
            || modes.key.is_some()
            || modes.limit.is_some()
            || !self.bans.is_empty()
    }
}

impl ClusterNode {
    /// Before writing `change` of `room` (folded): the room stream's last
    /// sequence if the change may end the channel everywhere (a member left
    /// and none is left here, or a node died), so the events of the ending
    /// life can be purged without touching a next one's. `None`: it cannot
    /// end it, or the stream could not be read (then nothing is purged).
    pub(crate) async fn last_before_end(
        &self,
        room: &str,
        change: &StateChange,
        members_here: bool,
    ) -> Option<u64> {
        let may_end = match change {
            StateChange::Left(_) | StateChange::Here { .. } => !members_here,
            StateChange::NodeGone { .. } => true,
            _ => false,
        };
        if !may_end {
            return None;
        }
        let rooms = &self.parts.get()?.rooms;
        match rooms.last_in_room(room).await {
            Ok(0) => None,
            Ok(last) => Some(last),
            Err(error) => {
                crate::warn_throttled!(%error, %room, "cluster: could not read a room's last event; if the channel ends, its history stays in the room stream");
                None
            }
        }
    }

    /// `ended` was the shared record of `room` (folded) that this node just
    /// deleted, the stream's last event of it `last`: if it kept anyone out
    /// and this node does not keep it registered, purge its events.
    pub(crate) async fn purge_ended(&self, room: &str, ended: &ChannelRecord, last: u64) {
        if !ended.guards_history() || self.registered_here(room) {
            return;
        }
        let Some(parts) = self.parts.get() else {
            return;
        };
        match parts.rooms.purge_room(room, last).await {
            Ok(purged) => {
                tracing::info!(%room, purged, "cluster: a protected channel ended everywhere; its history is purged from the room stream");
            }
            Err(error) => {
                crate::warn_throttled!(%error, %room, "cluster: a protected channel ended but its history could not be purged from the room stream");
            }
        }
    }

    /// Whether `room` (folded) is a registered channel in this node's store
    /// (a registered channel's history outlives its members).
    fn registered_here(&self, room: &str) -> bool {
        self.context()
            .and_then(|context| context.history.clone())
            .and_then(|history| history.channel_states().get(room))
            .is_some_and(|record| record.is_registered())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::channels::{BanRecord, ModesRecord};

    #[test]
    fn a_channel_guards_its_history_when_it_kept_anyone_out() {
        let open = ChannelRecord::default();
        assert!(!open.guards_history());
        let with = |modes: ModesRecord| ChannelRecord {
            modes,
            ..ChannelRecord::default()
        };
        assert!(
            !with(ModesRecord {
                moderated: true,
                topic_lock: true,
                no_external: true,
                ..ModesRecord::default()
            })
            .guards_history()
        );
        for modes in [
            ModesRecord {
                invite_only: true,
                ..ModesRecord::default()
            },
            ModesRecord {
                secret: true,
                ..ModesRecord::default()
            },
            ModesRecord {
                key: Some("k".into()),
                ..ModesRecord::default()
            },
            ModesRecord {
                limit: Some(3),
                ..ModesRecord::default()
            },
        ] {
            assert!(with(modes.clone()).guards_history(), "{modes:?}");
        }
        let banned = ChannelRecord {
            bans: vec![BanRecord {
                mask: "*!*@*".into(),
                setter: "a".into(),
                time_ms: 0,
            }],
            ..ChannelRecord::default()
        };
        assert!(banned.guards_history());
    }
}
