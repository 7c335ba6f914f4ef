//! IRC case-mapping: which nicknames and channel names are "the same" (the ISUPPORT `CASEMAPPING`).
//!
//! natterd uses [`Casemapping::Rfc8265`]: names in any script compare the way
//! people read them (`Zoë`, `ZOË` and `zoë` are one name; fullwidth `ａ` is `a`).
//! The older ASCII-only mappings stay for talking to other servers.

use precis_profiles::UsernameCaseMapped;
use precis_profiles::precis_core::profile::PrecisFastInvocation;
use unicode_normalization::UnicodeNormalization;

/// A case-mapping as advertised by the ISUPPORT `CASEMAPPING` token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Casemapping {
    /// Only `A`-`Z` fold to `a`-`z`.
    Ascii,
    /// `A`-`Z` and `[]\~` fold to `a`-`z` and `{}|^` (the IRC default).
    #[default]
    Rfc1459,
    /// Like [`Casemapping::Rfc1459`] but `~` and `^` are distinct.
    Rfc1459Strict,
    /// PRECIS `UsernameCaseMapped` (RFC 8265): width mapping, Unicode lower
    /// case and NFC, so case variants in every script collide. Strings the
    /// profile refuses (symbols, spaces) fold by Unicode lower case and NFC.
    Rfc8265,
}

impl Casemapping {
    /// Folds one character the ASCII-only way; characters outside ASCII are
    /// unchanged. For [`Casemapping::Rfc8265`] this is only an approximation
    /// (ASCII letters): fold whole strings with [`Casemapping::fold`].
    pub fn fold_char(self, c: char) -> char {
        match (self, c) {
            (_, 'A'..='Z') => c.to_ascii_lowercase(),
            (Casemapping::Ascii | Casemapping::Rfc8265, _) => c,
            (_, '[') => '{',
            (_, ']') => '}',
            (_, '\\') => '|',
            (Casemapping::Rfc1459, '~') => '^',
            _ => c,
        }
    }

    /// The folded (canonical, lower-case) form of `s`, for comparisons and map keys.
    pub fn fold(self, s: &str) -> String {
        match self {
            Casemapping::Rfc8265 => fold_rfc8265(s),
            _ => s.chars().map(|c| self.fold_char(c)).collect(),
        }
    }

    /// Whether `a` and `b` are equal under this case-mapping (no allocation
    /// for the ASCII-only mappings, nor for two ASCII strings under
    /// [`Casemapping::Rfc8265`]).
    pub fn eq(self, a: &str, b: &str) -> bool {
        match self {
            // Two ASCII strings fold by lower-casing letters alone (see
            // `fold_rfc8265`), so they compare without folding into two new
            // strings: every PRIVMSG is checked against the service names
            // this way (4 allocations and folds per message before).
            Casemapping::Rfc8265 if a.is_ascii() && b.is_ascii() => a.eq_ignore_ascii_case(b),
            Casemapping::Rfc8265 => a == b || fold_rfc8265(a) == fold_rfc8265(b),
            _ => {
                a.len() == b.len()
                    && a.chars()
                        .map(|c| self.fold_char(c))
                        .eq(b.chars().map(|c| self.fold_char(c)))
            }
        }
    }

    /// Whether `s` folds by the mapping's own rules: always for the ASCII
    /// mappings; for [`Casemapping::Rfc8265`] only when the PRECIS profile
    /// accepts it (nicknames must).
    pub fn accepts(self, s: &str) -> bool {
        match self {
            Casemapping::Rfc8265 => UsernameCaseMapped::enforce(s).is_ok(),
            _ => true,
        }
    }

    /// The case-mapping named by an ISUPPORT `CASEMAPPING` value (case-insensitive), if known.
    pub fn from_isupport(value: &str) -> Option<Casemapping> {
        [
            Casemapping::Ascii,
            Casemapping::Rfc1459,
            Casemapping::Rfc1459Strict,
            Casemapping::Rfc8265,
        ]
        .into_iter()
        .find(|mapping| mapping.isupport_name().eq_ignore_ascii_case(value))
    }

    /// The name to advertise in ISUPPORT: `ascii`, `rfc1459`, `rfc1459-strict` or `rfc8265`.
    pub fn isupport_name(self) -> &'static str {
        match self {
            Casemapping::Ascii => "ascii",
            Casemapping::Rfc1459 => "rfc1459",
            Casemapping::Rfc1459Strict => "rfc1459-strict",
            Casemapping::Rfc8265 => "rfc8265",
        }
    }
}

/// PRECIS `UsernameCaseMapped` enforcement, or (for strings it refuses, such
/// as channel names with symbols) width-insensitive Unicode lower case in NFC.
///
/// ASCII takes a shortcut with the same result: both branches leave ASCII
/// unchanged but for lower-casing its letters (width mapping, NFC and NFKC
/// do nothing to it). Nicks and channel names are usually ASCII, and the hub
/// folds a target on every message, so this keeps the PRECIS tables off the
/// message path.
fn fold_rfc8265(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    fold_precis(s)
}

/// [`fold_rfc8265`] without the ASCII shortcut.
fn fold_precis(s: &str) -> String {
    match UsernameCaseMapped::enforce(s) {
        Ok(folded) => folded.into_owned(),
        Err(_) => s.nfkc().flat_map(char::to_lowercase).nfc().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::Casemapping::{self, Ascii, Rfc1459, Rfc1459Strict, Rfc8265};

    #[test]
    fn default_is_rfc1459() {
        assert_eq!(Casemapping::default(), Rfc1459);
    }

    #[test]
    fn rfc1459_folds_letters_and_brackets() {
        assert_eq!(Rfc1459.fold("Nick[A]\\B~"), "nick{a}|b^");
    }

    #[test]
    fn strict_keeps_tilde() {
        assert_eq!(Rfc1459Strict.fold("[A]\\~"), "{a}|~");
    }

    #[test]
    fn ascii_folds_only_letters() {
        assert_eq!(Ascii.fold("[A]\\~Z"), "[a]\\~z");
    }

    #[test]
    fn non_ascii_is_unchanged() {
        assert_eq!(Rfc1459.fold("ZOË小明"), "zoË小明");
        assert!(!Rfc1459.eq("zoë", "ZOË"));
    }

    #[test]
    fn eq_compares_folded_forms() {
        assert!(Rfc1459.eq("Foo[]", "fOO{}"));
        assert!(Rfc1459.eq("a~", "A^"));
        assert!(!Rfc1459Strict.eq("a~", "A^"));
        assert!(!Ascii.eq("a[", "a{"));
        assert!(!Rfc1459.eq("abc", "abcd"));
    }

    #[test]
    fn rfc8265_folds_every_script() {
        assert_eq!(Rfc8265.fold("ZOË"), "zoë");
        assert!(Rfc8265.eq("Zoë", "ZOË"));
        assert!(Rfc8265.eq("zoë", "ZOË"));
        // NFC: e + combining diaeresis is ë.
        assert!(Rfc8265.eq("zoe\u{308}", "ZOË"));
        // Width mapping: fullwidth letters are their ASCII counterparts.
        assert_eq!(Rfc8265.fold("ａlice"), "alice");
        assert_eq!(Rfc8265.fold("ΔΕΛΤΑ"), "δελτα");
        assert_eq!(Rfc8265.fold("小明"), "小明");
        // No RFC 1459 bracket equivalence.
        assert!(!Rfc8265.eq("a[", "a{"));
        assert!(!Rfc8265.eq("alice", "alicf"));
    }

    #[test]
    fn rfc8265_folds_what_precis_refuses_by_lower_case() {
        assert!(!Rfc8265.accepts("#Café ☕"));
        assert_eq!(Rfc8265.fold("#Café ☕"), "#café ☕");
        assert!(Rfc8265.eq("#ＴＥＡ☕", "#tea☕"));
        assert!(Rfc8265.accepts("Zoë"));
        assert!(Rfc1459.accepts("a b"));
    }

    #[test]
    fn rfc8265_ascii_shortcut_matches_precis_for_every_character() {
        for byte in 0u8..=0x7f {
            let one = char::from(byte).to_string();
            assert_eq!(
                super::fold_rfc8265(&one),
                super::fold_precis(&one),
                "{byte:#04x}"
            );
            let nick = format!("Ab{one}Z9");
            assert_eq!(
                super::fold_rfc8265(&nick),
                super::fold_precis(&nick),
                "{byte:#04x}"
            );
        }
        assert_eq!(super::fold_rfc8265(""), super::fold_precis(""));
        assert_eq!(Rfc8265.fold("#Chan-1_[x]"), "#chan-1_[x]");
    }

    proptest::proptest! {
        #[test]
        fn rfc8265_ascii_shortcut_matches_precis(s in "[\\x00-\\x7f]{0,32}") {
            proptest::prop_assert_eq!(super::fold_rfc8265(&s), super::fold_precis(&s));
        }

        /// `eq`'s ASCII comparison agrees with comparing full PRECIS folds,
        /// for ASCII pairs (case variants of one string included) and for
        /// pairs where either side is not ASCII (which take the fold).
        #[test]
        fn rfc8265_eq_matches_comparing_precis_folds(
            a in "[\\x00-\\x7f]{0,12}",
            b in "[\\x00-\\x7f]{0,12}",
            other in "[a-zA-Z\u{ff21}-\u{ff3a}\u{ff41}-\u{ff5a}\u{e0}-\u{ff}\u{391}-\u{3c9}]{0,6}",
        ) {
            let same = |x: &str, y: &str| super::fold_precis(x) == super::fold_precis(y);
            let upper = a.to_ascii_uppercase();
            for (x, y) in [(&a, &b), (&a, &upper), (&a, &other), (&other, &upper)] {
                proptest::prop_assert_eq!(Rfc8265.eq(x, y), same(x, y), "{:?} {:?}", x, y);
            }
        }
    }

    #[test]
    fn rfc8265_eq_of_ascii_and_its_fullwidth_form() {
        assert!(Rfc8265.eq("NickServ", "ＮｉｃｋＳｅｒｖ"));
        assert!(Rfc8265.eq("nickserv", "NICKSERV"));
        assert!(!Rfc8265.eq("NickServ", "NickServ_"));
        assert!(!Rfc8265.eq("a[", "A{"));
    }

    #[test]
    fn isupport_names_round_trip() {
        for mapping in [Ascii, Rfc1459, Rfc1459Strict, Rfc8265] {
            assert_eq!(
                Casemapping::from_isupport(mapping.isupport_name()),
                Some(mapping)
            );
        }
        assert_eq!(Casemapping::from_isupport("RFC1459"), Some(Rfc1459));
        assert_eq!(Casemapping::from_isupport("RFC8265"), Some(Rfc8265));
        assert_eq!(Casemapping::from_isupport("rfc7613"), None);
        assert_eq!(Rfc1459Strict.isupport_name(), "rfc1459-strict");
    }
}
