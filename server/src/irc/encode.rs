//! Turns hub events into IRC lines, once per combination of the capabilities
//! that change the bytes (server-time, message-tags, away-notify).

use crate::hub::event::{Encoder, Envelope, Event, MessageKind};
use bytes::Bytes;
use chrono::{DateTime, SecondsFormat, Utc};
use natter_protocol::Message;

/// The capability bits that select an encoding variant.
pub mod variant {
    /// `server-time`: a `time` tag on every line.
    pub const SERVER_TIME: u8 = 1;
    /// `message-tags`: `msgid` and client-only tags; TAGMSG is delivered.
    pub const MESSAGE_TAGS: u8 = 2;
    /// `away-notify`: AWAY lines are delivered.
    pub const AWAY_NOTIFY: u8 = 4;
    /// `account-tag`: an `account` tag on lines from logged-in users.
    pub const ACCOUNT_TAG: u8 = 8;
    /// `account-notify`: ACCOUNT lines are delivered.
    pub const ACCOUNT_NOTIFY: u8 = 16;
    /// `extended-join`: JOIN carries the account (or `*`) and the real name.
    pub const EXTENDED_JOIN: u8 = 32;
}

/// The IRC dialect's encoder.
pub struct IrcEncoder;

/// The one instance sessions point their clients' formats at.
pub static IRC_ENCODER: IrcEncoder = IrcEncoder;

/// `server-time` format: RFC 3339 UTC with milliseconds.
pub fn format_time(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// IRC's line limit without tags, CRLF included.
pub const MAX_LINE: usize = 512;

/// Cuts the last parameter (the text, reason or topic) so that the line fits
/// IRC's 512 bytes: with the sender's prefix added, a line the sender kept
/// within the limit can exceed it, and IRC receivers must never get more.
fn fit_to_line(message: &mut Message) {
    let tags = std::mem::take(&mut message.tags);
    let over = (message.serialized_len() + 2).saturating_sub(MAX_LINE);
    if over > 0
        && let Some(last) = message.params.last_mut()
    {
        let mut end = last.len().saturating_sub(over);
        while !last.is_char_boundary(end) {
            end -= 1;
        }
        last.truncate(end);
    }
    message.tags = tags;
}

fn event_message(event: &Event, variant: u8) -> Option<Message> {
    let message = match event {
        Event::Join { source, channel } => {
            let join = Message::new("JOIN")
                .with_source(source.prefix())
                .with_param(channel);
            if variant & variant::EXTENDED_JOIN != 0 {
                join.with_params([source.account.as_deref().unwrap_or("*"), &source.realname])
            } else {
                join
            }
        }
        Event::Account { source, account } => {
            if variant & variant::ACCOUNT_NOTIFY == 0 {
                return None;
            }
            Message::new("ACCOUNT")
                .with_source(source.prefix())
                .with_param(account.as_deref().unwrap_or("*"))
        }
        Event::Part {
            source,
            channel,
            reason,
        } => {
            let message = Message::new("PART")
                .with_source(source.prefix())
                .with_param(channel);
            match reason {
                Some(reason) => message.with_param(reason),
                None => message,
            }
        }
        Event::Quit { source, reason } => Message::new("QUIT")
            .with_source(source.prefix())
            .with_param(reason),
        Event::Nick { source, new_nick } => Message::new("NICK")
            .with_source(source.prefix())
            .with_param(new_nick),
        Event::Message {
            source,
            target,
            kind,
            text,
            msgid,
            client_tags,
            ..
        } => {
            let tags = variant & variant::MESSAGE_TAGS != 0;
            if *kind == MessageKind::Tagmsg && !tags {
                return None;
            }
            let mut message = Message::new(kind.command())
                .with_source(source.prefix())
                .with_param(target);
            if *kind != MessageKind::Tagmsg {
                message = message.with_param(text);
            }
            if tags {
                message = message.with_tag("msgid", Some(msgid.clone()));
                for tag in client_tags {
                    message = message.with_tag(tag.key.clone(), tag.value.clone());
                }
            }
            message
        }
        Event::Topic {
            source,
            channel,
            topic,
        } => Message::new("TOPIC")
            .with_source(source.prefix())
            .with_params([channel, topic]),
        Event::Kick {
            source,
            channel,
            victim,
            reason,
        } => Message::new("KICK")
            .with_source(source.prefix())
            .with_params([channel, victim, reason]),
        Event::Mode {
            source,
            target,
            changes,
            args,
        } => Message::new("MODE")
            .with_source(source.prefix())
            .with_params([target, changes])
            .with_params(args),
        Event::Away { source, message } => {
            if variant & variant::AWAY_NOTIFY == 0 {
                return None;
            }
            let away = Message::new("AWAY").with_source(source.prefix());
            match message {
                Some(text) => away.with_param(text),
                None => away,
            }
        }
        Event::Invite {
            source,
            target,
            channel,
        } => Message::new("INVITE")
            .with_source(source.prefix())
            .with_params([target, channel]),
    };
    Some(message)
}

/// Who caused an event.
fn event_source(event: &Event) -> Option<&crate::hub::client::Source> {
    match event {
        Event::Join { source, .. }
        | Event::Part { source, .. }
        | Event::Quit { source, .. }
        | Event::Nick { source, .. }
        | Event::Message { source, .. }
        | Event::Topic { source, .. }
        | Event::Kick { source, .. }
        | Event::Mode { source, .. }
        | Event::Away { source, .. }
        | Event::Account { source, .. }
        | Event::Invite { source, .. } => Some(source),
    }
}

impl Encoder for IrcEncoder {
    fn name(&self) -> &'static str {
        "irc"
    }

    fn encode(&self, envelope: &Envelope, variant: u8) -> Option<Bytes> {
        let mut message = event_message(&envelope.event, variant)?;
        fit_to_line(&mut message);
        if variant & variant::ACCOUNT_TAG != 0
            && let Some(account) = event_source(&envelope.event).and_then(|s| s.account.clone())
        {
            message
                .tags
                .insert(0, natter_protocol::Tag::new("account", Some(account)));
        }
        if variant & (variant::SERVER_TIME | variant::MESSAGE_TAGS) != 0 {
            // `time` first, as servers conventionally order it.
            message.tags.insert(
                0,
                natter_protocol::Tag::new("time", Some(format_time(envelope.time))),
            );
        }
        Some(Bytes::from(message.to_wire()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hub::client::Source;
    use std::sync::Arc;

    fn alice() -> Arc<Source> {
        Arc::new(Source {
            nick: "alice".into(),
            user: "a".into(),
            host: "127.0.0.1".into(),
            account: None,
            realname: String::new(),
        })
    }

    fn envelope(event: Event) -> Envelope {
        let time = DateTime::parse_from_rfc3339("2026-11-21T10:00:00.250Z")
            .unwrap()
            .with_timezone(&Utc);
        Envelope { event, time }
    }

    fn privmsg() -> Envelope {
        envelope(Event::Message {
            source: alice(),
            target: "#lobby".into(),
            private: false,
            kind: MessageKind::Privmsg,
            text: "hello there".into(),
            msgid: "abc".into(),
            client_tags: vec![natter_protocol::Tag::new(
                "+draft/reply",
                Some("xyz".into()),
            )],
        })
    }

    #[test]
    fn plain_irc_clients_get_no_tags() {
        let bytes = IRC_ENCODER.encode(&privmsg(), 0).unwrap();
        assert_eq!(
            &bytes[..],
            b":alice!a@127.0.0.1 PRIVMSG #lobby :hello there\r\n"
        );
    }

    #[test]
    fn server_time_adds_the_time_tag_only() {
        let bytes = IRC_ENCODER
            .encode(&privmsg(), variant::SERVER_TIME)
            .unwrap();
        assert_eq!(
            &bytes[..],
            b"@time=2026-11-21T10:00:00.250Z :alice!a@127.0.0.1 PRIVMSG #lobby :hello there\r\n"
        );
    }

    #[test]
    fn message_tags_add_msgid_and_client_tags() {
        let bytes = IRC_ENCODER
            .encode(&privmsg(), variant::MESSAGE_TAGS)
            .unwrap();
        let text = std::str::from_utf8(&bytes).unwrap();
        assert!(
            text.starts_with("@time=2026-11-21T10:00:00.250Z;msgid=abc;+draft/reply=xyz :alice"),
            "{text}"
        );
    }

    #[test]
    fn account_tag_account_notify_and_extended_join() {
        let logged_in = Arc::new(Source {
            account: Some("Alice".into()),
            realname: "Alice L".into(),
            ..(*alice()).clone()
        });
        let join = envelope(Event::Join {
            source: logged_in.clone(),
            channel: "#lobby".into(),
        });
        assert_eq!(
            &IRC_ENCODER.encode(&join, 0).unwrap()[..],
            b":alice!a@127.0.0.1 JOIN #lobby\r\n"
        );
        assert_eq!(
            &IRC_ENCODER
                .encode(&join, variant::EXTENDED_JOIN | variant::ACCOUNT_TAG)
                .unwrap()[..],
            b"@account=Alice :alice!a@127.0.0.1 JOIN #lobby Alice :Alice L\r\n"
        );
        let anonymous = envelope(Event::Join {
            source: alice(),
            channel: "#lobby".into(),
        });
        assert_eq!(
            &IRC_ENCODER
                .encode(&anonymous, variant::EXTENDED_JOIN | variant::ACCOUNT_TAG)
                .unwrap()[..],
            b":alice!a@127.0.0.1 JOIN #lobby * :\r\n"
        );
        let notify = envelope(Event::Account {
            source: alice(),
            account: None,
        });
        assert!(IRC_ENCODER.encode(&notify, 0).is_none());
        assert_eq!(
            &IRC_ENCODER
                .encode(&notify, variant::ACCOUNT_NOTIFY)
                .unwrap()[..],
            b":alice!a@127.0.0.1 ACCOUNT *\r\n"
        );
    }

    #[test]
    fn away_and_tagmsg_only_reach_clients_that_asked() {
        let away = envelope(Event::Away {
            source: alice(),
            message: Some("lunch".into()),
        });
        assert!(IRC_ENCODER.encode(&away, 0).is_none());
        assert_eq!(
            &IRC_ENCODER.encode(&away, variant::AWAY_NOTIFY).unwrap()[..],
            b":alice!a@127.0.0.1 AWAY lunch\r\n"
        );
        let tagmsg = envelope(Event::Message {
            source: alice(),
            target: "#lobby".into(),
            private: false,
            kind: MessageKind::Tagmsg,
            text: String::new(),
            msgid: "m".into(),
            client_tags: vec![natter_protocol::Tag::new("+typing", Some("active".into()))],
        });
        assert!(IRC_ENCODER.encode(&tagmsg, variant::SERVER_TIME).is_none());
        assert!(IRC_ENCODER.encode(&tagmsg, variant::MESSAGE_TAGS).is_some());
    }
}
