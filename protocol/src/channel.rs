//! Channel names: validation (`#` only, CHANTYPES=#, nothing hidden or
//! look-alike) and a newtype that only holds valid ones.

use crate::lookalike::{self, Hidden};

/// A valid channel name, as typed (not case-folded), e.g. `#lobby`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ChannelName(String);

/// Why a string is not a valid channel name. The messages are meant to be shown to users.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChannelNameError {
    /// The name does not start with `#`.
    #[error("channel names start with '#', as in #lobby")]
    MissingPrefix,
    /// The name is only `#`.
    #[error("channel name is empty: add a name after '#', as in #lobby")]
    TooShort,
    /// The name is longer than `max` bytes.
    #[error("channel name is too long: use at most {max} bytes")]
    TooLong {
        /// The maximum length in bytes.
        max: usize,
    },
    /// The name contains a space, comma or control character.
    #[error("channel name must not contain spaces, commas or control characters (found {0:?})")]
    InvalidChar(char),
    /// An invisible character (zero-width space, joiner, ...).
    #[error("channel name must not contain invisible characters (found U+{:04X})", *.0 as u32)]
    Invisible(char),
    /// A bidirectional control character.
    #[error("channel name must not contain text-direction controls (found U+{:04X})", *.0 as u32)]
    BidiControl(char),
    /// Letters of scripts that impersonate each other (e.g. Latin with Cyrillic).
    #[error(
        "channel name mixes scripts that look alike (e.g. Latin with Cyrillic or Greek): use one script"
    )]
    MixedScript,
}

impl ChannelName {
    /// Validates `s` as a channel name of 2..=`max_bytes` bytes: `#` followed by anything except
    /// space, comma, control characters (C0 such as NUL, BEL, ESC, CR, LF; DEL; C1), invisible and
    /// bidi-control characters, and letters mixing look-alike scripts.
    pub fn parse(s: &str, max_bytes: usize) -> Result<ChannelName, ChannelNameError> {
        let Some(name) = s.strip_prefix('#') else {
            return Err(ChannelNameError::MissingPrefix);
        };
        if name.is_empty() {
            return Err(ChannelNameError::TooShort);
        }
        if let Some(bad) = name
            .chars()
            .find(|&c| c == ' ' || c == ',' || c.is_control())
        {
            return Err(ChannelNameError::InvalidChar(bad));
        }
        if s.len() > max_bytes {
            return Err(ChannelNameError::TooLong { max: max_bytes });
        }
        match lookalike::find_hidden(name) {
            Some(Hidden::Invisible(c)) => return Err(ChannelNameError::Invisible(c)),
            Some(Hidden::BidiControl(c)) => return Err(ChannelNameError::BidiControl(c)),
            None => {}
        }
        if lookalike::is_mixed_script_confusable(name) {
            return Err(ChannelNameError::MixedScript);
        }
        Ok(ChannelName(s.to_owned()))
    }
}

crate::names::name_string_impls!(ChannelName, "channel name");

/// Whether `s` is a valid channel name of at most `max_bytes` bytes; see [`ChannelName::parse`].
pub fn is_valid_channel(s: &str, max_bytes: usize) -> bool {
    ChannelName::parse(s, max_bytes).is_ok()
}

/// Whether a message target names a channel (starts with `#`) rather than a nick.
pub fn is_channel_name(s: &str) -> bool {
    s.starts_with('#')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_names() {
        for name in [
            "#lobby",
            "#a",
            "#Rust-lang",
            "#小明",
            "#a.b:c",
            "##",
            "#[x]",
        ] {
            assert_eq!(
                ChannelName::parse(name, 50).map(ChannelName::into_string),
                Ok(name.to_owned())
            );
        }
    }

    #[test]
    fn must_start_with_hash() {
        for name in ["lobby", "&local", "", "+x", "!abc"] {
            assert_eq!(
                ChannelName::parse(name, 50),
                Err(ChannelNameError::MissingPrefix),
                "{name}"
            );
        }
    }

    #[test]
    fn control_and_bidi_characters_are_refused() {
        for bad in ['\u{1b}', '\u{7}', '\u{7f}', '\u{9b}'] {
            assert_eq!(
                ChannelName::parse(&format!("#a{bad}b"), 50),
                Err(ChannelNameError::InvalidChar(bad)),
                "{bad:?}"
            );
        }
        for bad in ['\u{202e}', '\u{2066}', '\u{200f}', '\u{61c}'] {
            assert_eq!(
                ChannelName::parse(&format!("#a{bad}b"), 50),
                Err(ChannelNameError::BidiControl(bad)),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn hash_alone_is_too_short() {
        assert_eq!(ChannelName::parse("#", 50), Err(ChannelNameError::TooShort));
    }

    #[test]
    fn forbidden_characters() {
        for (name, bad) in [
            ("#a b", ' '),
            ("#a,b", ','),
            ("#a\u{7}", '\u{7}'),
            ("#a\0", '\0'),
            ("#a\rb", '\r'),
            ("#a\nb", '\n'),
            ("#\u{1b}[2J", '\u{1b}'),
            ("#a\u{7f}", '\u{7f}'),
        ] {
            assert_eq!(
                ChannelName::parse(name, 50),
                Err(ChannelNameError::InvalidChar(bad)),
                "{name:?}"
            );
        }
    }

    #[test]
    fn length_counts_bytes() {
        assert!(is_valid_channel("#abc", 4));
        assert_eq!(
            ChannelName::parse("#abcd", 4),
            Err(ChannelNameError::TooLong { max: 4 })
        );
        // "#小" is 4 bytes.
        assert!(is_valid_channel("#小", 4));
        assert!(!is_valid_channel("#小a", 4));
    }

    #[test]
    fn hidden_and_mixed_script_names_are_refused() {
        assert_eq!(
            ChannelName::parse("#lob\u{200B}by", 50),
            Err(ChannelNameError::Invisible('\u{200B}'))
        );
        assert_eq!(
            ChannelName::parse("#\u{202E}ybbol", 50),
            Err(ChannelNameError::BidiControl('\u{202E}'))
        );
        assert_eq!(
            ChannelName::parse("#l\u{043E}bby", 50),
            Err(ChannelNameError::MixedScript)
        );
        assert!(is_valid_channel("#лобби", 50));
        assert!(is_valid_channel("#tea☕", 50));
    }

    #[test]
    fn folded_uses_rfc8265() {
        let name = ChannelName::parse("#Lobby[1]", 50).unwrap();
        assert_eq!(name.folded(), "#lobby[1]");
        assert_eq!(ChannelName::parse("#CAFÉ", 50).unwrap().folded(), "#café");
        assert_eq!(name.as_str(), "#Lobby[1]");
        assert_eq!(name.to_string(), "#Lobby[1]");
    }

    #[test]
    fn is_channel_name_checks_the_prefix_only() {
        assert!(is_channel_name("#lobby"));
        assert!(is_channel_name("#"));
        assert!(!is_channel_name("alice"));
        assert!(!is_channel_name("&local"));
        assert!(!is_channel_name(""));
    }
}
