//! The byte-level reading and writing of block bodies: a bounds-checked
//! read position, LEB128 varints and zigzag for signed numbers.

use super::BlockError;

/// A read position in a body.
#[derive(Debug)]
pub(super) struct Cursor<'a> {
    body: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    /// Reading `body` from byte `at`.
    pub(super) fn new(body: &'a [u8], at: usize) -> Cursor<'a> {
        Cursor { body, at }
    }

    /// Whether every byte was read.
    pub(super) fn at_end(&self) -> bool {
        self.at >= self.body.len()
    }

    /// The error for what is wrong here.
    pub(super) fn damaged(&self, what: &'static str) -> BlockError {
        BlockError::Damaged {
            offset: self.at,
            what,
        }
    }

    pub(super) fn byte(&mut self) -> Result<u8, BlockError> {
        let byte = *self
            .body
            .get(self.at)
            .ok_or_else(|| self.damaged("ends inside an entry"))?;
        self.at += 1;
        Ok(byte)
    }

    pub(super) fn varint(&mut self) -> Result<u64, BlockError> {
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

    /// A varint that counts bytes of this body (or a little more: a tag).
    pub(super) fn length(&mut self) -> Result<usize, BlockError> {
        let value = self.varint()?;
        usize::try_from(value).map_err(|_| self.damaged("length too large"))
    }

    /// The next `length` bytes.
    pub(super) fn bytes(&mut self, length: usize) -> Result<&'a [u8], BlockError> {
        let end = self
            .at
            .checked_add(length)
            .filter(|&end| end <= self.body.len())
            .ok_or_else(|| self.damaged("ends inside a text"))?;
        let bytes = &self.body[self.at..end];
        self.at = end;
        Ok(bytes)
    }

    /// The next `length` bytes, which must be UTF-8.
    pub(super) fn text(&mut self, length: usize) -> Result<&'a str, BlockError> {
        let start = self.at;
        let bytes = self.bytes(length)?;
        std::str::from_utf8(bytes).map_err(|_| {
            self.at = start;
            self.damaged("text is not UTF-8")
        })
    }
}

pub(super) fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

pub(super) fn zigzag(value: i64) -> u64 {
    ((value << 1) ^ (value >> 63)) as u64
}

pub(super) fn unzigzag(value: u64) -> i64 {
    ((value >> 1) as i64) ^ -((value & 1) as i64)
}
