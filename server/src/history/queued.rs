//! A message on its way to the writer thread, packed into one allocation.
//!
//! The hub queues a message under its destination's order lock, and the
//! writer thread frees it after the commit. As a [`StoredMessage`] that was
//! about eight allocations per message (msgid, `nick!user@host`, target and
//! text copies, both identities and their keys), each freed on another thread
//! than the one that made it: with history on, that churn was a fifth of the
//! whisper path's CPU. A [`QueuedMessage`] is one buffer holding every text
//! field back to back, written straight from the pieces the hub already has
//! (no intermediate `format!`), plus the conversation's stored key, so the
//! writer finds the conversation's row without formatting anything either.

use super::model::{Conversation, MessageKind, StoredMessage};
use chrono::{DateTime, Utc};
use std::cmp::Ordering;

/// Where a message belongs, as the pieces the hub holds (nothing allocated).
#[derive(Debug, Clone, Copy)]
pub enum Between<'a> {
    /// A channel, by case-folded name.
    Channel(&'a str),
    /// A private conversation: the sender's and the recipient's identity
    /// keys, each the concatenation of its pieces (e.g. `["account:", "bob"]`).
    Private {
        /// The sender's identity key.
        sender: [&'a str; 2],
        /// The recipient's identity key.
        recipient: [&'a str; 2],
    },
}

/// One message queued for history: msgid, source, target, text and the
/// conversation's key in one buffer (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedMessage {
    /// msgid, source, target, text and conversation key, back to back.
    packed: Box<str>,
    /// Where the msgid, source, target and text end in `packed` (the key
    /// runs from the last to the end).
    ends: [usize; 4],
    time_ms: i64,
    kind: MessageKind,
    /// For a private conversation: whether the sender is its first peer
    /// (which nick names which side); always true for a channel.
    actor_is_a: bool,
    /// Whether the store may hold it already: a message that came in as a
    /// [`StoredMessage`] (another node's, a cluster catch-up, a backlog)
    /// rather than one this server just gave a fresh msgid. The writer checks
    /// only these for duplicates (see `super::batch`).
    replayed: bool,
}

impl QueuedMessage {
    /// A message as the hub says it: `source` is `nick`, `user` and `host`
    /// (stored as `nick!user@host`).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        msgid: &str,
        time: DateTime<Utc>,
        kind: MessageKind,
        source: [&str; 3],
        target: &str,
        text: &str,
        between: Between<'_>,
    ) -> QueuedMessage {
        let [nick, user, host] = source;
        Self::build(
            msgid,
            time,
            kind,
            &[nick, "!", user, "@", host],
            target,
            text,
            between,
        )
    }

    fn build(
        msgid: &str,
        time: DateTime<Utc>,
        kind: MessageKind,
        source: &[&str],
        target: &str,
        text: &str,
        between: Between<'_>,
    ) -> QueuedMessage {
        let source_len: usize = source.iter().map(|piece| piece.len()).sum();
        let (key_len, actor_is_a) = key_shape(&between);
        let mut packed =
            String::with_capacity(msgid.len() + source_len + target.len() + text.len() + key_len);
        packed.push_str(msgid);
        let msgid_end = packed.len();
        source.iter().for_each(|piece| packed.push_str(piece));
        let source_end = packed.len();
        packed.push_str(target);
        let target_end = packed.len();
        packed.push_str(text);
        let text_end = packed.len();
        push_key(&mut packed, &between, actor_is_a);
        QueuedMessage {
            packed: packed.into_boxed_str(),
            ends: [msgid_end, source_end, target_end, text_end],
            time_ms: time.timestamp_millis(),
            kind,
            actor_is_a,
            replayed: false,
        }
    }

    /// The `msgid` tag it was delivered with.
    pub fn msgid(&self) -> &str {
        &self.packed[..self.ends[0]]
    }

    /// `nick!user@host` as seen on the wire.
    pub fn source(&self) -> &str {
        &self.packed[self.ends[0]..self.ends[1]]
    }

    /// The nick part of [`source`](Self::source).
    pub fn source_nick(&self) -> &str {
        let source = self.source();
        source.split('!').next().unwrap_or(source)
    }

    /// The channel name or recipient nick, as the sender wrote it.
    pub fn target(&self) -> &str {
        &self.packed[self.ends[1]..self.ends[2]]
    }

    /// The message text.
    pub fn text(&self) -> &str {
        &self.packed[self.ends[2]..self.ends[3]]
    }

    /// The conversation's stored key ([`Conversation::key`]).
    pub fn key(&self) -> &str {
        &self.packed[self.ends[3]..]
    }

    /// Server time in milliseconds since 1970.
    pub fn time_ms(&self) -> i64 {
        self.time_ms
    }

    /// PRIVMSG or NOTICE.
    pub fn kind(&self) -> MessageKind {
        self.kind
    }

    /// Whether the store may already hold this msgid (see the field).
    pub(crate) fn replayed(&self) -> bool {
        self.replayed
    }

    /// Whether it belongs to the channel `folded`.
    pub fn in_channel(&self, folded: &str) -> bool {
        self.key()
            .strip_prefix(CHANNEL_PREFIX)
            .is_some_and(|name| name == folded)
    }

    /// The conversation's peers (a channel has one) and the display name the
    /// message gives each, for the conversation's row.
    pub(crate) fn peers(&self) -> Peers<'_> {
        let key = self.key();
        if let Some(name) = key.strip_prefix(CHANNEL_PREFIX) {
            return Peers {
                a: name,
                b: None,
                display_a: self.target(),
                display_b: None,
            };
        }
        let (a, b) = split_private_key(key).unwrap_or((key, ""));
        let (sender, recipient) = (self.source_nick(), self.target());
        let (display_a, display_b) = if self.actor_is_a {
            (sender, recipient)
        } else {
            (recipient, sender)
        };
        Peers {
            a,
            b: Some(b),
            display_a,
            display_b: Some(display_b),
        }
    }
}

/// A conversation's peers and display names, as [`QueuedMessage::peers`] reads them.
pub(crate) struct Peers<'a> {
    pub(crate) a: &'a str,
    pub(crate) b: Option<&'a str>,
    pub(crate) display_a: &'a str,
    pub(crate) display_b: Option<&'a str>,
}

const CHANNEL_PREFIX: &str = "chan:";
const PRIVATE_PREFIX: &str = "priv:";

/// The key's length and whether the sender is the first peer. Peers are
/// ordered as [`Conversation::private`] orders them (as strings).
fn key_shape(between: &Between<'_>) -> (usize, bool) {
    match between {
        Between::Channel(name) => (CHANNEL_PREFIX.len() + name.len(), true),
        Between::Private { sender, recipient } => {
            let (sender_len, recipient_len) = (pieces_len(sender), pieces_len(recipient));
            let sender_is_a = sender_first(sender, recipient);
            let a_len = if sender_is_a {
                sender_len
            } else {
                recipient_len
            };
            let digits = a_len.checked_ilog10().unwrap_or(0) as usize + 1;
            (
                PRIVATE_PREFIX.len() + digits + 1 + sender_len + 1 + recipient_len,
                sender_is_a,
            )
        }
    }
}

/// Appends [`Conversation::key`]'s format: `chan:NAME` or `priv:LEN:A:B`.
fn push_key(packed: &mut String, between: &Between<'_>, sender_is_a: bool) {
    match between {
        Between::Channel(name) => {
            packed.push_str(CHANNEL_PREFIX);
            packed.push_str(name);
        }
        Between::Private { sender, recipient } => {
            let (a, b) = if sender_is_a {
                (sender, recipient)
            } else {
                (recipient, sender)
            };
            packed.push_str(PRIVATE_PREFIX);
            push_decimal(packed, pieces_len(a));
            packed.push(':');
            a.iter().for_each(|piece| packed.push_str(piece));
            packed.push(':');
            b.iter().for_each(|piece| packed.push_str(piece));
        }
    }
}

fn pieces_len(pieces: &[&str]) -> usize {
    pieces.iter().map(|piece| piece.len()).sum()
}

/// Appends `n` in decimal (what `write!` would, without the formatting
/// machinery: this runs once per whisper under the order lock).
fn push_decimal(packed: &mut String, mut n: usize) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        // A digit is 0..=9, so the cast and the char are exact.
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    digits[start..]
        .iter()
        .for_each(|&digit| packed.push(char::from(digit)));
}

/// `sender <= recipient`, comparing the concatenations as strings compare.
fn sender_first(sender: &[&str], recipient: &[&str]) -> bool {
    compare_concatenations(sender, recipient) != Ordering::Greater
}

/// Compares the concatenations of `a`'s and `b`'s pieces without building
/// them: slice against slice (a `memcmp` each), not byte by byte through
/// iterators (that was ~1.5% of a whisper's CPU with history on).
fn compare_concatenations(a: &[&str], b: &[&str]) -> Ordering {
    let mut a = a.iter().map(|piece| piece.as_bytes());
    let mut b = b.iter().map(|piece| piece.as_bytes());
    let (mut left, mut right): (&[u8], &[u8]) = (&[], &[]);
    loop {
        while left.is_empty() {
            match a.next() {
                Some(piece) => left = piece,
                None => break,
            }
        }
        while right.is_empty() {
            match b.next() {
                Some(piece) => right = piece,
                None => break,
            }
        }
        if left.is_empty() || right.is_empty() {
            return left.len().cmp(&right.len());
        }
        let common = left.len().min(right.len());
        let (head_left, rest_left) = left.split_at(common);
        let (head_right, rest_right) = right.split_at(common);
        match head_left.cmp(head_right) {
            Ordering::Equal => (left, right) = (rest_left, rest_right),
            unequal => return unequal,
        }
    }
}

/// The two peers of a `priv:LEN:A:B` key.
fn split_private_key(key: &str) -> Option<(&str, &str)> {
    let rest = key.strip_prefix(PRIVATE_PREFIX)?;
    let (len, rest) = rest.split_once(':')?;
    let len: usize = len.parse().ok()?;
    let a = rest.get(..len)?;
    let b = rest.get(len..)?.strip_prefix(':')?;
    Some((a, b))
}

impl From<&StoredMessage> for QueuedMessage {
    fn from(message: &StoredMessage) -> QueuedMessage {
        let between = match &message.conversation {
            Conversation::Channel(name) => Between::Channel(name),
            Conversation::Private(pair) => {
                let (sender, recipient) = if pair.actor_is_a() {
                    (pair.a(), pair.b())
                } else {
                    (pair.b(), pair.a())
                };
                Between::Private {
                    sender: [sender, ""],
                    recipient: [recipient, ""],
                }
            }
        };
        let mut queued = QueuedMessage::build(
            &message.msgid,
            message.time,
            message.kind,
            &[&message.source],
            &message.target,
            &message.text,
            between,
        );
        queued.replayed = true;
        queued
    }
}

impl From<StoredMessage> for QueuedMessage {
    fn from(message: StoredMessage) -> QueuedMessage {
        QueuedMessage::from(&message)
    }
}

#[cfg(test)]
#[path = "queued_tests.rs"]
mod tests;
