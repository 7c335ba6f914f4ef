//! Turns hub events into IRC lines, once per combination of the capabilities
//! that change the bytes (server-time, message-tags, away-notify).

use crate::hub::client::Source;
use crate::hub::event::{Encoder, Envelope, Event, MessageKind};
use bytes::Bytes;
use chrono::{DateTime, SecondsFormat, Utc};
use natter_protocol::{LineWriter, Message};

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

/// IRC's line limit without tags, CRLF included (512 bytes).
pub const MAX_LINE: usize = natter_protocol::LINE_BODY_MAX + 2;

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
        if let Event::Message {
            source,
            target,
            kind: kind @ (MessageKind::Privmsg | MessageKind::Notice),
            text,
            msgid,
            client_tags,
            ..
        } = &envelope.event
            && distinct_keys(client_tags)
        {
            let message = TextMessage {
                source,
                command: kind.command(),
                target,
                text,
                msgid,
                client_tags,
            };
            return Some(message.encode(envelope.time, variant));
        }
        encode_event(envelope, variant)
    }
}

/// Any event, through a [`Message`]: what [`IrcEncoder`] does for all but
/// PRIVMSG and NOTICE, and the reference [`TextMessage`] must match.
fn encode_event(envelope: &Envelope, variant: u8) -> Option<Bytes> {
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

/// Whether no two client tags share a key (a parsed message's never do; a
/// [`Message`] would keep only the last of each, which [`TextMessage`] does not).
fn distinct_keys(tags: &[natter_protocol::Tag]) -> bool {
    tags.iter()
        .enumerate()
        .all(|(index, tag)| tags[..index].iter().all(|earlier| earlier.key != tag.key))
}

/// PRIVMSG or NOTICE with text: every chat message, each encoded once per
/// format for every recipient. Written straight from the event with
/// [`LineWriter`] (one allocation, one pass) instead of through a
/// [`Message`] (clones of every piece, the prefix formatted, the line
/// measured twice): the same bytes as [`encode_event`], which a property
/// test checks.
struct TextMessage<'a> {
    source: &'a Source,
    command: &'static str,
    target: &'a str,
    text: &'a str,
    msgid: &'a str,
    client_tags: &'a [natter_protocol::Tag],
}

impl TextMessage<'_> {
    fn encode(&self, time: DateTime<Utc>, variant: u8) -> Bytes {
        let source = self.source;
        let prefix_len = source.nick.len() + source.user.len() + source.host.len() + 2;
        let text = self.fitted_text(prefix_len);
        let tags = variant & variant::MESSAGE_TAGS != 0;
        let account = source
            .account
            .as_deref()
            .filter(|_| variant & variant::ACCOUNT_TAG != 0);
        let mut capacity = prefix_len + self.command.len() + self.target.len() + text.len() + 8;
        if variant & (variant::SERVER_TIME | variant::MESSAGE_TAGS) != 0 {
            capacity += 40 + self.msgid.len() + account.map_or(0, |a| a.len() + 9);
        }
        let mut line = LineWriter::with_capacity(capacity);
        if variant & (variant::SERVER_TIME | variant::MESSAGE_TAGS) != 0 {
            line.tag("time", Some(&format_time(time)));
        }
        if let Some(account) = account {
            line.tag("account", Some(account));
        }
        if tags {
            line.tag("msgid", Some(self.msgid));
            for tag in self.client_tags {
                line.tag(&tag.key, tag.value.as_deref());
            }
        }
        line.source(&[&source.nick, "!", &source.user, "@", &source.host]);
        line.command(self.command);
        line.middle(self.target);
        Bytes::from(line.last(text))
    }

    /// The text, cut (as [`fit_to_line`] cuts it) so that the line without
    /// tags fits [`MAX_LINE`]. Every piece is written at its own length (an
    /// empty target as `*`), so the length is known without writing it.
    fn fitted_text(&self, prefix_len: usize) -> &str {
        let text = self.text;
        let head = 1 + prefix_len + 1 + self.command.len() + 1 + self.target.len().max(1) + 1;
        let length =
            head + usize::from(natter_protocol::message::line::needs_colon(text)) + text.len() + 2;
        let over = length.saturating_sub(MAX_LINE);
        if over == 0 {
            return text;
        }
        let mut end = text.len().saturating_sub(over);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        &text[..end]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
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

    fn piece(max: usize) -> impl Strategy<Value = String> {
        // Spaces, line breaks, NUL, ':' and multi-byte characters exercise
        // every escaping rule and the cut at a character boundary.
        proptest::string::string_regex(&format!("[a-z0-9 :;=\\\\\r\n\0é日@!#+-]{{0,{max}}}"))
            .unwrap()
    }

    proptest! {
        /// PRIVMSG and NOTICE take the fast path; it must write exactly
        /// what the general path (through a `Message`) writes, cut included.
        #[test]
        fn text_messages_encode_as_the_general_path_does(
            nick in piece(12),
            user in piece(8),
            host in piece(20),
            account in proptest::option::of(piece(10)),
            target in piece(12),
            text in prop_oneof![piece(40), piece(600)],
            notice in any::<bool>(),
            msgid in piece(8),
            client_tags in proptest::collection::vec(("\\+[a-z/]{1,6}", proptest::option::of(piece(8))), 0..3),
            variant in 0u8..64,
        ) {
            let envelope = envelope(Event::Message {
                source: Arc::new(Source { nick, user, host, account, realname: String::new() }),
                target,
                private: false,
                kind: if notice { MessageKind::Notice } else { MessageKind::Privmsg },
                text,
                msgid,
                client_tags: client_tags
                    .into_iter()
                    .map(|(key, value)| natter_protocol::Tag::new(key, value))
                    .collect(),
            });
            prop_assert_eq!(IRC_ENCODER.encode(&envelope, variant), encode_event(&envelope, variant));
        }
    }

    #[test]
    fn a_long_text_is_cut_to_the_line_limit_at_a_character_boundary() {
        let mut message = privmsg();
        if let Event::Message {
            text, client_tags, ..
        } = &mut message.event
        {
            *text = "日".repeat(300);
            client_tags.push(natter_protocol::Tag::new(
                "+draft/reply",
                Some("again".into()),
            ));
        }
        let plain = IRC_ENCODER.encode(&message, 0).unwrap();
        assert!(
            plain.len() <= MAX_LINE && plain.len() > MAX_LINE - 3,
            "{}",
            plain.len()
        );
        assert!(std::str::from_utf8(&plain).is_ok());
        // Duplicate client tags take the general path, which keeps the last.
        let tagged = IRC_ENCODER.encode(&message, variant::MESSAGE_TAGS).unwrap();
        assert!(
            std::str::from_utf8(&tagged)
                .unwrap()
                .contains("+draft/reply=again :alice")
        );
    }
}
