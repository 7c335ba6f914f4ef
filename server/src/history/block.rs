//! A block: one conversation's messages of one batch, packed into one value.
//!
//! Storing each message as its own SQLite row costs two B-tree inserts and
//! a bind per column, which made the history writer the most expensive part
//! of a private message. A block stores a run of one conversation's
//! messages as one row instead; its body is the byte format below, encoded
//! by [`BlockBuilder`] and decoded by [`entries`].
//!
//! # Format (version 2, written since schema version 11)
//!
//! ```text
//! body   = version:u8 (= 2)  base_ms:zigzag-varint  entry*
//! entry  = flags:u8  delta_ms:zigzag-varint  msgid  source  target  text
//! flags  = bit 0: NOTICE (else PRIVMSG), bit 1: stray (the msgid names another time),
//!          bit 2: the msgid is one this server made (22 characters, `model::new_msgid`)
//! msgid  = made:     id_delta_ms:zigzag-varint  random:11 bytes (its 84 random bits, big-endian)
//!          else:     length:varint  UTF-8
//! source, target = tag:varint, then for an even tag its (tag >> 1) bytes of UTF-8;
//!          an odd tag is the same text as recent string number (tag >> 1)
//! text   = length:varint  UTF-8
//! ```
//!
//! The recent strings are the last [`RECENT`] sources and targets written
//! out in full in this block, numbered round-robin in order of appearance:
//! within one conversation's block the same few senders and targets come
//! back, and a reference is one byte. A made msgid is stored as its bits
//! (12 bytes for 22) with its time as a difference to the entry's.
//!
//! # Format (version 1, still read)
//!
//! ```text
//! body   = version:u8 (= 1)  base_ms:zigzag-varint  entry*
//! entry  = flags:u8  delta_ms:zigzag-varint
//!          msgid_len:varint source_len:varint target_len:varint text_len:varint
//!          msgid source target text            (UTF-8, back to back)
//! flags  = bit 0: NOTICE (else PRIVMSG), bit 1: stray
//! ```
//!
//! In both, `base_ms` is the first entry's time; each entry's time is
//! `base_ms + delta_ms`, so entries may come in any time order (replayed
//! messages do). Varints are unsigned LEB128; zigzag maps signed to
//! unsigned. Nothing in the body is trusted on decode: a truncated or
//! garbled body is a [`BlockError`], never a panic.

use super::model::{MSGID_LEN, MessageKind, msgid_parts};
pub(crate) use read::{Entries, entries};
use wire::{put_varint, zigzag};

#[path = "block_read.rs"]
mod read;
#[path = "block_wire.rs"]
mod wire;

/// The body format this build writes.
const FORMAT_VERSION: u8 = 2;
/// The first body format, which this build still reads.
const FORMAT_VERSION_1: u8 = 1;
/// Flag bit: the message is a NOTICE.
const FLAG_NOTICE: u8 = 1;
/// Flag bit: the msgid names another millisecond than the message's time.
const FLAG_STRAY: u8 = 2;
/// Flag bit (format 2): the msgid is stored as the bits of one this server made.
const FLAG_MADE_MSGID: u8 = 4;
/// How many recent sources and targets a reference can name (format 2).
const RECENT: usize = 16;
/// Bytes of a made msgid's 84 random bits.
const RANDOM_BYTES: usize = 11;

/// The most messages one block holds: a reader decodes a whole block to use
/// any of it, so blocks stay small enough to decode in microseconds.
pub(crate) const MAX_MESSAGES: usize = 1_024;
/// A block is full once its body reaches this many bytes (one message may
/// take it past: a block always holds at least one message).
pub(crate) const MAX_BYTES: usize = 64 * 1024;

/// The most milliseconds between a block's earliest and latest message
/// (`last_ms - first_ms`): a reader looking for time `t` finds every block
/// that can hold it among those with `last_ms` in `t ..= t + MAX_SPAN_MS`.
/// Live batches span about a commit interval; a replayed burst or a
/// stalled writer starts more blocks.
pub(crate) const MAX_SPAN_MS: i64 = 10_000;

/// One stored message, as a block holds it (the strings borrow the body).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct BlockEntry<'a> {
    /// When the message was sent, in milliseconds since the Unix epoch.
    pub(crate) time_ms: i64,
    /// PRIVMSG or NOTICE.
    pub(crate) kind: MessageKind,
    /// True when `msgid` does not name `time_ms` (see `super::msgid`).
    pub(crate) stray: bool,
    /// The message's IRCv3 msgid.
    pub(crate) msgid: EntryMsgid<'a>,
    /// The sender's `nick!user@host`.
    pub(crate) source: &'a str,
    /// The channel or nick it was sent to, as written.
    pub(crate) target: &'a str,
    /// The message text.
    pub(crate) text: &'a str,
}

/// An entry's msgid: the body's own text, or (format 2) the characters
/// rebuilt from the bits of a msgid this server made.
#[derive(Clone, Copy, Debug)]
pub(crate) enum EntryMsgid<'a> {
    /// Stored as text.
    Text(&'a str),
    /// Rebuilt from its bits (ASCII).
    Made([u8; MSGID_LEN]),
}

impl EntryMsgid<'_> {
    /// The msgid.
    pub(crate) fn as_str(&self) -> &str {
        match self {
            EntryMsgid::Text(text) => text,
            // `msgid_chars` gives only ASCII.
            EntryMsgid::Made(chars) => std::str::from_utf8(chars).unwrap_or_default(),
        }
    }
}

impl<'a> From<&'a str> for EntryMsgid<'a> {
    fn from(text: &'a str) -> EntryMsgid<'a> {
        EntryMsgid::Text(text)
    }
}

impl PartialEq for EntryMsgid<'_> {
    /// The same msgid however it was stored.
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for EntryMsgid<'_> {}

/// Why a block's body could not be decoded: the database holds bytes this
/// build did not write (damage, or a newer natterd's format).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum BlockError {
    /// The body starts with a format version this build does not know.
    #[error("history block has format version {0}, this natterd reads only versions 1 and 2")]
    UnknownVersion(u8),
    /// The body is empty.
    #[error("history block is empty")]
    Empty,
    /// The body ends inside an entry, or an entry is not well formed.
    #[error("history block is damaged at byte {offset}: {what}")]
    Damaged {
        /// Where in the body decoding stopped.
        offset: usize,
        /// What was wrong there.
        what: &'static str,
    },
}

impl From<BlockError> for rusqlite::Error {
    /// Readers run inside rusqlite calls; a damaged block fails the query
    /// like a damaged page would, and the caller names the file.
    fn from(error: BlockError) -> rusqlite::Error {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Blob, Box::new(error))
    }
}

/// Encodes one block's body (format 2), one message at a time. Reusable:
/// [`clear`] keeps the buffer's capacity for the next block.
///
/// [`clear`]: BlockBuilder::clear
#[derive(Debug, Default)]
pub(crate) struct BlockBuilder {
    body: Vec<u8>,
    base_ms: i64,
    first_ms: i64,
    last_ms: i64,
    count: usize,
    /// Where the recent strings lie in `body` (start, length), and how many
    /// were written out in full (the next goes to `written % RECENT`).
    recent: [(u32, u32); RECENT],
    written: usize,
}

impl BlockBuilder {
    /// An empty builder.
    pub(crate) fn new() -> BlockBuilder {
        BlockBuilder::default()
    }

    /// Appends `entry`. The caller checks [`is_full`](Self::is_full) first;
    /// pushing past the limits is allowed (and makes a bigger block).
    pub(crate) fn push(&mut self, entry: &BlockEntry<'_>) {
        let msgid = entry.msgid.as_str();
        self.push_parsed(entry, msgid_parts(msgid));
    }

    /// [`push`](Self::push) for a caller that has decoded the msgid
    /// already: `made` is `model::msgid_parts` of it.
    pub(crate) fn push_parsed(&mut self, entry: &BlockEntry<'_>, made: Option<(i64, u128)>) {
        if self.count == 0 {
            self.body.clear();
            self.body.push(FORMAT_VERSION);
            put_varint(&mut self.body, zigzag(entry.time_ms));
            self.base_ms = entry.time_ms;
            self.first_ms = entry.time_ms;
            self.last_ms = entry.time_ms;
            self.written = 0;
        }
        let mut flags = 0;
        if entry.kind == MessageKind::Notice {
            flags |= FLAG_NOTICE;
        }
        if entry.stray {
            flags |= FLAG_STRAY;
        }
        if made.is_some() {
            flags |= FLAG_MADE_MSGID;
        }
        self.body.push(flags);
        put_varint(
            &mut self.body,
            zigzag(entry.time_ms.wrapping_sub(self.base_ms)),
        );
        match made {
            Some((millis, random)) => {
                put_varint(&mut self.body, zigzag(millis.wrapping_sub(entry.time_ms)));
                let bytes = random.to_be_bytes();
                self.body
                    .extend_from_slice(&bytes[bytes.len() - RANDOM_BYTES..]);
            }
            None => self.put_text(entry.msgid.as_str()),
        }
        self.put_recent(entry.source);
        self.put_recent(entry.target);
        self.put_text(entry.text);
        self.first_ms = self.first_ms.min(entry.time_ms);
        self.last_ms = self.last_ms.max(entry.time_ms);
        self.count += 1;
    }

    fn put_text(&mut self, text: &str) {
        put_varint(&mut self.body, text.len() as u64);
        self.body.extend_from_slice(text.as_bytes());
    }

    /// A source or target: a reference to a recent string equal to it, or
    /// its text (which becomes a recent string).
    fn put_recent(&mut self, text: &str) {
        let known = self.written.min(RECENT);
        let found = self.recent[..known].iter().position(|&(start, len)| {
            let start = start as usize;
            self.body.get(start..start + len as usize) == Some(text.as_bytes())
        });
        if let Some(slot) = found {
            put_varint(&mut self.body, ((slot as u64) << 1) | 1);
            return;
        }
        put_varint(&mut self.body, (text.len() as u64) << 1);
        // Past 4 GiB (never, blocks are ~64 KiB) a string is just not remembered.
        if let (Ok(start), Ok(len)) = (u32::try_from(self.body.len()), u32::try_from(text.len())) {
            self.recent[self.written % RECENT] = (start, len);
            self.written += 1;
        }
        self.body.extend_from_slice(text.as_bytes());
    }

    /// True when the block holds [`MAX_MESSAGES`] or [`MAX_BYTES`]: start another.
    pub(crate) fn is_full(&self) -> bool {
        self.count >= MAX_MESSAGES || self.body.len() >= MAX_BYTES
    }

    /// Whether a message at `time_ms` keeps the block within
    /// [`MAX_SPAN_MS`] (always true for an empty block).
    pub(crate) fn fits(&self, time_ms: i64) -> bool {
        self.count == 0
            || self
                .last_ms
                .max(time_ms)
                .abs_diff(self.first_ms.min(time_ms))
                <= MAX_SPAN_MS as u64
    }

    /// True before the first [`push`](Self::push) (and after [`clear`](Self::clear)).
    pub(crate) fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// How many messages the block holds.
    pub(crate) fn count(&self) -> usize {
        self.count
    }

    /// The earliest message time in the block (0 when empty).
    pub(crate) fn first_ms(&self) -> i64 {
        self.first_ms
    }

    /// The latest message time in the block (0 when empty).
    pub(crate) fn last_ms(&self) -> i64 {
        self.last_ms
    }

    /// The encoded body (empty when no message was pushed).
    pub(crate) fn body(&self) -> &[u8] {
        if self.count == 0 { &[] } else { &self.body }
    }

    /// Forgets the messages, keeps the buffer.
    pub(crate) fn clear(&mut self) {
        self.body.clear();
        self.count = 0;
        self.base_ms = 0;
        self.first_ms = 0;
        self.last_ms = 0;
        self.written = 0;
    }
}

#[cfg(test)]
#[path = "block_tests.rs"]
mod tests;
