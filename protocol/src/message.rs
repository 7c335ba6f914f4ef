//! One IRC message: tolerant parsing of a received line and safe serialization of an outgoing one.
//!
//! The format follows the modern ircdocs "Client Protocol" message grammar and IRCv3 message-tags:
//! `[@tags] [:source] COMMAND [params...] [:trailing]`.

use std::fmt;
use std::str::FromStr;

use crate::tags::{escape_tag_value, unescape_tag_value};

/// One IRCv3 message tag. `value` is stored unescaped; `None` means the tag had no value.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Tag {
    /// The tag key, e.g. `time` or `+draft/reply`.
    pub key: String,
    /// The unescaped value; `None` when no `=` (or an empty value) was given.
    pub value: Option<String>,
}

impl Tag {
    /// A tag with the given key and optional (unescaped) value.
    pub fn new(key: impl Into<String>, value: Option<String>) -> Tag {
        Tag {
            key: key.into(),
            value,
        }
    }
}

/// A parsed or to-be-sent IRC message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// IRCv3 message tags, in the order they appeared.
    pub tags: Vec<Tag>,
    /// The prefix without the leading `:`, e.g. `nick!user@host` or `server.name`.
    pub source: Option<String>,
    /// The command, ASCII-uppercased by `parse` (`PRIVMSG`), or a three-digit numeric (`001`).
    pub command: String,
    /// All parameters; the trailing parameter (after ` :`) is simply the last element.
    pub params: Vec<String>,
}

/// Why a line could not be parsed as an IRC message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// The line is empty or contains only whitespace.
    #[error("empty line")]
    Empty,
    /// The line has tags and/or a source but no command.
    #[error("the line has no command")]
    MissingCommand,
    /// The command is neither letters nor exactly three digits.
    #[error("invalid command {0:?}: a command is letters or a three-digit numeric")]
    InvalidCommand(String),
    /// The `@tags` part is empty or has a tag without a key.
    #[error("invalid message tags: each tag needs a key, as in @key=value;key2")]
    InvalidTags,
    /// The line holds a NUL, or a CR or LF before its end. No part of an IRC message may carry
    /// them (the modern ircdocs grammar), and IRCv3 defines no escape for NUL in a tag value, so
    /// such a line is refused rather than guessed at.
    #[error(
        "the line contains {} at byte {offset}; no IRC message may carry NUL, CR or LF",
        control_name(*character)
    )]
    ForbiddenCharacter {
        /// The first forbidden character: `'\0'`, `'\r'` or `'\n'`.
        character: char,
        /// Its byte offset in the line as given to [`Message::parse`].
        offset: usize,
    },
}

/// How an error message names a framing control character.
fn control_name(character: char) -> &'static str {
    match character {
        '\0' => "a NUL byte",
        '\r' => "a carriage return (CR)",
        '\n' => "a line feed (LF)",
        _ => "a forbidden character",
    }
}

impl Message {
    /// A message with just a command: no tags, no source, no params.
    pub fn new(command: impl Into<String>) -> Message {
        Message {
            tags: Vec::new(),
            source: None,
            command: command.into(),
            params: Vec::new(),
        }
    }

    /// Sets the source (prefix), given without the leading `:`.
    pub fn with_source(mut self, source: impl Into<String>) -> Message {
        self.source = Some(source.into());
        self
    }

    /// Appends one parameter.
    ///
    /// Only the last parameter may be empty, contain spaces or start with `:`; see [`Message::write_to`].
    pub fn with_param(mut self, param: impl Into<String>) -> Message {
        self.params.push(param.into());
        self
    }

    /// Appends several parameters in order.
    pub fn with_params<I, S>(mut self, params: I) -> Message
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.params.extend(params.into_iter().map(Into::into));
        self
    }

    /// Sets a tag, replacing an existing tag with the same key (keeping its position).
    pub fn with_tag(mut self, key: impl Into<String>, value: Option<String>) -> Message {
        set_tag(&mut self.tags, Tag::new(key, value));
        self
    }

    /// Parses one line, tolerantly: a trailing CR/LF is stripped, leading spaces are skipped and runs
    /// of spaces count as one separator. The command is ASCII-uppercased.
    ///
    /// Strict where the grammar leaves no choice: a NUL anywhere, or a CR or LF before the line's
    /// end, is [`ParseError::ForbiddenCharacter`]. So every message `parse` returns serialises
    /// back to a line that parses to the same message.
    pub fn parse(line: &str) -> Result<Message, ParseError> {
        MessageRef::parse(line).map(|message| message.to_message())
    }

    /// The parameter at `index`, if present.
    pub fn arg(&self, index: usize) -> Option<&str> {
        self.params.get(index).map(String::as_str)
    }

    /// The tag with this key, if present.
    pub fn tag(&self, key: &str) -> Option<&Tag> {
        self.tags.iter().find(|tag| tag.key == key)
    }

    /// The value of the tag with this key; `None` when the tag is absent or has no value.
    pub fn tag_value(&self, key: &str) -> Option<&str> {
        self.tag(key).and_then(|tag| tag.value.as_deref())
    }

    /// The nickname part of the source: `nick` of `nick!user@host`, or the whole source when it has
    /// neither `!` nor `@` (a server name, or a bare nick).
    pub fn source_nick(&self) -> Option<&str> {
        let source = self.source.as_deref()?;
        let end = source.find(['!', '@']).unwrap_or(source.len());
        Some(&source[..end])
    }

    /// Appends the serialized message to `out`, without the final CRLF.
    ///
    /// Never emits a line break or a NUL: CR, LF and NUL in params are written as spaces. In the
    /// source, the command and tag keys, where a space would change the message's structure, CR,
    /// LF, NUL and space are written as `_`. Tag values are escaped as IRCv3 says; a NUL in one,
    /// which IRCv3 cannot represent, is left out (see [`escape_tag_value`]). [`Message::parse`]
    /// never returns a message holding any of these, so all of this is only a safety net for
    /// messages built by hand. The last param is written as trailing (`:` prefix) when it is
    /// empty, contains a space (or a CR/LF/NUL, which becomes one) or starts with `:`.
    ///
    /// A middle param that is empty, contains a space or starts with `:` cannot be encoded; that is
    /// a caller bug (use it as the last param instead). Because such params often echo user input
    /// (e.g. a rejected nickname), this does not panic: an empty middle param is written as `*`,
    /// and spaces (and CR/LF/NUL) inside it and a leading `:` are written as `_`, so the message
    /// keeps its shape.
    pub fn write_to(&self, out: &mut String) {
        // Writing to a String cannot fail.
        let _ = self.write_fmt_to(out);
    }

    /// The serialized message followed by `\r\n`, ready to send.
    pub fn to_wire(&self) -> String {
        let mut out = String::with_capacity(self.serialized_len() + 2);
        self.write_to(&mut out);
        out.push_str("\r\n");
        out
    }

    /// The length in bytes of [`Message::write_to`]'s output (without CRLF).
    pub fn serialized_len(&self) -> usize {
        let mut counter = ByteCounter(0);
        let _ = self.write_fmt_to(&mut counter);
        counter.0
    }

    /// Whether every middle param can be encoded as-is (non-empty, no space, no leading `:`, no
    /// CR/LF/NUL), so that serializing and parsing again gives back the same params.
    pub fn has_encodable_params(&self) -> bool {
        let middle_count = self.params.len().saturating_sub(1);
        self.params[..middle_count]
            .iter()
            .all(|param| is_valid_middle_param(param))
    }

    fn write_fmt_to<W: fmt::Write>(&self, out: &mut W) -> fmt::Result {
        let mut tags = self
            .tags
            .iter()
            .filter(|tag| !tag.key.is_empty())
            .peekable();
        if tags.peek().is_some() {
            out.write_char('@')?;
            for (index, tag) in tags.enumerate() {
                if index > 0 {
                    out.write_char(';')?;
                }
                write_tag_key(out, &tag.key)?;
                if let Some(value) = tag.value.as_deref().filter(|value| !value.is_empty()) {
                    out.write_char('=')?;
                    escape_tag_value(value, out)?;
                }
            }
            out.write_char(' ')?;
        }
        if let Some(source) = self.source.as_deref().filter(|source| !source.is_empty()) {
            out.write_char(':')?;
            write_word(out, source)?;
            out.write_char(' ')?;
        }
        write_word(out, &self.command)?;
        let Some((last, middles)) = self.params.split_last() else {
            return Ok(());
        };
        for param in middles {
            out.write_char(' ')?;
            write_middle_param(out, param)?;
        }
        out.write_char(' ')?;
        if line::needs_colon(last) {
            out.write_char(':')?;
        }
        write_trailing_param(out, last)
    }
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_fmt_to(f)
    }
}

impl FromStr for Message {
    type Err = ParseError;

    fn from_str(line: &str) -> Result<Message, ParseError> {
        Message::parse(line)
    }
}

/// Counts bytes written, so that `serialized_len` needs no allocation.
struct ByteCounter(usize);

impl fmt::Write for ByteCounter {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0 += s.len();
        Ok(())
    }
}

/// Inserts `tag`, replacing (in place) an existing tag with the same key.
fn set_tag(tags: &mut Vec<Tag>, tag: Tag) {
    match tags.iter_mut().find(|existing| existing.key == tag.key) {
        Some(existing) => *existing = tag,
        None => tags.push(tag),
    }
}

/// Splits at the first space: the word before it and everything after it.
fn split_word(s: &str) -> (&str, &str) {
    match scan::find_space(s) {
        Some(index) => (&s[..index], &s[index + 1..]),
        None => (s, ""),
    }
}

fn parse_tags(raw: &str) -> Result<Vec<Tag>, ParseError> {
    if raw.is_empty() {
        return Err(ParseError::InvalidTags);
    }
    let mut tags = Vec::new();
    // Empty pieces (as in `a;;b` or a trailing `;`) are tolerated and skipped.
    for piece in raw.split(';').filter(|piece| !piece.is_empty()) {
        let (key, value) = match piece.split_once('=') {
            Some((key, value)) => (key, Some(value)),
            None => (piece, None),
        };
        if key.is_empty() {
            return Err(ParseError::InvalidTags);
        }
        // "k=" and a value that unescapes to nothing are equivalent to no value.
        let value = value
            .map(unescape_tag_value)
            .filter(|value| !value.is_empty());
        set_tag(&mut tags, Tag::new(key, value));
    }
    Ok(tags)
}

fn is_valid_command(command: &str) -> bool {
    let all_letters = command.bytes().all(|b| b.is_ascii_alphabetic());
    let numeric = command.len() == 3 && command.bytes().all(|b| b.is_ascii_digit());
    all_letters || numeric
}

/// Whether `param` can be written as a middle (non-last) param and parse back unchanged.
pub(crate) fn is_valid_middle_param(param: &str) -> bool {
    !param.is_empty() && !param.starts_with(':') && !scan::has_space_or_line_break(param)
}

fn breaks_line(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\0')
}

/// Writes a source or command, where no space or line break may appear.
fn write_word<W: fmt::Write>(out: &mut W, word: &str) -> fmt::Result {
    if !scan::has_space_or_line_break(word) {
        return out.write_str(word);
    }
    for c in word.chars() {
        out.write_char(if c == ' ' || breaks_line(c) { '_' } else { c })?;
    }
    Ok(())
}

fn write_tag_key<W: fmt::Write>(out: &mut W, key: &str) -> fmt::Result {
    let unsafe_char = |c: char| matches!(c, ' ' | ';' | '=' | '\r' | '\n' | '\0');
    if !key.contains(unsafe_char) {
        return out.write_str(key);
    }
    for c in key.chars() {
        out.write_char(if unsafe_char(c) { '_' } else { c })?;
    }
    Ok(())
}

fn write_middle_param<W: fmt::Write>(out: &mut W, param: &str) -> fmt::Result {
    if param.is_empty() {
        return out.write_char('*');
    }
    if is_valid_middle_param(param) {
        return out.write_str(param);
    }
    for (index, c) in param.chars().enumerate() {
        let replace = c == ' ' || breaks_line(c) || (index == 0 && c == ':');
        out.write_char(if replace { '_' } else { c })?;
    }
    Ok(())
}

fn write_trailing_param<W: fmt::Write>(out: &mut W, param: &str) -> fmt::Result {
    if !scan::has_line_break(param) {
        return out.write_str(param);
    }
    for c in param.chars() {
        out.write_char(if breaks_line(c) { ' ' } else { c })?;
    }
    Ok(())
}

mod borrowed;
mod fit;
pub mod line;
mod scan;

pub use borrowed::{MessageRef, Params};

pub use fit::LINE_BODY_MAX;

#[cfg(test)]
mod tests;
