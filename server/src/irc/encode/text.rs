//! The fast path: PRIVMSG and NOTICE written straight from the event.

use super::{MAX_LINE, format_time, variant};
use crate::hub::client::Source;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use natter_protocol::LineWriter;

/// Whether no two client tags share a key (a parsed message's never do; a
/// `Message` would keep only the last of each, which [`TextMessage`] does not).
pub(super) fn distinct_keys(tags: &[natter_protocol::Tag]) -> bool {
    tags.iter()
        .enumerate()
        .all(|(index, tag)| tags[..index].iter().all(|earlier| earlier.key != tag.key))
}

/// PRIVMSG or NOTICE with text: every chat message, each encoded once per
/// format for every recipient. Written straight from the event with
/// [`LineWriter`] (one allocation, one pass) instead of through a
/// `Message` (clones of every piece, the prefix formatted, the line
/// measured twice): the same bytes as [`super::general::encode_event`], which a property
/// test checks.
pub(super) struct TextMessage<'a> {
    pub(super) source: &'a Source,
    pub(super) command: &'static str,
    pub(super) target: &'a str,
    pub(super) text: &'a str,
    pub(super) msgid: &'a str,
    pub(super) client_tags: &'a [natter_protocol::Tag],
}

impl TextMessage<'_> {
    pub(super) fn encode(&self, time: DateTime<Utc>, variant: u8) -> Bytes {
        let source = self.source;
        let prefix_len = source.nick.len() + source.user.len() + source.host.len() + 2;
        let (text, untagged_len) = self.fitted_text(prefix_len);
        let tags = variant & variant::MESSAGE_TAGS != 0;
        let account = source
            .account
            .as_deref()
            .filter(|_| variant & variant::ACCOUNT_TAG != 0);
        // Exact without tags (every line to a client without message-tags or
        // server-time), so that no shrink below has to reallocate (~0.9% of
        // a whisper's CPU when it was always a byte or two over).
        let tagged =
            variant & (variant::SERVER_TIME | variant::MESSAGE_TAGS) != 0 || account.is_some();
        let mut capacity = untagged_len;
        if tagged {
            capacity += 40 + self.msgid.len() + account.map_or(0, |a| a.len() + 9);
        }
        let mut line = LineWriter::with_capacity(capacity);
        if variant & (variant::SERVER_TIME | variant::MESSAGE_TAGS) != 0 {
            line.tag("time", Some(&format_time(time)));
        }
        if let Some(account) = account {
            line.tag("account", Some(account));
        }
        if tags {
            line.tag("msgid", Some(self.msgid));
            for tag in self.client_tags {
                line.tag(&tag.key, tag.value.as_deref());
            }
        }
        line.source_word(source.prefix_word());
        line.command(self.command);
        line.middle(self.target);
        // Shrunk to its length (in place: the allocator keeps the block)
        // so that `Bytes` owns the buffer itself: from a `Vec` with spare
        // capacity it allocates a shared header too, and frees both (~3% of
        // a whisper's CPU with `shared_drop`).
        let line = line.last(text).into_bytes();
        debug_assert!(
            tagged || line.len() == untagged_len,
            "an untagged line is {} bytes, not {untagged_len}",
            line.len()
        );
        Bytes::from(line.into_boxed_slice())
    }

    /// The text, cut (as the general path cuts it) so that the line without
    /// tags fits [`MAX_LINE`], and the length of that line. Every piece is
    /// written at its own length (an empty target as `*`), so the length is
    /// known without writing it.
    fn fitted_text(&self, prefix_len: usize) -> (&str, usize) {
        let text = self.text;
        let head = 1 + prefix_len + 1 + self.command.len() + 1 + self.target.len().max(1) + 1;
        let length =
            head + usize::from(natter_protocol::message::line::needs_colon(text)) + text.len() + 2;
        let over = length.saturating_sub(MAX_LINE);
        if over == 0 {
            return (text, length);
        }
        let mut end = text.len().saturating_sub(over);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let text = &text[..end];
        let colon = usize::from(natter_protocol::message::line::needs_colon(text));
        (text, head + colon + text.len() + 2)
    }
}
