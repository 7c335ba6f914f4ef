//! A conversation's stored key (`chan:NAME` or `priv:LEN:A:B`, see
//! [`super::Conversation::key`]) written straight from the pieces the hub
//! holds, and the peers' order in it, without building either peer's key.

use super::queued::{CHANNEL_PREFIX, PRIVATE_PREFIX};
use super::records::Between;
use std::cmp::Ordering;

/// Appends [`super::Conversation::key`]'s format: `chan:NAME` or `priv:LEN:A:B`.
pub(super) fn push_key(packed: &mut String, between: &Between<'_>, sender_is_a: bool) {
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
            a.iter().for_each(|piece| push_piece(packed, piece));
            packed.push(':');
            b.iter().for_each(|piece| push_piece(packed, piece));
        }
    }
}

/// The most bytes [`push_key`] appends.
pub(super) fn key_len_bound(between: &Between<'_>) -> usize {
    match between {
        Between::Channel(name) => CHANNEL_PREFIX.len() + name.len(),
        Between::Private { sender, recipient } => {
            PRIVATE_PREFIX.len() + 20 + 2 + pieces_len(sender) + pieces_len(recipient)
        }
    }
}

/// Appends one piece of a source or key: a separator (`!`, `@`) is one
/// byte written in place and an empty piece nothing, not a call to copy
/// (packing a whisper's 16 pieces took ~5% less CPU in a microbenchmark).
fn push_piece(packed: &mut String, piece: &str) {
    match piece.as_bytes() {
        [] => {}
        // One byte of a str is ASCII.
        &[byte] => packed.push(char::from(byte)),
        _ => packed.push_str(piece),
    }
}

fn pieces_len(pieces: &[&str]) -> usize {
    pieces.iter().map(|piece| piece.len()).sum()
}

/// Appends `n` in decimal (what `write!` would, without the formatting
/// machinery: this runs once per whisper under the order lock).
pub(super) fn push_decimal(packed: &mut String, mut n: usize) {
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

/// `sender <= recipient`, comparing the concatenations as strings compare
/// (as [`super::Conversation::private`] orders its peers).
pub(super) fn sender_first(sender: &[&str], recipient: &[&str]) -> bool {
    compare_concatenations(sender, recipient) != Ordering::Greater
}

/// Compares the concatenations of `a`'s and `b`'s pieces without building
/// them: slice against slice (a `memcmp` each), not byte by byte through
/// iterators (that was ~1.5% of a whisper's CPU with history on).
pub(super) fn compare_concatenations(a: &[&str], b: &[&str]) -> Ordering {
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
