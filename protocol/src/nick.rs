//! Nicknames: validation (any script, IRC specials, nothing hidden or
//! look-alike) and a newtype that only holds valid ones.

use crate::Casemapping;
use crate::lookalike::{self, Hidden};

/// Special characters allowed anywhere in a nickname, including first.
const SPECIALS: &str = "[]\\`_^{|}";

/// A valid nickname, as typed (not case-folded).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Nick(String);

/// Why a string is not a valid nickname. The messages are meant to be shown to users.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NickError {
    /// No characters at all.
    #[error("nickname is empty: choose a nickname of at least one character")]
    Empty,
    /// More than `max` characters.
    #[error("nickname is too long: use at most {max} characters")]
    TooLong {
        /// The maximum number of characters.
        max: usize,
    },
    /// The first character is not a letter or one of the specials.
    #[error("nickname must start with a letter or one of []\\`_^{{|}}, not {0:?}")]
    InvalidFirst(char),
    /// A later character is not a letter, digit, special or `-`.
    #[error("nickname may contain only letters, digits and []\\`_^{{|}}-, not {0:?}")]
    InvalidChar(char),
    /// An invisible character (zero-width space, joiner, ...).
    #[error("nickname must not contain invisible characters (found U+{:04X})", *.0 as u32)]
    Invisible(char),
    /// A bidirectional control character (right-to-left override, ...).
    #[error("nickname must not contain text-direction controls (found U+{:04X})", *.0 as u32)]
    BidiControl(char),
    /// A letter Unicode does not recommend in names (obsolete or look-alike forms).
    #[error("nickname must not contain {0:?}: it is a look-alike or obsolete letter")]
    NotRecommended(char),
    /// Letters of scripts that impersonate each other (e.g. Latin with Cyrillic).
    #[error(
        "nickname mixes scripts that look alike (e.g. Latin with Cyrillic or Greek): use one script"
    )]
    MixedScript,
    /// Refused by the PRECIS username profile (RFC 8265), e.g. a right-to-left nick ending in a digit.
    #[error("nickname cannot be compared safely (RFC 8265 refuses it): try another")]
    NotComparable,
}

impl Nick {
    /// Validates `s` as a nickname of at most `max_chars` characters (counted as chars, not bytes).
    ///
    /// The first character is a letter of any script or one of ``[]\`_^{|}``; the rest are letters
    /// or digits of any script (with combining marks), those specials, or `-`. Invisible and bidi-control characters,
    /// letters Unicode TS #39 does not recommend, and confusable script mixes are refused, as are
    /// names the RFC 8265 casemapping cannot fold.
    pub fn parse(s: &str, max_chars: usize) -> Result<Nick, NickError> {
        match lookalike::find_hidden(s) {
            Some(Hidden::Invisible(c)) => return Err(NickError::Invisible(c)),
            Some(Hidden::BidiControl(c)) => return Err(NickError::BidiControl(c)),
            None => {}
        }
        let mut chars = s.chars();
        let first = chars.next().ok_or(NickError::Empty)?;
        if !(first.is_alphabetic() || SPECIALS.contains(first)) {
            return Err(NickError::InvalidFirst(first));
        }
        if let Some(bad) = chars.find(|&c| {
            !(c.is_alphanumeric()
                || c == '-'
                || SPECIALS.contains(c)
                || unicode_normalization::char::is_combining_mark(c))
        }) {
            return Err(NickError::InvalidChar(bad));
        }
        if s.chars().count() > max_chars {
            return Err(NickError::TooLong { max: max_chars });
        }
        if !Casemapping::Rfc8265.accepts(s) {
            return Err(NickError::NotComparable);
        }
        // Judged as compared: fullwidth `ａ` is `a` by then.
        let folded = Casemapping::Rfc8265.fold(s);
        if let Some(c) = lookalike::find_not_recommended(&folded) {
            return Err(NickError::NotRecommended(c));
        }
        if lookalike::is_mixed_script_confusable(&folded) {
            return Err(NickError::MixedScript);
        }
        Ok(Nick(s.to_owned()))
    }
}

crate::names::name_string_impls!(Nick, "nickname");

/// Whether `s` is a valid nickname of at most `max_chars` characters; see [`Nick::parse`].
pub fn is_valid_nick(s: &str, max_chars: usize) -> bool {
    Nick::parse(s, max_chars).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Casemapping;

    #[test]
    fn valid_nicks() {
        for nick in [
            "alice",
            "小明",
            "Zoë",
            "[bot]",
            "a-1",
            "_x",
            "`q",
            "^^",
            "{a}|",
            "\\o|x",
            "Δέλτα9",
        ] {
            assert_eq!(
                Nick::parse(nick, 30).map(|n| n.into_string()),
                Ok(nick.to_owned())
            );
        }
    }

    #[test]
    fn invalid_first_characters() {
        for (nick, first) in [
            ("1abc", '1'),
            ("-x", '-'),
            ("#c", '#'),
            (":x", ':'),
            ("*", '*'),
        ] {
            assert_eq!(
                Nick::parse(nick, 30),
                Err(NickError::InvalidFirst(first)),
                "{nick}"
            );
        }
    }

    #[test]
    fn invalid_later_characters() {
        for (nick, bad) in [
            ("a b", ' '),
            ("a,b", ','),
            ("a!b", '!'),
            ("a@b", '@'),
            ("a\u{1b}b", '\u{1b}'),
            ("a.b", '.'),
            ("a\rb", '\r'),
        ] {
            assert_eq!(
                Nick::parse(nick, 30),
                Err(NickError::InvalidChar(bad)),
                "{nick}"
            );
        }
    }

    #[test]
    fn empty_is_invalid() {
        assert_eq!(Nick::parse("", 30), Err(NickError::Empty));
        assert!(!is_valid_nick("", 30));
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        assert!(is_valid_nick("小明小明", 4));
        assert_eq!(
            Nick::parse("小明小明小", 4),
            Err(NickError::TooLong { max: 4 })
        );
        assert!(is_valid_nick("abcd", 4));
        assert!(!is_valid_nick("abcde", 4));
    }

    #[test]
    fn folded_uses_rfc8265() {
        let nick = Nick::parse("Bob[Away]\\", 30).unwrap();
        assert_eq!(nick.folded(), "bob[away]\\");
        assert_eq!(nick.folded_with(Casemapping::Rfc1459), "bob{away}|");
        assert_eq!(Nick::parse("ZOË", 30).unwrap().folded(), "zoë");
    }

    #[test]
    fn look_alikes_and_hidden_characters_are_refused() {
        for (nick, error) in [
            ("al\u{200B}ice", NickError::Invisible('\u{200B}')),
            ("\u{200D}x", NickError::Invisible('\u{200D}')),
            ("al\u{202E}ice", NickError::BidiControl('\u{202E}')),
            ("\u{0430}lice", NickError::MixedScript),
            ("ᴀlice", NickError::NotRecommended('ᴀ')),
        ] {
            assert_eq!(Nick::parse(nick, 30), Err(error), "{nick:?}");
        }
        // Fullwidth letters are valid; they fold to ASCII (and then collide).
        assert_eq!(Nick::parse("ａlice", 30).unwrap().folded(), "alice");
        assert!(
            NickError::Invisible('\u{200B}')
                .to_string()
                .contains("U+200B")
        );
    }

    #[test]
    fn accessors_and_display() {
        let nick = Nick::parse("Zoë", 30).unwrap();
        assert_eq!(nick.as_str(), "Zoë");
        assert_eq!(nick.as_ref(), "Zoë");
        assert_eq!(nick.to_string(), "Zoë");
    }

    #[test]
    fn error_messages_tell_the_user_what_is_allowed() {
        assert_eq!(
            NickError::InvalidFirst('1').to_string(),
            "nickname must start with a letter or one of []\\`_^{|}, not '1'"
        );
        assert_eq!(
            NickError::TooLong { max: 30 }.to_string(),
            "nickname is too long: use at most 30 characters"
        );
        assert!(NickError::InvalidChar(' ').to_string().contains("' '"));
    }
}
