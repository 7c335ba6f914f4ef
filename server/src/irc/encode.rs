//! Turns hub events into IRC lines, once per combination of the capabilities
//! that change the bytes (server-time, message-tags, away-notify).
//!
//! Two paths write the same bytes: `general` builds a `Message` for any
//! event; `text` writes PRIVMSG and NOTICE, nearly all the traffic, in one
//! pass (a property test holds it to the general path).

mod general;
#[cfg(test)]
mod tests;
mod text;

use crate::hub::event::{Encoder, Envelope, Event, MessageKind};
use bytes::Bytes;
use chrono::{DateTime, SecondsFormat, Utc};
use general::encode_event;
use text::{TextMessage, distinct_keys};

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
