//! What a locally routed event changes in shared channel state.

use crate::hub::bus::{Published, Scope};
use crate::hub::event::Event;

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
    /// A node run died: its members (folded nicks) are gone, and so is it
    /// (their privileges are kept for that run's return, `cluster::suspended`).
    NodeGone {
        node: String,
        run: u64,
        nicks: Vec<String>,
    },
    /// This node has members in the channel (said at start and after an
    /// outage): the record lists the node, or is made from this node's
    /// copy, changed by `by` (the server's name); it is read back either way.
    /// Its members `members` (folded, held by no other node) get back what
    /// was kept for this run (`run`) if it had been counted dead.
    Here {
        by: String,
        run: u64,
        members: Vec<String>,
    },
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
