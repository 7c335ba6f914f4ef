//! Finding the bytes that shape an IRC line (space, NUL, CR, LF) fast.
//!
//! Every received line is searched for NUL, CR and LF, and every relayed
//! text again before it is written; nearly none holds one, so each search
//! reads the whole line. `str`'s character searches decode UTF-8 one
//! character at a time (about a nanosecond a byte: a fifth of the server's
//! CPU for a whisper went into them); these read bytes, vectorised by
//! `memchr`. All four bytes are ASCII, and no byte of a multi-byte UTF-8
//! character is below 0x80, so a byte offset found here is the offset of the
//! same character found by `str::find`.

/// The offset of the first NUL, CR or LF in `text`.
pub(crate) fn find_line_break(text: &str) -> Option<usize> {
    memchr::memchr3(b'\0', b'\r', b'\n', text.as_bytes())
}

/// Whether `text` holds a NUL, CR or LF.
pub(crate) fn has_line_break(text: &str) -> bool {
    find_line_break(text).is_some()
}

/// Whether `text` holds a space, NUL, CR or LF. Words (nicks, hosts,
/// commands, targets) are short, where a plain byte loop beats setting up
/// a vector search; longer text takes two vectorised passes, the first of
/// which usually stops early (text has spaces).
pub(crate) fn has_space_or_line_break(text: &str) -> bool {
    const SHORT: usize = 32;
    let bytes = text.as_bytes();
    if bytes.len() <= SHORT {
        return bytes
            .iter()
            .any(|&b| matches!(b, b' ' | b'\0' | b'\r' | b'\n'));
    }
    memchr::memchr(b' ', bytes).is_some() || has_line_break(text)
}

/// The offset of the first space in `text`.
pub(crate) fn find_space(text: &str) -> Option<usize> {
    memchr::memchr(b' ', text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn the_byte_scans_find_what_the_character_searches_find(
            text in "[a :\r\n\0é小\t\u{10000}]{0,80}",
        ) {
            prop_assert_eq!(find_line_break(&text), text.find(['\0', '\r', '\n']));
            prop_assert_eq!(has_line_break(&text), text.contains(['\0', '\r', '\n']));
            prop_assert_eq!(
                has_space_or_line_break(&text),
                text.contains([' ', '\0', '\r', '\n'])
            );
            prop_assert_eq!(find_space(&text), text.find(' '));
        }
    }

    #[test]
    fn a_long_text_is_searched_to_its_end() {
        for (at, byte) in [(0, ' '), (39, '\r'), (63, '\n'), (99, '\0')] {
            let text = format!("{}{byte}{}", "x".repeat(at), "é".repeat(40));
            assert!(has_space_or_line_break(&text), "{at}");
            assert_eq!(find_line_break(&text), (byte != ' ').then_some(at));
        }
        assert!(!has_space_or_line_break(&"é".repeat(50)));
    }
}
