//! Channel state every node agrees on: modes, key, limit, topic, bans,
//! privileges and invitations, one record per channel in the channel
//! bucket ([`ChannelStore`]), written only by compare-and-set and watched
//! into every node's hub.
//!
//! Writing: the hub applies a local user's change at once (the single-node
//! path, unchanged); the bus counts it as pending for its channel, and the
//! writer task applies the same change to the record ([`StateChange`], a
//! read-modify-write at the revision read, again on a conflict), so two
//! nodes' concurrent changes both land, in one order. Reading: the bucket
//! is watched into memory ([`SharedState`]); the hub asks it when it
//! creates a channel locally (a JOIN here is checked against a key or ban
//! set elsewhere) and is given each newer record for a channel with local
//! members, unless this node still has its own changes of that channel on
//! the way (then the record the last write returns is given). The hub
//! shows its members what the record changed, so they see another node's
//! MODE and TOPIC lines and every node ends with the record's state.

use super::channels::{
    BanRecord, Change, ChannelRecord, ChannelStore, ModesRecord, PrivilegeRecord, TopicRecord,
};
use super::node::ClusterNode;
use crate::context::Context;
use crate::hub::Folded;
use crate::hub::bus::{Published, Scope};
use crate::hub::channel::{Ban, ChannelModes, Membership, Topic};
use crate::hub::event::Event;
use crate::hub::shared::SharedChannel;
use crate::hub::state::HubState;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// State changes waiting for the writer task.
pub(crate) const WRITES_WAITING: usize = 1024;

/// Pause before watching the channel bucket again after the watch ended.
const WATCH_RETRY: Duration = Duration::from_secs(1);

/// One change of a channel's shared state, as a local event made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum StateChange {
    /// A local user (`nick!user@host`) joined: the channel exists, here too.
    Joined(String),
    /// A member (folded nick) left or was kicked.
    Left(String),
    /// A member changed nick (folded, old and new).
    Renamed(String, String),
    /// Modes changed, as announced, by `setter` (`nick!user@host`).
    Modes {
        changes: String,
        args: Vec<String>,
        setter: String,
    },
    /// The topic changed (empty: cleared).
    Topic { text: String, setter: String },
    /// A user (folded nick) was invited.
    Invited(String),
    /// A node run died: its members (folded nicks) are gone, and so is it.
    NodeGone { node: String, nicks: Vec<String> },
}

/// The changes a locally routed event makes to shared channel state, by
/// folded channel. `fold` folds nicks.
pub(crate) fn state_changes(
    published: &Published,
    fold: impl Fn(&str) -> String,
) -> Vec<(String, StateChange)> {
    let event = &published.envelope.event;
    match (&published.scope, event) {
        (Scope::Channel(room), _) => {
            let change = match event {
                Event::Join { source, .. } => StateChange::Joined(source.prefix()),
                Event::Part { source, .. } => StateChange::Left(fold(&source.nick)),
                Event::Kick { victim, .. } => StateChange::Left(fold(victim)),
                Event::Mode {
                    source,
                    changes,
                    args,
                    ..
                } => StateChange::Modes {
                    changes: changes.clone(),
                    args: args.clone(),
                    setter: source.prefix(),
                },
                Event::Topic { source, topic, .. } => StateChange::Topic {
                    text: topic.clone(),
                    setter: source.prefix(),
                },
                _ => return Vec::new(),
            };
            vec![(room.to_string(), change)]
        }
        (Scope::Peers(rooms), Event::Quit { source, .. }) => rooms
            .iter()
            .map(|room| (room.to_string(), StateChange::Left(fold(&source.nick))))
            .collect(),
        (Scope::Peers(rooms), Event::Nick { source, new_nick }) => rooms
            .iter()
            .map(|room| {
                let change = StateChange::Renamed(fold(&source.nick), fold(new_nick));
                (room.to_string(), change)
            })
            .collect(),
        (Scope::User(nick), Event::Invite { channel, .. }) => {
            vec![(fold(channel), StateChange::Invited(nick.to_string()))]
        }
        _ => Vec::new(),
    }
}

/// The records as this node knows them (by folded channel: revision and
/// record, `None` once ended), and how many of this node's own changes of
/// each are still on the way to the bucket.
#[derive(Debug, Default)]
pub(crate) struct SharedState {
    records: HashMap<String, (u64, Option<ChannelRecord>)>,
    pending: HashMap<String, usize>,
}

impl SharedState {
    /// Counts a change of `room` on its way.
    pub(crate) fn begin(&mut self, room: &str) {
        *self.pending.entry(room.to_string()).or_default() += 1;
    }

    /// Takes revision `revision` of `room` if newer than what is known;
    /// returns the record to give the hub, when nothing of ours is pending.
    fn learn(&mut self, room: &str, revision: u64, record: Option<ChannelRecord>) -> Applied {
        let newer = self
            .records
            .get(room)
            .is_none_or(|(known, _)| revision > *known);
        if newer {
            self.records.insert(room.to_string(), (revision, record));
        }
        self.ready(room)
    }

    /// A change of `room` of ours was written (or given up on).
    fn finish(&mut self, room: &str) -> Applied {
        if let Some(count) = self.pending.get_mut(room) {
            *count -= 1;
            if *count == 0 {
                self.pending.remove(room);
            }
        }
        self.ready(room)
    }

    fn ready(&mut self, room: &str) -> Applied {
        if self.pending.contains_key(room) {
            return Applied::Wait;
        }
        match self.records.get(room) {
            Some((_, Some(record))) => Applied::Record(Box::new(record.clone())),
            Some((_, None)) => {
                // Nothing of ours can come back older: forget the channel.
                self.records.remove(room);
                Applied::Wait
            }
            None => Applied::Wait,
        }
    }

    /// The channels whose record names `node` as having members.
    pub(crate) fn rooms_of_node(&self, node: &str) -> Vec<String> {
        self.records
            .iter()
            .filter(|(_, (_, record))| record.as_ref().is_some_and(|r| r.nodes.contains(node)))
            .map(|(room, _)| room.clone())
            .collect()
    }

    /// The current record of `room`, if it exists.
    pub(crate) fn record(&self, room: &str) -> Option<&ChannelRecord> {
        self.records
            .get(room)
            .and_then(|(_, record)| record.as_ref())
    }
}

/// What to give the hub after learning something.
enum Applied {
    Wait,
    Record(Box<ChannelRecord>),
}

fn time(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
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
            .map(|(nick, p)| {
                let membership = Membership {
                    op: p.op,
                    voice: p.voice,
                };
                (nick.clone(), membership)
            })
            .collect(),
        invited: record.invited.clone(),
        changed_by: record.changed_by.clone(),
    }
}

/// The record of a channel as this node's hub has it (the first node to
/// write a channel creates its record from its own copy).
fn snapshot(hub: &HubState, room: &str, node: &str) -> Option<ChannelRecord> {
    let channel = hub.channels.get(room)?;
    let modes = &channel.modes;
    let mut privileges: std::collections::BTreeMap<String, PrivilegeRecord> = channel
        .remote_privileges
        .iter()
        .map(|(nick, m)| {
            let record = PrivilegeRecord {
                op: m.op,
                voice: m.voice,
            };
            (nick.clone(), record)
        })
        .collect();
    for (id, membership) in &channel.members {
        if let Some(client) = hub.client(*id)
            && (membership.op || membership.voice)
        {
            let record = PrivilegeRecord {
                op: membership.op,
                voice: membership.voice,
            };
            privileges.insert(hub.fold_text(&client.nick), record);
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
    })
}

/// The next record after `change`, given the current one (`None`: none yet)
/// and this node's copy of the channel (`None`: nobody here any more).
fn next_record(
    current: Option<&ChannelRecord>,
    change: &StateChange,
    local: Option<&ChannelRecord>,
    node: &str,
    fold: &impl Fn(&str) -> String,
) -> Change {
    let Some(current) = current else {
        // The first write of a channel: it is what this node has, made by
        // whoever made it so.
        let by = match change {
            StateChange::Joined(by)
            | StateChange::Modes { setter: by, .. }
            | StateChange::Topic { setter: by, .. } => by,
            StateChange::Left(_)
            | StateChange::Renamed(..)
            | StateChange::Invited(_)
            | StateChange::NodeGone { .. } => {
                return Change::Keep;
            }
        };
        return match local {
            Some(local) => Change::Write(Box::new(ChannelRecord {
                changed_by: by.clone(),
                ..local.clone()
            })),
            None => Change::Keep,
        };
    };
    let mut next = current.clone();
    let now = Utc::now().timestamp_millis();
    match change {
        StateChange::Joined(by) => {
            next.nodes.insert(node.to_string());
            let nick = by.split_once('!').map_or(by.as_str(), |(nick, _)| nick);
            next.invited.remove(&fold(nick));
        }
        StateChange::Left(nick) => {
            next.forget_member(nick);
            if local.is_none() {
                next.nodes.remove(node);
                if next.nodes.is_empty() {
                    return Change::Delete;
                }
            }
        }
        StateChange::Renamed(old, new) => next.rename_member(old, new),
        StateChange::Modes {
            changes,
            args,
            setter,
        } => next.apply_modes(changes, args, setter, now, fold),
        StateChange::Topic { text, setter } => next.set_topic(text, setter, now),
        StateChange::Invited(nick) => {
            next.invited.insert(nick.clone());
        }
        StateChange::NodeGone { node: gone, nicks } => {
            for nick in nicks {
                next.forget_member(nick);
            }
            next.nodes.remove(gone);
            if next.nodes.is_empty() {
                return Change::Delete;
            }
        }
    }
    if next == *current {
        Change::Keep
    } else {
        Change::Write(Box::new(next))
    }
}

impl ClusterNode {
    /// Counts the shared-state changes of a locally routed event as pending
    /// (called under the hub lock, before it is queued).
    pub(crate) fn begin_state_changes(&self, published: &Published) -> usize {
        let changes = state_changes(published, |nick| self.fold(nick));
        let mut shared = self.shared();
        for (room, _) in &changes {
            shared.begin(room);
        }
        changes.len()
    }

    /// Gives up pending changes that will not be written (the event was
    /// not queued).
    pub(crate) fn abandon_state_changes(&self, published: &Published) {
        for (room, _) in state_changes(published, |nick| self.fold(nick)) {
            let _ = self.shared().finish(&room);
        }
    }

    /// Queues the shared-state changes of a locally routed event (counted
    /// by [`ClusterNode::begin_state_changes`]) for the writer.
    pub(crate) async fn queue_state_changes(
        &self,
        published: &Published,
        writes: &mpsc::Sender<(String, StateChange)>,
    ) {
        for write in state_changes(published, |nick| self.fold(nick)) {
            let room = write.0.clone();
            if writes.send(write).await.is_err() {
                let _ = self.shared().finish(&room);
            }
        }
    }

    /// A node run died: its members (folded nicks by folded channel, as
    /// the roster knew them) lose their privileges and invitations, and
    /// every record naming the node forgets it (a channel only it had
    /// members in ends). Every surviving node writes this; the second
    /// write finds nothing left to change.
    pub(crate) async fn forget_node_state(
        &self,
        node: &str,
        mut members: HashMap<String, Vec<String>>,
    ) {
        for room in self.shared().rooms_of_node(node) {
            members.entry(room).or_default();
        }
        let Some(writes) = self.writes.get() else {
            return;
        };
        for (room, nicks) in members {
            self.shared().begin(&room);
            let change = StateChange::NodeGone {
                node: node.to_string(),
                nicks,
            };
            if writes.send((room.clone(), change)).await.is_err() {
                let _ = self.shared().finish(&room);
            }
        }
    }

    /// A local member (folded nick) was taken out of `room` by another
    /// node (a KICK): stop following it if nobody here is left, and say so
    /// in the record.
    pub(crate) async fn left_here(&self, room: &str, nick: String) {
        self.unfollow_if_empty(room);
        let Some(writes) = self.writes.get() else {
            return;
        };
        self.shared().begin(room);
        if writes
            .send((room.to_string(), StateChange::Left(nick)))
            .await
            .is_err()
        {
            let _ = self.shared().finish(room);
        }
    }

    /// An invitation to `channel` from another node for the local user
    /// `nick` (folded): when nobody here is in the channel, the JOIN that
    /// follows is checked against the record, so the invitation is made
    /// sure to be in it before the invitee hears of it.
    pub(crate) async fn note_invitation(&self, channel: &str, nick: &str) {
        let room = self.fold(channel);
        let (Some(parts), Some(context)) = (self.parts.get(), self.context()) else {
            return;
        };
        if context
            .hub
            .read(|hub| hub.channels.contains_key(room.as_str()))
        {
            return;
        }
        let written = parts
            .channels
            .update(&room, |current| match current {
                Some(record) if !record.invited.contains(nick) => {
                    let mut next = record.clone();
                    next.invited.insert(nick.to_string());
                    Change::Write(Box::new(next))
                }
                _ => Change::Keep,
            })
            .await;
        match written {
            Ok(Some((record, revision))) => {
                let applied = self.shared().learn(&room, revision, Some(record));
                apply(&context, &room, applied);
            }
            Ok(None) => {}
            Err(error) => {
                crate::warn_throttled!(%error, %room, "cluster: an invitation could not be noted in the channel's record");
            }
        }
    }

    /// Writes queued changes one after the other, each by compare-and-set,
    /// then gives the hub the record in force.
    pub(crate) async fn write_states(
        self: Arc<Self>,
        store: ChannelStore,
        mut writes: mpsc::Receiver<(String, StateChange)>,
    ) {
        loop {
            let next = tokio::select! {
                biased;
                next = writes.recv() => next,
                // Stopping: what is queued (its users leaving) still goes.
                () = self.shutdown.cancelled() => writes.try_recv().ok(),
            };
            let Some((room, change)) = next else {
                return;
            };
            let Some(context) = self.context() else {
                let _ = self.shared().finish(&room);
                continue;
            };
            let local = context.hub.read(|hub| snapshot(hub, &room, &self.me.name));
            let fold = |text: &str| self.fold(text);
            let last = self.last_before_end(&room, &change, local.is_some()).await;
            let mut ended = None;
            let written = store
                .update(&room, |current| {
                    let next = next_record(current, &change, local.as_ref(), &self.me.name, &fold);
                    ended = match next {
                        Change::Delete => current.cloned(),
                        _ => None,
                    };
                    next
                })
                .await;
            if let (Ok(None), Some(ended), Some(last)) = (&written, &ended, last) {
                self.purge_ended(&room, ended, last).await;
            }
            let applied = {
                let mut shared = self.shared();
                match written {
                    Ok(Some((record, revision))) => {
                        let _ = shared.learn(&room, revision, Some(record));
                    }
                    Ok(None) => {}
                    Err(error) => {
                        crate::warn_throttled!(%error, %room, "cluster: a channel's modes or topic could not be shared; other nodes keep theirs");
                    }
                }
                shared.finish(&room)
            };
            apply(&context, &room, applied);
        }
    }

    /// Keeps [`SharedState`] in step with the channel bucket and gives the
    /// hub each newer record; watches again whenever the watch ends.
    pub(crate) async fn watch_channels(self: Arc<Self>, store: ChannelStore) {
        loop {
            match store.watch().await {
                Ok(changes) => {
                    let mut changes = std::pin::pin!(changes);
                    loop {
                        let next = tokio::select! {
                            () = self.shutdown.cancelled() => return,
                            next = futures::StreamExt::next(&mut changes) => next,
                        };
                        let Some((room, revision, record)) = next else {
                            break;
                        };
                        let applied = self.shared().learn(&room, revision, record);
                        if let Some(context) = self.context() {
                            apply(&context, &room, applied);
                        }
                    }
                }
                Err(error) => {
                    crate::warn_throttled!(%error, "cluster: cannot watch the channel bucket yet; retrying");
                }
            }
            tokio::select! {
                () = self.shutdown.cancelled() => return,
                () = tokio::time::sleep(WATCH_RETRY) => {}
            }
        }
    }

    /// Whether this node knows the cluster's record of channel `name`
    /// (any case): it exists somewhere and JOINs here are checked against it.
    pub fn knows_channel(&self, name: &str) -> bool {
        self.shared().record(&self.fold(name)).is_some()
    }

    /// The cluster's record of channel `name` (any case) as this node
    /// last saw it, in the hub's terms.
    pub fn channel_record(&self, name: &str) -> Option<SharedChannel> {
        self.shared_record(&self.fold(name))
    }

    /// The shared record of `room` in the hub's terms, if it exists.
    pub(crate) fn shared_record(&self, room: &str) -> Option<SharedChannel> {
        self.shared().record(room).map(shared_channel)
    }
}

/// Gives the hub a record to show, if there is one.
fn apply(context: &Context, room: &str, applied: Applied) {
    let Applied::Record(record) = applied else {
        return;
    };
    let shared = shared_channel(&record);
    let folded = Folded::from_folded(room.to_string());
    context.hub.with(|hub| hub.apply_shared(&folded, &shared));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fold(text: &str) -> String {
        text.to_lowercase()
    }

    fn record(nodes: &[&str]) -> ChannelRecord {
        ChannelRecord {
            name: "#c".into(),
            nodes: nodes.iter().map(|n| n.to_string()).collect(),
            ..ChannelRecord::default()
        }
    }

    #[test]
    fn the_first_write_creates_the_record_from_this_nodes_copy() {
        let local = record(&["a"]);
        let joined = StateChange::Joined("ann!a@h".into());
        let Change::Write(created) = next_record(None, &joined, Some(&local), "a", &fold) else {
            panic!("not created");
        };
        assert_eq!(
            (created.nodes, created.changed_by.as_str()),
            (local.nodes.clone(), "ann!a@h")
        );
        let left = StateChange::Left("bob".into());
        assert_eq!(
            next_record(None, &left, Some(&local), "a", &fold),
            Change::Keep
        );
    }

    #[test]
    fn the_channel_ends_when_the_last_node_with_members_leaves() {
        let both = record(&["a", "b"]);
        let left = StateChange::Left("bob".into());
        let Change::Write(next) = next_record(Some(&both), &left, None, "a", &fold) else {
            panic!("b still has members");
        };
        assert_eq!(next.nodes.len(), 1);
        assert_eq!(
            next_record(Some(&next), &left, None, "b", &fold),
            Change::Delete
        );
        let joined = StateChange::Joined("a!a@h".into());
        let joined = next_record(Some(&next), &joined, None, "a", &fold);
        assert!(matches!(joined, Change::Write(r) if r.nodes.len() == 2));
    }

    #[test]
    fn a_dead_node_takes_its_members_privileges_and_its_place() {
        let mut both = record(&["a", "b"]);
        both.apply_modes("+oo", &["Bob".into(), "Ann".into()], "x!x@h", 1, fold);
        let gone = StateChange::NodeGone {
            node: "b".into(),
            nicks: vec!["bob".into()],
        };
        let Change::Write(next) = next_record(Some(&both), &gone, Some(&both), "a", &fold) else {
            panic!("a still has members");
        };
        assert_eq!(next.privileges.keys().collect::<Vec<_>>(), ["ann"]);
        assert_eq!(next.nodes.len(), 1);
        let only_b = record(&["b"]);
        assert_eq!(
            next_record(Some(&only_b), &gone, None, "a", &fold),
            Change::Delete
        );
    }

    #[test]
    fn a_record_is_given_to_the_hub_only_when_none_of_our_changes_is_pending() {
        let mut state = SharedState::default();
        state.begin("#c");
        assert!(matches!(
            state.learn("#c", 5, Some(record(&["b"]))),
            Applied::Wait
        ));
        assert!(
            matches!(state.learn("#c", 4, None), Applied::Wait),
            "older: ignored"
        );
        assert!(matches!(state.finish("#c"), Applied::Record(r) if r.nodes.len() == 1));
        assert!(matches!(state.learn("#c", 6, None), Applied::Wait));
        assert!(state.record("#c").is_none());
    }
}
