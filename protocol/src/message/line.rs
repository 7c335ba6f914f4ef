//! Writing one IRC line from borrowed pieces, in one pass and one allocation.
//!
//! A server relaying a message builds a [`Message`](super::Message) only to
//! serialize it at once: cloning every piece into it, then measuring and
//! writing it. [`LineWriter`] writes the same bytes as that message's
//! [`to_wire`](super::Message::to_wire) (the same escaping and replacement
//! rules, the same functions) straight from the pieces.

use super::{write_middle_param, write_tag_key, write_trailing_param, write_word};
use crate::tags::escape_tag_value;

/// Builds one line: tags, then the source, the command and the params, in
/// that order (see the module docs). Writing to a `String` cannot fail, so
/// no method returns an error.
#[derive(Debug, Default)]
pub struct LineWriter {
    out: String,
    /// Tags written so far (the first opens with `@`, the others with `;`).
    tags: usize,
    /// The tag section was closed (by the source or the command).
    past_tags: bool,
}

impl LineWriter {
    /// A writer whose buffer holds `capacity` bytes before it grows.
    pub fn with_capacity(capacity: usize) -> LineWriter {
        LineWriter {
            out: String::with_capacity(capacity),
            ..LineWriter::default()
        }
    }

    /// Adds a tag; an empty key is left out and an empty value written as
    /// none, as [`Message::to_wire`](super::Message::to_wire) does.
    pub fn tag(&mut self, key: &str, value: Option<&str>) {
        debug_assert!(!self.past_tags, "tags come first");
        if key.is_empty() {
            return;
        }
        self.out.push(if self.tags == 0 { '@' } else { ';' });
        self.tags += 1;
        let _ = write_tag_key(&mut self.out, key);
        if let Some(value) = value.filter(|value| !value.is_empty()) {
            self.out.push('=');
            let _ = escape_tag_value(value, &mut self.out);
        }
    }

    fn end_tags(&mut self) {
        if !self.past_tags {
            self.past_tags = true;
            if self.tags > 0 {
                self.out.push(' ');
            }
        }
    }

    /// Writes the source made of `parts` joined as they are (e.g. `[nick,
    /// "!", user, "@", host]`), as one word; nothing when it is empty.
    pub fn source(&mut self, parts: &[&str]) {
        self.end_tags();
        if parts.iter().all(|part| part.is_empty()) {
            return;
        }
        self.out.push(':');
        for part in parts {
            let _ = write_word(&mut self.out, part);
        }
        self.out.push(' ');
    }

    /// Writes a source made earlier with [`SourceWord::new`]: the same
    /// bytes as [`source`](Self::source) of its parts, without working
    /// them out again.
    pub fn source_word(&mut self, word: &SourceWord) {
        self.end_tags();
        self.out.push_str(&word.0);
    }

    /// Writes the command.
    pub fn command(&mut self, command: &str) {
        self.end_tags();
        let _ = write_word(&mut self.out, command);
    }

    /// Writes a param that is not the last.
    pub fn middle(&mut self, param: &str) {
        self.out.push(' ');
        let _ = write_middle_param(&mut self.out, param);
    }

    /// Writes the last param (with a `:` where it needs one) and ends the
    /// line with CRLF.
    pub fn last(mut self, param: &str) -> String {
        self.out.push(' ');
        if needs_colon(param) {
            self.out.push(':');
        }
        let _ = write_trailing_param(&mut self.out, param);
        self.out.push_str("\r\n");
        self.out
    }
}

/// A line's source as [`LineWriter::source`] writes it (`:`, the parts with
/// spaces and line breaks replaced, a space; nothing for an empty source),
/// kept to be written into many lines: a server relaying one sender's
/// messages writes the same `nick!user@host` into each, and writing it
/// from its five parts (a scan and a copy each) was ~3% of a relayed
/// message's CPU.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SourceWord(Box<str>);

impl SourceWord {
    /// The source made of `parts` joined as they are (see [`LineWriter::source`]).
    pub fn new(parts: &[&str]) -> SourceWord {
        let mut writer =
            LineWriter::with_capacity(parts.iter().map(|part| part.len()).sum::<usize>() + 2);
        writer.source(parts);
        SourceWord(writer.out.into_boxed_str())
    }

    /// The bytes it adds to a line.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether `param`, written as the last param, needs a leading `:`.
pub fn needs_colon(param: &str) -> bool {
    param.is_empty() || param.starts_with(':') || super::scan::has_space_or_line_break(param)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Message;
    use proptest::prelude::*;

    fn piece() -> impl Strategy<Value = String> {
        // Spaces, line breaks, NUL, ':' and ';' exercise every escaping rule.
        proptest::string::string_regex("[a-zA-Z0-9 :;=\\\\\r\n\0éß@!#+-]{0,12}").unwrap()
    }

    proptest! {
        #[test]
        fn writes_what_a_message_would(
            tags in proptest::collection::vec((piece(), proptest::option::of(piece())), 0..3),
            nick in piece(),
            user in piece(),
            command in "[A-Z]{1,8}",
            middles in proptest::collection::vec(piece(), 0..3),
            last in piece(),
        ) {
            let mut message = Message::new(command.as_str())
                .with_source(format!("{nick}!{user}"))
                .with_params(middles.iter().map(String::as_str))
                .with_param(last.as_str());
            message.tags = tags
                .iter()
                .map(|(key, value)| crate::Tag::new(key.as_str(), value.clone()))
                .collect();
            let mut writer = LineWriter::with_capacity(16);
            for (key, value) in &tags {
                writer.tag(key, value.as_deref());
            }
            writer.source(&[&nick, "!", &user]);
            writer.command(&command);
            for middle in &middles {
                writer.middle(middle);
            }
            prop_assert_eq!(writer.last(&last), message.to_wire());
        }
    }

    proptest! {
        #[test]
        fn a_source_word_writes_what_its_parts_would(
            tags in proptest::collection::vec((piece(), proptest::option::of(piece())), 0..2),
            nick in piece(),
            user in piece(),
            host in piece(),
        ) {
            let parts = [nick.as_str(), "!", user.as_str(), "@", host.as_str()];
            let word = SourceWord::new(&parts);
            let mut from_parts = LineWriter::default();
            let mut from_word = LineWriter::default();
            for (key, value) in &tags {
                from_parts.tag(key, value.as_deref());
                from_word.tag(key, value.as_deref());
            }
            from_parts.source(&parts);
            from_word.source_word(&word);
            from_parts.command("PRIVMSG");
            from_word.command("PRIVMSG");
            prop_assert_eq!(from_word.last("hi"), from_parts.last("hi"));
        }
    }

    #[test]
    fn an_empty_source_word_writes_nothing() {
        let mut writer = LineWriter::default();
        writer.source_word(&SourceWord::new(&["", ""]));
        writer.command("PING");
        assert_eq!(writer.last("x"), "PING x\r\n");
    }

    #[test]
    fn an_empty_source_and_no_tags_leave_the_command_first() {
        let mut writer = LineWriter::default();
        writer.source(&["", ""]);
        writer.command("PING");
        assert_eq!(writer.last("x y"), "PING :x y\r\n");
    }
}
