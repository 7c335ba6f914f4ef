//! A message on its way to the writer thread, as the writer reads it: a
//! borrowed view of one message packed in [`super::records::Records`].
//!
//! Every text field lies back to back (msgid, `nick!user@host`, target,
//! text, and the conversation's stored key, so the writer finds the
//! conversation's row without formatting anything).

use super::model::MessageKind;

/// One message queued for history, borrowed from the buffer it was packed
/// into (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueuedMessage<'a> {
    /// msgid, source, target, text and conversation key, back to back.
    packed: &'a str,
    /// Where the msgid, source, target and text end in `packed` (the key
    /// runs from the last to the end).
    ends: [usize; 4],
    time_ms: i64,
    kind: MessageKind,
    /// For a private conversation: whether the sender is its first peer
    /// (which nick names which side); always true for a channel.
    actor_is_a: bool,
    /// Whether the store may hold it already: a message that came in as a
    /// [`super::StoredMessage`] (another node's, a cluster catch-up, a
    /// backlog) rather than one this server just gave a fresh msgid. The
    /// writer checks only these for duplicates (see `super::batch`).
    replayed: bool,
}

impl<'a> QueuedMessage<'a> {
    /// The view of a packed message (`super::records` packs them).
    pub(super) fn from_parts(
        packed: &'a str,
        ends: [usize; 4],
        time_ms: i64,
        kind: MessageKind,
        actor_is_a: bool,
        replayed: bool,
    ) -> QueuedMessage<'a> {
        QueuedMessage {
            packed,
            ends,
            time_ms,
            kind,
            actor_is_a,
            replayed,
        }
    }

    /// The `msgid` tag it was delivered with.
    pub fn msgid(&self) -> &'a str {
        self.packed.get(..self.ends[0]).unwrap_or_default()
    }

    /// `nick!user@host` as seen on the wire.
    pub fn source(&self) -> &'a str {
        self.packed
            .get(self.ends[0]..self.ends[1])
            .unwrap_or_default()
    }

    /// The nick part of [`source`](Self::source).
    pub fn source_nick(&self) -> &'a str {
        let source = self.source();
        source.split('!').next().unwrap_or(source)
    }

    /// The channel name or recipient nick, as the sender wrote it.
    pub fn target(&self) -> &'a str {
        self.packed
            .get(self.ends[1]..self.ends[2])
            .unwrap_or_default()
    }

    /// The message text.
    pub fn text(&self) -> &'a str {
        self.packed
            .get(self.ends[2]..self.ends[3])
            .unwrap_or_default()
    }

    /// The conversation's stored key ([`super::Conversation::key`]).
    pub fn key(&self) -> &'a str {
        self.packed.get(self.ends[3]..).unwrap_or_default()
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
    pub(crate) fn peers(&self) -> Peers<'a> {
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

/// The stored key's prefix for a channel ([`super::Conversation::key`]).
pub(super) const CHANNEL_PREFIX: &str = "chan:";
/// The stored key's prefix for a private conversation.
pub(super) const PRIVATE_PREFIX: &str = "priv:";

/// The two peers of a `priv:LEN:A:B` key.
fn split_private_key(key: &str) -> Option<(&str, &str)> {
    let rest = key.strip_prefix(PRIVATE_PREFIX)?;
    let (len, rest) = rest.split_once(':')?;
    let len: usize = len.parse().ok()?;
    let a = rest.get(..len)?;
    let b = rest.get(len..)?.strip_prefix(':')?;
    Some((a, b))
}

#[cfg(test)]
#[path = "queued_tests.rs"]
mod tests;
