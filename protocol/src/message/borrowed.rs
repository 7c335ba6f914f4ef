//! A received line parsed without copying: [`MessageRef`] borrows its parts from the line.
//!
//! A server reads far more messages than it builds, and most of them (PRIVMSG, NOTICE) only
//! look at their command, target and text once. Parsing into an owned [`Message`] costs a
//! `String` per part and a `Vec` of params; this finds the same parts as slices of the line.
//! [`Message::parse`] is this plus [`MessageRef::to_message`], so both accept and refuse
//! exactly the same lines.

use std::borrow::Cow;

use super::{Message, ParseError, parse_tags, scan, split_word};
use crate::tags::unescape_tag_value;

/// A parsed line, borrowing from it. Same grammar and tolerance as [`Message::parse`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MessageRef<'a> {
    /// The `@tags` word without its `@`, already checked to hold only tags with keys.
    raw_tags: Option<&'a str>,
    /// The prefix without its leading `:`; never empty.
    source: Option<&'a str>,
    /// The command as received (not uppercased): letters or a three-digit numeric.
    command: &'a str,
    /// Everything after the command: the params, read on demand by [`MessageRef::params`].
    params: &'a str,
}

impl<'a> MessageRef<'a> {
    /// Parses one line like [`Message::parse`] (same errors for the same lines), without copying.
    pub fn parse(line: &'a str) -> Result<MessageRef<'a>, ParseError> {
        let line = line.trim_end_matches(['\r', '\n']);
        if let Some(offset) = scan::find_line_break(line) {
            let character = char::from(line.as_bytes()[offset]);
            return Err(ParseError::ForbiddenCharacter { character, offset });
        }
        let mut rest = line.trim_start_matches(' ');
        // Only ASCII whitespace (no byte of a multi-byte character is).
        if rest.bytes().all(|b| b.is_ascii_whitespace()) {
            return Err(ParseError::Empty);
        }

        let mut raw_tags = None;
        if let Some(after_at) = rest.strip_prefix('@') {
            let (tags, after) = split_word(after_at);
            check_tags(tags)?;
            raw_tags = Some(tags);
            rest = after;
        }

        let mut source = None;
        rest = rest.trim_start_matches(' ');
        if let Some(after_colon) = rest.strip_prefix(':') {
            let (raw_source, after) = split_word(after_colon);
            source = Some(raw_source).filter(|source| !source.is_empty());
            rest = after;
        }

        let (command, params) = split_word(rest.trim_start_matches(' '));
        if command.is_empty() {
            return Err(ParseError::MissingCommand);
        }
        if !super::is_valid_command(command) {
            return Err(ParseError::InvalidCommand(command.to_owned()));
        }
        Ok(MessageRef {
            raw_tags,
            source,
            command,
            params,
        })
    }

    /// The command as received; compare it with [`MessageRef::is_command`].
    pub fn command(&self) -> &'a str {
        self.command
    }

    /// Whether the command is `upper` (given in upper case), whatever case it was sent in.
    pub fn is_command(&self, upper: &str) -> bool {
        self.command.eq_ignore_ascii_case(upper)
    }

    /// The prefix without the leading `:`, if any.
    pub fn source(&self) -> Option<&'a str> {
        self.source
    }

    /// The params in order, the trailing one (after ` :`) last; as in [`Message::params`].
    pub fn params(&self) -> Params<'a> {
        Params { rest: self.params }
    }

    /// The parameter at `index`, if present.
    pub fn arg(&self, index: usize) -> Option<&'a str> {
        self.params().nth(index)
    }

    /// Whether the line had an `@tags` part.
    pub fn has_tags(&self) -> bool {
        self.raw_tags.is_some()
    }

    /// The unescaped value of the tag with this key, as [`Message::tag_value`] gives it: `None`
    /// when absent or without a value; when a key repeats, its last occurrence counts.
    /// Borrowed unless the value holds an escape.
    pub fn tag_value(&self, key: &str) -> Option<Cow<'a, str>> {
        let mut found = None;
        for piece in self.raw_tags?.split(';') {
            match piece.split_once('=') {
                Some((piece_key, value)) if piece_key == key => found = Some(value),
                None if piece == key => found = None,
                _ => {}
            }
        }
        let value = found?;
        let value = if value.contains('\\') {
            Cow::Owned(unescape_tag_value(value))
        } else {
            Cow::Borrowed(value)
        };
        Some(value).filter(|value| !value.is_empty())
    }

    /// The same message, owned: what [`Message::parse`] returns for the line.
    pub fn to_message(&self) -> Message {
        Message {
            // Checked by `parse`, so this cannot fail; an empty list if it somehow did.
            tags: self
                .raw_tags
                .map(|raw| parse_tags(raw).unwrap_or_default())
                .unwrap_or_default(),
            source: self.source.map(str::to_owned),
            command: self.command.to_ascii_uppercase(),
            params: self.params().map(str::to_owned).collect(),
        }
    }
}

/// The params of a [`MessageRef`], found one at a time.
#[derive(Clone, Debug)]
pub struct Params<'a> {
    /// What is left after the params already returned.
    rest: &'a str,
}

impl<'a> Iterator for Params<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let rest = self.rest.trim_start_matches(' ');
        if rest.is_empty() {
            self.rest = rest;
            return None;
        }
        if let Some(trailing) = rest.strip_prefix(':') {
            self.rest = "";
            return Some(trailing);
        }
        let (param, after) = split_word(rest);
        self.rest = after;
        Some(param)
    }
}

/// Checks an `@tags` word as [`parse_tags`] would, without building the tags.
fn check_tags(raw: &str) -> Result<(), ParseError> {
    if raw.is_empty() {
        return Err(ParseError::InvalidTags);
    }
    let keyless = raw
        .split(';')
        .filter(|piece| !piece.is_empty())
        .any(|piece| piece.split_once('=').is_some_and(|(key, _)| key.is_empty()));
    if keyless {
        return Err(ParseError::InvalidTags);
    }
    Ok(())
}

#[cfg(test)]
mod tests;
