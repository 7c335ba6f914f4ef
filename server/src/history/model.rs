//! What is stored: messages, the conversation they belong to, and their ids.

use chrono::{DateTime, Utc};

/// Which IRC command carried a stored message (`/me` is a PRIVMSG with CTCP ACTION).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MessageKind {
    /// `PRIVMSG`.
    Privmsg,
    /// `NOTICE`.
    Notice,
}

impl MessageKind {
    /// The IRC command name.
    pub fn command(self) -> &'static str {
        match self {
            MessageKind::Privmsg => "PRIVMSG",
            MessageKind::Notice => "NOTICE",
        }
    }

    pub(crate) fn from_column(value: i64) -> MessageKind {
        if value == 1 {
            MessageKind::Notice
        } else {
            MessageKind::Privmsg
        }
    }
}

/// The two case-folded participants of a private conversation, sorted, so that
/// alice→bob and bob→alice are one conversation.
///
/// The fields are private: the only way to name a private conversation is
/// [`Conversation::private`], whose first argument is the person acting (the
/// sender when recording, the viewer when querying). A viewer can therefore only
/// ever ask for conversations they are part of.
#[derive(Clone, Debug)]
pub struct PrivatePair {
    a: String,
    b: String,
    /// Whether the acting person (first constructor argument) is `a`; lets the
    /// writer tell which display name belongs to whom. Not part of equality.
    actor_is_a: bool,
}

impl PrivatePair {
    /// The participant that sorts first.
    pub fn a(&self) -> &str {
        &self.a
    }

    /// The participant that sorts second (equal to `a` for a note to oneself).
    pub fn b(&self) -> &str {
        &self.b
    }

    /// Whether the acting person is `a` (see [`Conversation::private`]).
    pub(crate) fn actor_is_a(&self) -> bool {
        self.actor_is_a
    }
}

impl PartialEq for PrivatePair {
    fn eq(&self, other: &PrivatePair) -> bool {
        self.a == other.a && self.b == other.b
    }
}

impl Eq for PrivatePair {}

impl std::hash::Hash for PrivatePair {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.a.hash(state);
        self.b.hash(state);
    }
}

/// The history a message belongs to: a channel or a private conversation.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Conversation {
    /// A channel, by its case-folded name.
    Channel(String),
    /// A private conversation between two case-folded nicks.
    Private(PrivatePair),
}

impl Conversation {
    /// A channel's conversation; `folded_name` must already be case-folded.
    pub fn channel(folded_name: impl Into<String>) -> Conversation {
        Conversation::Channel(folded_name.into())
    }

    /// The private conversation between `me` and `other` (both case-folded).
    ///
    /// `me` is the sender when recording and the viewer when querying: build
    /// query conversations from the requesting client's own nick, never from
    /// request parameters, and private history stays with its participants.
    pub fn private(me: impl Into<String>, other: impl Into<String>) -> Conversation {
        let (me, other) = (me.into(), other.into());
        let pair = if me <= other {
            PrivatePair {
                a: me,
                b: other,
                actor_is_a: true,
            }
        } else {
            PrivatePair {
                a: other,
                b: me,
                actor_is_a: false,
            }
        };
        Conversation::Private(pair)
    }

    /// The stored key; unambiguous between channels and pairs whatever the names contain.
    pub fn key(&self) -> String {
        match self {
            Conversation::Channel(name) => format!("chan:{name}"),
            Conversation::Private(pair) => format!("priv:{}:{}:{}", pair.a.len(), pair.a, pair.b),
        }
    }
}

/// One stored PRIVMSG or NOTICE, with what is needed to replay it as it was sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredMessage {
    /// The `msgid` tag it was delivered with (see [`new_msgid`]).
    pub msgid: String,
    /// The server time it was delivered with (stored with millisecond precision).
    pub time: DateTime<Utc>,
    /// The history it belongs to.
    pub conversation: Conversation,
    /// PRIVMSG or NOTICE.
    pub kind: MessageKind,
    /// `nick!user@host` as seen on the wire.
    pub source: String,
    /// The channel name or recipient nick, as the sender wrote it.
    pub target: String,
    /// The message text.
    pub text: String,
}

impl StoredMessage {
    /// The nick part of [`source`](Self::source).
    pub fn source_nick(&self) -> &str {
        self.source.split('!').next().unwrap_or(&self.source)
    }
}

/// The 64 characters of RFC 4648 base64url, in ASCII order: msgids are safe
/// in tags, URLs and file names, and compare as bytes the way their bits do.
const MSGID_ALPHABET: &[u8; 64] =
    b"-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";

/// A new message id: 22 characters of 6 bits, the first 8 the current time
/// in milliseconds (48 bits) and the other 14 random (84 bits).
///
/// Time first makes ids of one server nearly ascending, so storing them
/// appends to the end of the `msgid` index instead of touching a random page
/// of it per message (a random id cost one page write per stored message);
/// 84 random bits keep ids unguessable and unique across runs and servers.
pub fn new_msgid() -> String {
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_millis() as u64);
    new_msgid_at(millis)
}

/// [`new_msgid`] for a message stamped at `millis` (since 1970): the hub
/// reads the clock once per message for its id, its server time and its
/// sender's activity.
pub fn new_msgid_at(millis: u64) -> String {
    msgid_from(millis, fastrand::u128(..))
}

/// How far (ms) a msgid's own time may be from its message's server time
/// for the store to find the message by the msgid's time (see
/// [`msgid_time_ms`]); a message further off is filed as a stray.
pub(crate) const MSGID_TIME_SLACK_MS: i64 = 1_000;

/// The time (ms since 1970) a msgid made by [`new_msgid`] carries in its
/// first 8 characters, or None for an id of another shape (another server's,
/// an older natterd's, a client's guess).
///
/// The store needs no index on msgid for this server's own messages: a
/// message's id names its millisecond (within [`MSGID_TIME_SLACK_MS`] of its
/// server time, which is read right after the id is made), so the
/// (conversation, time_ms) index finds it.
pub(crate) fn msgid_time_ms(msgid: &str) -> Option<i64> {
    msgid_parts(msgid).map(|(millis, _)| millis)
}

/// How many characters a msgid made by [`new_msgid`] has.
pub(crate) const MSGID_LEN: usize = 22;

/// The time (ms since 1970, 48 bits) and random part (84 bits) of a msgid
/// made by [`new_msgid`], or None for an id of another shape. The inverse
/// of [`msgid_chars`]: a block stores this server's msgids as these bits.
pub(crate) fn msgid_parts(msgid: &str) -> Option<(i64, u128)> {
    let bytes: &[u8; MSGID_LEN] = msgid.as_bytes().try_into().ok()?;
    let (time, random) = bytes.split_at(8);
    // 8 characters are 48 bits: the time always fits an i64.
    Some((msgid_digits(time)? as i64, msgid_digits(random)?))
}

/// The value of `chars` read as digits of [`MSGID_ALPHABET`], 6 bits each,
/// most significant first; None if one is not in the alphabet.
fn msgid_digits(chars: &[u8]) -> Option<u128> {
    chars.iter().try_fold(0u128, |value, &char| {
        let digit = MSGID_DIGITS[usize::from(char)];
        (digit >= 0).then_some((value << 6) | digit as u128)
    })
}

/// Each byte's value in [`MSGID_ALPHABET`], -1 for bytes not in it (the
/// writer decodes every stored message's msgid: a table, not a search).
const MSGID_DIGITS: [i8; 256] = {
    let mut digits = [-1; 256];
    let mut value = 0;
    while value < MSGID_ALPHABET.len() {
        digits[MSGID_ALPHABET[value] as usize] = value as i8;
        value += 1;
    }
    digits
};

/// The msgid for a time (milliseconds since 1970) and random bits.
pub(super) fn msgid_from(millis: u64, random: u128) -> String {
    // ASCII, so the bytes are the text: collecting them as chars encoded
    // each one as UTF-8 into a growing String (~3% of a whisper's CPU), and
    // from_utf8_lossy's chunk by chunk walk cost ~15% more than a plain check.
    std::str::from_utf8(&msgid_chars(millis, random))
        .unwrap_or_default()
        .to_owned()
}

/// [`msgid_from`]'s characters (ASCII): the low 48 bits of `millis`, then
/// the low 84 bits of `random`, 6 bits a character.
pub(crate) fn msgid_chars(millis: u64, random: u128) -> [u8; MSGID_LEN] {
    let mut id = [0; MSGID_LEN];
    let (time, rest) = id.split_at_mut(8);
    for (at, char) in time.iter_mut().enumerate() {
        *char = MSGID_ALPHABET[((millis >> ((7 - at) * 6)) & 63) as usize];
    }
    for (at, char) in rest.iter_mut().enumerate() {
        *char = MSGID_ALPHABET[((random >> ((13 - at) * 6)) & 63) as usize];
    }
    id
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn history_private_conversation_is_symmetric_and_keyed_unambiguously() {
        assert_eq!(
            Conversation::private("bob", "alice"),
            Conversation::private("alice", "bob")
        );
        assert_eq!(
            Conversation::private("bob", "alice").key(),
            Conversation::private("alice", "bob").key()
        );
        assert_ne!(
            Conversation::private("a b", "c").key(),
            Conversation::private("a", "b c").key()
        );
        assert_ne!(
            Conversation::channel("#x").key(),
            Conversation::private("#x", "#x").key()
        );
        let Conversation::Private(pair) = Conversation::private("bob", "alice") else {
            panic!("not private")
        };
        assert_eq!(
            (pair.a(), pair.b(), pair.actor_is_a()),
            ("alice", "bob", false)
        );
    }

    #[test]
    fn history_msgids_sort_by_time_whatever_their_random_part() {
        let earlier = msgid_from(1_700_000_000_000, u128::MAX);
        let later = msgid_from(1_700_000_000_001, 0);
        assert!(earlier < later, "{earlier} < {later}");
        assert_eq!(earlier.len(), 22);
        assert_ne!(
            msgid_from(5, 1),
            msgid_from(5, 2),
            "the random part is in the id"
        );
        let mut ids: Vec<String> = (0..1000).map(|n| msgid_from(n * 1000, 7)).collect();
        let in_order = ids.clone();
        ids.sort();
        assert_eq!(ids, in_order);
    }

    #[test]
    fn history_msgids_name_their_millisecond() {
        assert_eq!(
            msgid_time_ms(&msgid_from(1_700_000_000_123, u128::MAX)),
            Some(1_700_000_000_123)
        );
        assert_eq!(msgid_time_ms(&msgid_from(0, 0)), Some(0));
        let now = chrono::Utc::now().timestamp_millis();
        let id = new_msgid();
        let named = msgid_time_ms(&id).unwrap_or_default();
        assert!(
            (named - now).abs() <= MSGID_TIME_SLACK_MS,
            "{id}: {named} vs {now}"
        );
        for other in [
            "",
            "abc",
            "0123456789012345678901x",
            "01234567.9012345678901",
        ] {
            assert_eq!(msgid_time_ms(other), None, "{other:?}");
        }
    }

    #[test]
    fn history_msgid_parts_give_back_the_time_and_random_bits() {
        for (millis, random) in [(0, 0), (1_700_000_000_123, (1u128 << 84) - 1), (42, 0x5a5a)] {
            let id = msgid_from(millis, random);
            assert_eq!(msgid_parts(&id), Some((millis as i64, random)));
            assert_eq!(msgid_chars(millis, random), id.as_bytes());
        }
        let id = new_msgid();
        let (millis, random) = msgid_parts(&id).unwrap();
        assert_eq!(msgid_from(millis as u64, random), id);
        for other in [
            "",
            "short",
            "0123456789012345678901!",
            "012345678901234567890!",
        ] {
            assert_eq!(msgid_parts(other), None, "{other:?}");
        }
    }

    #[test]
    fn history_msgids_are_unique_and_url_safe() {
        let ids: HashSet<String> = (0..10_000).map(|_| new_msgid()).collect();
        assert_eq!(ids.len(), 10_000);
        for id in ids.iter().take(100) {
            assert_eq!(id.len(), 22);
            assert!(
                id.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            );
        }
    }
}
