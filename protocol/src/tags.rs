//! IRCv3 message-tag value escaping (`\:` for `;`, `\s` for space, `\\`, `\r`, `\n`).
//!
//! The spec's `<escaped value>` may hold any character except NUL, CR, LF, `;` and space, and its
//! escape table has no entry for NUL: a tag value holding NUL cannot be sent at all. So the
//! parser refuses a line with a NUL (see `Message::parse`), and the escaper leaves NUL out rather
//! than invent an escape that every other implementation would read as something else.

use std::fmt;

/// Unescapes a raw tag value as received: `\:` -> `;`, `\s` -> space, `\\` -> `\`, `\r` -> CR,
/// `\n` -> LF, any other `\x` -> `x`, and a trailing lone `\` is dropped.
pub fn unescape_tag_value(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some(':') => out.push(';'),
            Some('s') => out.push(' '),
            Some('r') => out.push('\r'),
            Some('n') => out.push('\n'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// Escapes a tag value for the wire: `;` -> `\:`, space -> `\s`, `\` -> `\\`, CR -> `\r`,
/// LF -> `\n`. NUL, which IRCv3 gives no escape and no line may carry, is left out: writing it as
/// `\0` would reach every receiver as the digit `0`.
pub fn escape_tag_value<W: fmt::Write>(value: &str, out: &mut W) -> fmt::Result {
    for c in value.chars() {
        match c {
            ';' => out.write_str("\\:")?,
            ' ' => out.write_str("\\s")?,
            '\\' => out.write_str("\\\\")?,
            '\r' => out.write_str("\\r")?,
            '\n' => out.write_str("\\n")?,
            '\0' => {}
            other => out.write_char(other)?,
        }
    }
    Ok(())
}

/// [`escape_tag_value`] into a new `String`.
pub fn escaped_tag_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    // Writing to a String cannot fail.
    let _ = escape_tag_value(value, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unescapes_every_sequence() {
        assert_eq!(unescape_tag_value(r"a\:b\sc\\d\re\nf"), "a;b c\\d\re\nf");
    }

    #[test]
    fn unknown_escape_keeps_the_character() {
        assert_eq!(unescape_tag_value(r"\b\x"), "bx");
    }

    #[test]
    fn trailing_lone_backslash_is_dropped() {
        assert_eq!(unescape_tag_value(r"abc\"), "abc");
        assert_eq!(unescape_tag_value(r"abc\\"), "abc\\");
    }

    #[test]
    fn escapes_every_special_character() {
        assert_eq!(escaped_tag_value("a;b c\\d\re\nf"), r"a\:b\sc\\d\re\nf");
    }

    #[test]
    fn nul_is_left_out_as_it_has_no_escape() {
        assert_eq!(escaped_tag_value("a\0b\0"), "ab");
        assert_eq!(escaped_tag_value("\0"), "");
    }

    #[test]
    fn escape_then_unescape_is_identity() {
        for value in [
            "",
            "plain",
            "; \\ \r\n",
            "小明 ; =",
            "\\s literally",
            "end\\",
        ] {
            assert_eq!(unescape_tag_value(&escaped_tag_value(value)), value);
        }
    }
}
