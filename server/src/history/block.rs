//! A block: one conversation's messages of one batch, packed into one value.
//!
//! Storing each message as its own SQLite row costs two B-tree inserts and
//! a bind per column, which made the history writer the most expensive part
//! of a private message. A block stores a run of one conversation's
//! messages as one row instead; its body is the byte format below, encoded
//! by [`BlockBuilder`] and decoded by [`entries`].
//!
//! # Format (version 1)
//!
//! ```text
//! body   = version:u8 (= 1)  base_ms:zigzag-varint  entry*
//! entry  = flags:u8  delta_ms:zigzag-varint
//!          msgid_len:varint source_len:varint target_len:varint text_len:varint
//!          msgid source target text            (UTF-8, back to back)
//! flags  = bit 0: NOTICE (else PRIVMSG), bit 1: stray (the msgid names another time)
//! ```
//!
//! `base_ms` is the first entry's time; each entry's time is `base_ms +
//! delta_ms`, so entries may come in any time order (replayed messages do).
//! Varints are unsigned LEB128; zigzag maps signed to unsigned. Nothing in
//! the body is trusted on decode: a truncated or garbled body is a
//! [`BlockError`], never a panic.

use super::model::MessageKind;

/// The only body format this build writes and reads.
const FORMAT_VERSION: u8 = 1;
/// Flag bit: the message is a NOTICE.
const FLAG_NOTICE: u8 = 1;
/// Flag bit: the msgid names another millisecond than the message's time.
const FLAG_STRAY: u8 = 2;

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
    pub(crate) msgid: &'a str,
    /// The sender's `nick!user@host`.
    pub(crate) source: &'a str,
    /// The channel or nick it was sent to, as written.
    pub(crate) target: &'a str,
    /// The message text.
    pub(crate) text: &'a str,
}

/// Why a block's body could not be decoded: the database holds bytes this
/// build did not write (damage, or a newer natterd's format).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum BlockError {
    /// The body starts with a format version this build does not know.
    #[error("history block has format version {0}, this natterd reads only version 1")]
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

/// Encodes one block's body, one message at a time. Reusable: [`clear`]
/// keeps the buffer's capacity for the next block.
///
/// [`clear`]: BlockBuilder::clear
#[derive(Debug, Default)]
pub(crate) struct BlockBuilder {
    body: Vec<u8>,
    base_ms: i64,
    first_ms: i64,
    last_ms: i64,
    count: usize,
}

impl BlockBuilder {
    /// An empty builder.
    pub(crate) fn new() -> BlockBuilder {
        BlockBuilder::default()
    }

    /// Appends `entry`. The caller checks [`is_full`](Self::is_full) first;
    /// pushing past the limits is allowed (and makes a bigger block).
    pub(crate) fn push(&mut self, entry: &BlockEntry<'_>) {
        if self.count == 0 {
            self.body.clear();
            self.body.push(FORMAT_VERSION);
            put_varint(&mut self.body, zigzag(entry.time_ms));
            self.base_ms = entry.time_ms;
            self.first_ms = entry.time_ms;
            self.last_ms = entry.time_ms;
        }
        let mut flags = 0;
        if entry.kind == MessageKind::Notice {
            flags |= FLAG_NOTICE;
        }
        if entry.stray {
            flags |= FLAG_STRAY;
        }
        self.body.push(flags);
        put_varint(
            &mut self.body,
            zigzag(entry.time_ms.wrapping_sub(self.base_ms)),
        );
        let fields = [entry.msgid, entry.source, entry.target, entry.text];
        for field in fields {
            put_varint(&mut self.body, field.len() as u64);
        }
        for field in fields {
            self.body.extend_from_slice(field.as_bytes());
        }
        self.first_ms = self.first_ms.min(entry.time_ms);
        self.last_ms = self.last_ms.max(entry.time_ms);
        self.count += 1;
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
    }
}

/// Decodes `body`: its entries in the order they were pushed (an entry's
/// index in this order is its place in the block).
pub(crate) fn entries(body: &[u8]) -> Result<Entries<'_>, BlockError> {
    let (&version, _) = body.split_first().ok_or(BlockError::Empty)?;
    if version != FORMAT_VERSION {
        return Err(BlockError::UnknownVersion(version));
    }
    let mut cursor = Cursor { body, at: 1 };
    let base_ms = unzigzag(cursor.varint()?);
    Ok(Entries {
        cursor,
        base_ms,
        failed: false,
    })
}

/// The entries of one block body, from [`entries`]. After an error it yields nothing more.
#[derive(Debug)]
pub(crate) struct Entries<'a> {
    cursor: Cursor<'a>,
    base_ms: i64,
    failed: bool,
}

impl<'a> Iterator for Entries<'a> {
    type Item = Result<BlockEntry<'a>, BlockError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.cursor.at >= self.cursor.body.len() {
            return None;
        }
        let entry = self.entry();
        self.failed = entry.is_err();
        Some(entry)
    }
}

impl<'a> Entries<'a> {
    fn entry(&mut self) -> Result<BlockEntry<'a>, BlockError> {
        let flags = self.cursor.byte()?;
        if flags & !(FLAG_NOTICE | FLAG_STRAY) != 0 {
            return Err(self.cursor.damaged("unknown flag bits"));
        }
        let time_ms = self.base_ms.wrapping_add(unzigzag(self.cursor.varint()?));
        let mut lengths = [0usize; 4];
        for length in &mut lengths {
            *length = usize::try_from(self.cursor.varint()?)
                .map_err(|_| self.cursor.damaged("length too large"))?;
        }
        let [msgid_len, source_len, target_len, text_len] = lengths;
        let msgid = self.cursor.text(msgid_len)?;
        let source = self.cursor.text(source_len)?;
        let target = self.cursor.text(target_len)?;
        let text = self.cursor.text(text_len)?;
        Ok(BlockEntry {
            time_ms,
            kind: if flags & FLAG_NOTICE != 0 {
                MessageKind::Notice
            } else {
                MessageKind::Privmsg
            },
            stray: flags & FLAG_STRAY != 0,
            msgid,
            source,
            target,
            text,
        })
    }
}

/// A read position in a body.
#[derive(Debug)]
struct Cursor<'a> {
    body: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn damaged(&self, what: &'static str) -> BlockError {
        BlockError::Damaged {
            offset: self.at,
            what,
        }
    }

    fn byte(&mut self) -> Result<u8, BlockError> {
        let byte = *self
            .body
            .get(self.at)
            .ok_or_else(|| self.damaged("ends inside an entry"))?;
        self.at += 1;
        Ok(byte)
    }

    fn varint(&mut self) -> Result<u64, BlockError> {
        let mut value: u64 = 0;
        for shift in (0..64).step_by(7) {
            let byte = self.byte()?;
            let bits = u64::from(byte & 0x7f);
            if shift == 63 && bits > 1 {
                return Err(self.damaged("number too large"));
            }
            value |= bits << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(self.damaged("number too long"))
    }

    fn text(&mut self, length: usize) -> Result<&'a str, BlockError> {
        let end = self
            .at
            .checked_add(length)
            .filter(|&end| end <= self.body.len())
            .ok_or_else(|| self.damaged("ends inside a text"))?;
        let text = std::str::from_utf8(&self.body[self.at..end])
            .map_err(|_| self.damaged("text is not UTF-8"))?;
        self.at = end;
        Ok(text)
    }
}

fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

fn zigzag(value: i64) -> u64 {
    ((value << 1) ^ (value >> 63)) as u64
}

fn unzigzag(value: u64) -> i64 {
    ((value >> 1) as i64) ^ -((value & 1) as i64)
}

#[cfg(test)]
#[path = "block_tests.rs"]
mod tests;
