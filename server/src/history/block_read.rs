//! Decoding a block body, format 1 or 2 (see `super` for both formats).

use super::wire::{Cursor, unzigzag};
use super::{
    BlockEntry, BlockError, EntryMsgid, FLAG_MADE_MSGID, FLAG_NOTICE, FLAG_STRAY, FORMAT_VERSION,
    FORMAT_VERSION_1, RANDOM_BYTES, RECENT,
};
use crate::history::model::{MessageKind, msgid_chars};

/// Decodes `body` (format 1 or 2): its entries in the order they were
/// pushed (an entry's index in this order is its place in the block).
pub(crate) fn entries(body: &[u8]) -> Result<Entries<'_>, BlockError> {
    let (&version, _) = body.split_first().ok_or(BlockError::Empty)?;
    if version != FORMAT_VERSION && version != FORMAT_VERSION_1 {
        return Err(BlockError::UnknownVersion(version));
    }
    let mut cursor = Cursor::new(body, 1);
    let base_ms = unzigzag(cursor.varint()?);
    Ok(Entries {
        cursor,
        version,
        base_ms,
        failed: false,
        recent: [""; RECENT],
        written: 0,
    })
}

/// The entries of one block body, from [`entries`]. After an error it yields nothing more.
#[derive(Debug)]
pub(crate) struct Entries<'a> {
    cursor: Cursor<'a>,
    version: u8,
    base_ms: i64,
    failed: bool,
    /// Format 2's recent strings, as [`BlockBuilder`] numbered them.
    recent: [&'a str; RECENT],
    written: usize,
}

impl<'a> Iterator for Entries<'a> {
    type Item = Result<BlockEntry<'a>, BlockError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.cursor.at_end() {
            return None;
        }
        let entry = if self.version == FORMAT_VERSION_1 {
            self.entry_v1()
        } else {
            self.entry_v2()
        };
        self.failed = entry.is_err();
        Some(entry)
    }
}

impl<'a> Entries<'a> {
    /// The flags byte and time every format starts an entry with.
    fn start(&mut self, known_flags: u8) -> Result<(u8, i64, MessageKind, bool), BlockError> {
        let flags = self.cursor.byte()?;
        if flags & !known_flags != 0 {
            return Err(self.cursor.damaged("unknown flag bits"));
        }
        let time_ms = self.base_ms.wrapping_add(unzigzag(self.cursor.varint()?));
        let kind = if flags & FLAG_NOTICE != 0 {
            MessageKind::Notice
        } else {
            MessageKind::Privmsg
        };
        Ok((flags, time_ms, kind, flags & FLAG_STRAY != 0))
    }

    fn entry_v1(&mut self) -> Result<BlockEntry<'a>, BlockError> {
        let (_, time_ms, kind, stray) = self.start(FLAG_NOTICE | FLAG_STRAY)?;
        let mut lengths = [0usize; 4];
        for length in &mut lengths {
            *length = self.cursor.length()?;
        }
        let [msgid_len, source_len, target_len, text_len] = lengths;
        let msgid = self.cursor.text(msgid_len)?;
        let source = self.cursor.text(source_len)?;
        let target = self.cursor.text(target_len)?;
        let text = self.cursor.text(text_len)?;
        Ok(BlockEntry {
            time_ms,
            kind,
            stray,
            msgid: EntryMsgid::Text(msgid),
            source,
            target,
            text,
        })
    }

    fn entry_v2(&mut self) -> Result<BlockEntry<'a>, BlockError> {
        let (flags, time_ms, kind, stray) =
            self.start(FLAG_NOTICE | FLAG_STRAY | FLAG_MADE_MSGID)?;
        let msgid = if flags & FLAG_MADE_MSGID != 0 {
            self.made_msgid(time_ms)?
        } else {
            let length = self.cursor.length()?;
            EntryMsgid::Text(self.cursor.text(length)?)
        };
        let source = self.recent()?;
        let target = self.recent()?;
        let length = self.cursor.length()?;
        let text = self.cursor.text(length)?;
        Ok(BlockEntry {
            time_ms,
            kind,
            stray,
            msgid,
            source,
            target,
            text,
        })
    }

    fn made_msgid(&mut self, time_ms: i64) -> Result<EntryMsgid<'a>, BlockError> {
        let millis = time_ms.wrapping_add(unzigzag(self.cursor.varint()?));
        let mut bytes = [0u8; 16];
        bytes[16 - RANDOM_BYTES..].copy_from_slice(self.cursor.bytes(RANDOM_BYTES)?);
        let random = u128::from_be_bytes(bytes);
        // A made msgid has 48 bits of time and 84 random bits: anything else was not written here.
        let millis = u64::try_from(millis)
            .ok()
            .filter(|&millis| millis < 1 << 48 && random < 1 << 84)
            .ok_or_else(|| self.cursor.damaged("msgid out of range"))?;
        Ok(EntryMsgid::Made(msgid_chars(millis, random)))
    }

    /// A source or target: a recent string, or text that becomes one.
    fn recent(&mut self) -> Result<&'a str, BlockError> {
        let tag = self.cursor.length()?;
        if tag & 1 == 1 {
            let slot = tag >> 1;
            if slot >= self.written.min(RECENT) {
                return Err(self.cursor.damaged("reference to no recent string"));
            }
            return Ok(self.recent[slot]);
        }
        let text = self.cursor.text(tag >> 1)?;
        self.recent[self.written % RECENT] = text;
        self.written += 1;
        Ok(text)
    }
}
