//! Hub to wire: what a node publishes for an event its hub routed.

use super::fields::{roster_member, wire_kind, wire_source, wire_tag};
use crate::cluster::wire;
use crate::hub::bus::{Published, Scope};
use crate::hub::event::{Envelope, Event};

/// One thing to send for a locally routed event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outgoing {
    /// Into a room's stream (folded channel name).
    Room {
        /// The folded channel.
        room: String,
        /// The event.
        event: wire::Event,
    },
    /// To the holder of a nick on another node (folded nick).
    Whisper {
        /// The folded nick.
        to: String,
        /// The event.
        event: wire::Event,
    },
}

/// What to send for `published`: one room event per channel of its scope
/// (a QUIT or NICK goes into each room the user was in, so it keeps its
/// place in each room's order; receivers apply it once), a whisper, or
/// nothing for what does not cross nodes.
pub fn outgoing(published: &Published) -> Vec<Outgoing> {
    let envelope = &published.envelope;
    match &published.scope {
        Scope::Channel(folded) => room_event(envelope)
            .map(|event| Outgoing::Room {
                room: folded.to_string(),
                event,
            })
            .into_iter()
            .collect(),
        Scope::User(folded) => match &envelope.event {
            Event::Message {
                source,
                target,
                private: true,
                kind,
                text,
                msgid,
                ..
            } => vec![Outgoing::Whisper {
                to: folded.to_string(),
                event: wire::Event::Whisper {
                    to: target.clone(),
                    from: wire_source(source),
                    kind: wire_kind(*kind),
                    text: text.clone(),
                    msgid: msgid.clone(),
                    time_ms: envelope.time.timestamp_millis(),
                },
            }],
            Event::Invite {
                source,
                target,
                channel,
            } => vec![Outgoing::Whisper {
                to: folded.to_string(),
                event: wire::Event::Invite {
                    to: target.clone(),
                    channel: channel.clone(),
                    by: wire_source(source),
                },
            }],
            _ => Vec::new(),
        },
        Scope::Peers(channels) => match peer_event(envelope) {
            Some(event) => channels
                .iter()
                .map(|folded| Outgoing::Room {
                    room: folded.to_string(),
                    event: event.clone(),
                })
                .collect(),
            None => Vec::new(),
        },
    }
}

fn room_event(envelope: &Envelope) -> Option<wire::Event> {
    Some(match &envelope.event {
        Event::Message {
            source,
            target,
            private: false,
            kind,
            text,
            msgid,
            client_tags,
        } => wire::Event::Message {
            channel: target.clone(),
            from: wire_source(source),
            kind: wire_kind(*kind),
            text: text.clone(),
            msgid: msgid.clone(),
            time_ms: envelope.time.timestamp_millis(),
            tags: client_tags.iter().map(wire_tag).collect(),
        },
        Event::Join { source, channel } => wire::Event::Join {
            channel: channel.clone(),
            member: roster_member(source, None),
        },
        Event::Part {
            source,
            channel,
            reason,
        } => wire::Event::Part {
            channel: channel.clone(),
            from: wire_source(source),
            reason: reason.clone(),
        },
        Event::Kick {
            source,
            channel,
            victim,
            reason,
        } => wire::Event::Kick {
            channel: channel.clone(),
            by: wire_source(source),
            nick: victim.clone(),
            reason: reason.clone(),
        },
        Event::Away { source, message } => wire::Event::Away {
            from: wire_source(source),
            message: message.clone(),
        },
        _ => return None,
    })
}

fn peer_event(envelope: &Envelope) -> Option<wire::Event> {
    Some(match &envelope.event {
        Event::Account { source, account } => wire::Event::Account {
            from: wire_source(source),
            account: account.clone(),
        },
        Event::Quit { source, reason } => wire::Event::Quit {
            from: wire_source(source),
            reason: reason.clone(),
        },
        Event::Nick { source, new_nick } => wire::Event::Nick {
            from: wire_source(source),
            new: new_nick.clone(),
        },
        Event::Away { source, message } => wire::Event::Away {
            from: wire_source(source),
            message: message.clone(),
        },
        _ => return None,
    })
}
