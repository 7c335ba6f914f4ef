//! The backlog a plain user sees on arrival: readable lines with their time,
//! between two `***` lines so they are not mistaken for live chat.
//!
//! ```text
//! *** Earlier messages in #lobby:
//! [14:03] alice: hi
//! [14:04] * bob waves
//! *** End of earlier messages.
//! ```

use super::encode::{PLAIN_ENCODER, line};
use crate::backlog::clock;
use crate::history::{MessageKind as StoredKind, StoredMessage};
use crate::hub::client::Source;
use crate::hub::event::{Encoder, Envelope, Event, MessageKind};
use bytes::Bytes;
use std::sync::Arc;

/// The lines (with CRLF) showing `messages` of `channel`; none when there are none.
pub fn lines(channel: &str, messages: &[StoredMessage]) -> Vec<Bytes> {
    if messages.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::with_capacity(messages.len() + 2);
    out.push(line(&format!("*** Earlier messages in {channel}:")));
    for stored in messages {
        let Some(text) = describe(stored) else {
            continue;
        };
        out.push(line(&format!("{} {text}", clock(stored.time))));
    }
    out.push(line("*** End of earlier messages."));
    out
}

/// The message as the plain dialect shows it live (`alice: hi`, `* bob waves`).
fn describe(stored: &StoredMessage) -> Option<String> {
    let mut parts = stored.source.splitn(2, '!');
    let nick = parts.next().unwrap_or_default().to_string();
    let (user, host) = parts
        .next()
        .and_then(|rest| rest.split_once('@'))
        .map(|(user, host)| (user.to_string(), host.to_string()))
        .unwrap_or_default();
    let envelope = Envelope {
        event: Event::Message {
            source: Arc::new(Source {
                nick,
                user,
                host,
                account: None,
                realname: String::new(),
                prefix_word: Default::default(),
            }),
            target: stored.target.clone(),
            private: false,
            kind: match stored.kind {
                StoredKind::Privmsg => MessageKind::Privmsg,
                StoredKind::Notice => MessageKind::Notice,
            },
            text: stored.text.clone(),
            msgid: stored.msgid.clone(),
            client_tags: Vec::new(),
        },
        time: stored.time,
    };
    let bytes = PLAIN_ENCODER.encode(&envelope, 0)?;
    Some(String::from_utf8_lossy(&bytes).trim_end().to_string())
}
