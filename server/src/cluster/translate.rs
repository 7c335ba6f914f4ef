//! Between the hub's events and the wire's: what a node publishes for an
//! event its hub routed, and the hub event a received one becomes. Pure
//! functions, no I/O.
//!
//! Not every hub event crosses the room stream: MODE and TOPIC changes go
//! through the channel's shared record instead (`shared_state`), which
//! every node watches and shows its members; an INVITE goes to the
//! invitee's node like a whisper; account changes go into every room the
//! user is in, like AWAY.

use super::wire::{self, Kind, RosterMember};
use crate::hub::bus::{Published, Scope};
use crate::hub::client::Source;
use crate::hub::event::{Envelope, Event, MessageKind};
use chrono::{DateTime, TimeZone, Utc};
use natter_protocol::Tag;
use std::sync::Arc;

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

/// A hub source as the wire carries it.
pub fn wire_source(source: &Source) -> wire::Source {
    wire::Source {
        nick: source.nick.clone(),
        user: source.user.clone(),
        host: source.host.clone(),
        account: source.account.clone(),
    }
}

/// A local member as other nodes' rosters keep them.
pub fn roster_member(source: &Source, away: Option<String>) -> RosterMember {
    RosterMember {
        member: wire_source(source),
        realname: source.realname.clone(),
        away,
    }
}

/// A wire source as the hub shows it (`realname` when known).
pub fn hub_source(source: &wire::Source, realname: &str) -> Arc<Source> {
    Arc::new(Source {
        nick: source.nick.clone(),
        user: source.user.clone(),
        host: source.host.clone(),
        account: source.account.clone(),
        realname: realname.to_string(),
    })
}

fn wire_kind(kind: MessageKind) -> Kind {
    match kind {
        MessageKind::Privmsg => Kind::Privmsg,
        MessageKind::Notice => Kind::Notice,
        MessageKind::Tagmsg => Kind::Tagmsg,
    }
}

/// The hub's kind of message for a wire kind.
pub fn hub_kind(kind: Kind) -> MessageKind {
    match kind {
        Kind::Privmsg => MessageKind::Privmsg,
        Kind::Notice => MessageKind::Notice,
        Kind::Tagmsg => MessageKind::Tagmsg,
    }
}

/// A client tag as `key` or `key=value`, the value escaped as on IRC (so
/// it holds no space, CR, LF or NUL).
fn wire_tag(tag: &Tag) -> String {
    match &tag.value {
        Some(value) => format!(
            "{}={}",
            tag.key,
            natter_protocol::tags::escaped_tag_value(value)
        ),
        None => tag.key.clone(),
    }
}

/// A wire tag back as a client tag; only client-only tags (`+...`) are
/// taken, so a node cannot make another attach server tags.
pub fn hub_tags(tags: &[String]) -> Vec<Tag> {
    tags.iter()
        .filter(|tag| tag.starts_with('+'))
        .map(|tag| match tag.split_once('=') {
            Some((key, value)) => {
                Tag::new(key, Some(natter_protocol::tags::unescape_tag_value(value)))
            }
            None => Tag::new(tag.clone(), None),
        })
        .collect()
}

/// A wire timestamp as the hub's time (now, if out of range).
pub fn hub_time(time_ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(time_ms)
        .single()
        .unwrap_or_else(Utc::now)
}

/// A channel message another node published, as the hub delivers it.
pub fn channel_message(event: &wire::Event) -> Option<Envelope> {
    let wire::Event::Message {
        channel,
        from,
        kind,
        text,
        msgid,
        time_ms,
        tags,
    } = event
    else {
        return None;
    };
    Some(Envelope {
        event: Event::Message {
            source: hub_source(from, ""),
            target: channel.clone(),
            private: false,
            kind: hub_kind(*kind),
            text: text.clone(),
            msgid: msgid.clone(),
            client_tags: hub_tags(tags),
        },
        time: hub_time(*time_ms),
    })
}

/// A whisper from another node, as the hub delivers it.
pub fn whisper(event: &wire::Event) -> Option<Envelope> {
    let wire::Event::Whisper {
        to,
        from,
        kind,
        text,
        msgid,
        time_ms,
    } = event
    else {
        return None;
    };
    Some(Envelope {
        event: Event::Message {
            source: hub_source(from, ""),
            target: to.clone(),
            private: true,
            kind: hub_kind(*kind),
            text: text.clone(),
            msgid: msgid.clone(),
            client_tags: Vec::new(),
        },
        time: hub_time(*time_ms),
    })
}

/// An invitation from another node, as the hub delivers it.
pub fn invite(event: &wire::Event) -> Option<Envelope> {
    let wire::Event::Invite { to, channel, by } = event else {
        return None;
    };
    Some(Envelope {
        event: Event::Invite {
            source: hub_source(by, ""),
            target: to.clone(),
            channel: channel.clone(),
        },
        time: Utc::now(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hub::Folded;

    fn alice() -> Arc<Source> {
        Arc::new(Source {
            nick: "Alice".into(),
            user: "al".into(),
            host: "10.0.0.1".into(),
            account: None,
            realname: "Alice A".into(),
        })
    }

    fn published(scope: Scope, event: Event) -> Published {
        Published {
            scope,
            envelope: Arc::new(Envelope {
                event,
                time: hub_time(1_700_000_000_000),
            }),
        }
    }

    #[test]
    fn a_channel_message_goes_to_its_room_and_comes_back_the_same() {
        let event = Event::Message {
            source: alice(),
            target: "#Lobby".into(),
            private: false,
            kind: MessageKind::Privmsg,
            text: "hi there".into(),
            msgid: "m1".into(),
            client_tags: vec![Tag::new("+draft/reply", Some("a b;c".into()))],
        };
        let out = outgoing(&published(
            Scope::Channel(Folded::from_folded("#lobby".into())),
            event,
        ));
        let [Outgoing::Room { room, event }] = &out[..] else {
            panic!("{out:?}");
        };
        assert_eq!(room, "#lobby");
        let envelope = wire::Envelope::new("a", 1, event.clone());
        let back = wire::Envelope::decode(&envelope.encode().unwrap()).unwrap();
        let delivered = channel_message(&back.event).unwrap();
        let Event::Message {
            source,
            target,
            text,
            client_tags,
            msgid,
            ..
        } = &delivered.event
        else {
            panic!();
        };
        assert_eq!(source.prefix(), "Alice!al@10.0.0.1");
        assert_eq!((target.as_str(), text.as_str()), ("#Lobby", "hi there"));
        assert_eq!(msgid, "m1");
        assert_eq!(
            client_tags,
            &[Tag::new("+draft/reply", Some("a b;c".into()))]
        );
        assert_eq!(delivered.time.timestamp_millis(), 1_700_000_000_000);
    }

    #[test]
    fn quits_go_to_every_room_whispers_to_the_user_and_modes_nowhere() {
        let rooms = vec![
            Folded::from_folded("#a".into()),
            Folded::from_folded("#b".into()),
        ];
        let quit = Event::Quit {
            source: alice(),
            reason: "bye".into(),
        };
        let out = outgoing(&published(Scope::Peers(rooms), quit));
        assert_eq!(out.len(), 2);
        assert!(out.iter().all(|o| matches!(
            o,
            Outgoing::Room {
                event: wire::Event::Quit { .. },
                ..
            }
        )));
        let whisper_event = Event::Message {
            source: alice(),
            target: "Bob".into(),
            private: true,
            kind: MessageKind::Notice,
            text: "psst".into(),
            msgid: "m2".into(),
            client_tags: Vec::new(),
        };
        let out = outgoing(&published(
            Scope::User(Folded::from_folded("bob".into())),
            whisper_event,
        ));
        let [Outgoing::Whisper { to, event }] = &out[..] else {
            panic!("{out:?}");
        };
        assert_eq!(to, "bob");
        let back = whisper(event).unwrap();
        assert!(
            matches!(&back.event, Event::Message { private: true, kind: MessageKind::Notice, text, .. } if text == "psst")
        );
        let mode = Event::Mode {
            source: alice(),
            target: "#a".into(),
            changes: "+o".into(),
            args: vec!["Bob".into()],
        };
        assert!(
            outgoing(&published(
                Scope::Channel(Folded::from_folded("#a".into())),
                mode
            ))
            .is_empty()
        );
    }

    #[test]
    fn only_client_tags_come_in() {
        let tags = hub_tags(&["+typing=active".into(), "time=x".into(), "+x".into()]);
        assert_eq!(
            tags,
            [
                Tag::new("+typing", Some("active".into())),
                Tag::new("+x", None)
            ]
        );
    }
}
