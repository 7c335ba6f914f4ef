//! IRCv3 message-tag value escaping (`\:` for `;`, `\s` for space, `\\`, `\r`, `\n`).

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
/// LF -> `\n`. NUL, which no line may carry, is written as `\0` (which unescapes to `0`).
pub fn escape_tag_value<W: fmt::Write>(value: &str, out: &mut W) -> fmt::Result {
    for c in value.chars() {
        match c {
            ';' => out.write_str("\\:")?,
            ' ' => out.write_str("\\s")?,
            '\\' => out.write_str("\\\\")?,
            '\r' => out.write_str("\\r")?,
            '\n' => out.write_str("\\n")?,
            '\0' => out.write_str("\\0")?,
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
    fn nul_is_never_written_raw() {
        assert_eq!(escaped_tag_value("a\0b"), r"a\0b");
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
