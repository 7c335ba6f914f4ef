//! An event's source: who did something, as `nick!user@host` plus the
//! account and real name some capabilities show, and the prefix the wire
//! writes for it, worked out once per source.

use natter_protocol::SourceWord;
use std::sync::OnceLock;

/// Who did something: the `nick!user@host` every event carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The nickname at the time of the event.
    pub nick: String,
    /// The username (ident).
    pub user: String,
    /// The host, here the peer's IP address.
    pub host: String,
    /// The account it is logged in to (IRCv3 `account-tag`, `extended-join`).
    pub account: Option<String>,
    /// Its real name (`extended-join`).
    pub realname: String,
    /// `nick!user@host` as an IRC line writes it, worked out the first
    /// time it is written (see [`Source::prefix_word`]); build with
    /// `Default::default()`.
    pub prefix_word: PrefixWord,
}

impl Source {
    /// `nick!user@host`, the IRC prefix.
    pub fn prefix(&self) -> String {
        format!("{}!{}@{}", self.nick, self.user, self.host)
    }

    /// `nick!user@host` as [`LineWriter::source`](natter_protocol::LineWriter::source)
    /// writes it, worked out once per source: a client's messages share
    /// one `Source` ([`Client::shared_source`](super::client::Client::shared_source)), so its prefix is written
    /// from its parts once, not once per message.
    pub fn prefix_word(&self) -> &SourceWord {
        self.prefix_word
            .0
            .get_or_init(|| SourceWord::new(&[&self.nick, "!", &self.user, "@", &self.host]))
    }
}

impl Source {
    /// `nick!user@host` as the wire has it: [`prefix_word`](Self::prefix_word)
    /// without its `:` and trailing space, so history stores one piece made
    /// once per source rather than five per message. It equals
    /// [`prefix`](Self::prefix) whenever no part holds a space or a line
    /// break, which a registered client's never do (a validated nick,
    /// [`crate::username::unverified`], an IP address); where one did, the
    /// wire's `_` stands in for it, as in every line the source was sent in.
    pub fn mask(&self) -> &str {
        let word = self.prefix_word().as_str();
        word.strip_prefix(':')
            .and_then(|word| word.strip_suffix(' '))
            .unwrap_or(word)
    }
}

/// The cache behind [`Source::prefix_word`]. It is derived from the other
/// fields, so it never makes two sources unequal, and a clone starts empty:
/// a source copied with some fields changed (`Source { nick, ..old }`)
/// cannot carry the old prefix.
#[derive(Default)]
pub struct PrefixWord(OnceLock<SourceWord>);

impl Clone for PrefixWord {
    fn clone(&self) -> PrefixWord {
        PrefixWord::default()
    }
}

impl PartialEq for PrefixWord {
    fn eq(&self, _: &PrefixWord) -> bool {
        true
    }
}

impl Eq for PrefixWord {}

impl std::fmt::Debug for PrefixWord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PrefixWord")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(nick: &str, user: &str, host: &str) -> Source {
        Source {
            nick: nick.into(),
            user: user.into(),
            host: host.into(),
            account: None,
            realname: String::new(),
            prefix_word: PrefixWord::default(),
        }
    }

    proptest::proptest! {
        /// History stores [`Source::mask`] as the message's source: for
        /// parts without a space or line break it is exactly `nick!user@host`.
        #[test]
        fn a_mask_is_the_prefix_when_no_part_needs_a_stand_in(
            nick in "[^ \r\n\0]{1,20}",
            user in "[^ \r\n\0]{0,16}",
            host in "[^ \r\n\0]{0,40}",
        ) {
            let source = source(&nick, &user, &host);
            proptest::prop_assert_eq!(source.mask(), source.prefix());
        }

        /// What a registered client's parts are made of never needs a
        /// stand-in: a nick the IRC dialect accepts, a username made by
        /// `username::unverified`, an IP address as `Connection::host` writes it.
        #[test]
        fn a_registered_clients_mask_is_its_prefix(
            nick in "[a-zA-Z\u{e9}][a-zA-Z0-9_\u{e9}-]{0,15}",
            given in "\\PC{0,30}",
            ip in proptest::prelude::any::<std::net::IpAddr>(),
        ) {
            proptest::prop_assume!(natter_protocol::nick::is_valid_nick(&nick, 30));
            let host = ip.to_canonical().to_string();
            let host = if host.starts_with(':') { format!("0{host}") } else { host };
            let source = source(&nick, &crate::username::unverified(&given), &host);
            proptest::prop_assert_eq!(source.mask(), source.prefix());
        }
    }

    #[test]
    fn a_mask_takes_the_wires_stand_ins() {
        assert_eq!(source("al ice", "a\r", "h").mask(), "al_ice!a_@h");
    }

    #[test]
    fn a_prefix_word_is_the_prefix_and_a_clone_works_it_out_again() {
        let source = Source {
            nick: "alice".into(),
            user: "a".into(),
            host: "127.0.0.1".into(),
            account: None,
            realname: String::new(),
            prefix_word: PrefixWord::default(),
        };
        assert_eq!(source.prefix_word().as_str(), ":alice!a@127.0.0.1 ");
        let renamed = Source {
            nick: "bob".into(),
            ..source.clone()
        };
        assert_eq!(renamed.prefix_word().as_str(), ":bob!a@127.0.0.1 ");
        assert_eq!(
            source,
            Source {
                nick: "alice".into(),
                ..renamed
            }
        );
    }
}
