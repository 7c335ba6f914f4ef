//! IRC case-mapping: which nicknames and channel names are "the same" (the ISUPPORT `CASEMAPPING`).

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
}

impl Casemapping {
    /// Folds one character; characters outside ASCII are unchanged.
    pub fn fold_char(self, c: char) -> char {
        match (self, c) {
            (_, 'A'..='Z') => c.to_ascii_lowercase(),
            (Casemapping::Ascii, _) => c,
            (_, '[') => '{',
            (_, ']') => '}',
            (_, '\\') => '|',
            (Casemapping::Rfc1459, '~') => '^',
            _ => c,
        }
    }

    /// The folded (canonical, lower-case) form of `s`, for comparisons and map keys.
    pub fn fold(self, s: &str) -> String {
        s.chars().map(|c| self.fold_char(c)).collect()
    }

    /// Whether `a` and `b` are equal under this case-mapping (no allocation).
    pub fn eq(self, a: &str, b: &str) -> bool {
        a.len() == b.len()
            && a.chars()
                .map(|c| self.fold_char(c))
                .eq(b.chars().map(|c| self.fold_char(c)))
    }

    /// The case-mapping named by an ISUPPORT `CASEMAPPING` value (case-insensitive), if known.
    pub fn from_isupport(value: &str) -> Option<Casemapping> {
        [
            Casemapping::Ascii,
            Casemapping::Rfc1459,
            Casemapping::Rfc1459Strict,
        ]
        .into_iter()
        .find(|mapping| mapping.isupport_name().eq_ignore_ascii_case(value))
    }

    /// The name to advertise in ISUPPORT: `ascii`, `rfc1459` or `rfc1459-strict`.
    pub fn isupport_name(self) -> &'static str {
        match self {
            Casemapping::Ascii => "ascii",
            Casemapping::Rfc1459 => "rfc1459",
            Casemapping::Rfc1459Strict => "rfc1459-strict",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Casemapping::{self, Ascii, Rfc1459, Rfc1459Strict};

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
    fn isupport_names_round_trip() {
        for mapping in [Ascii, Rfc1459, Rfc1459Strict] {
            assert_eq!(
                Casemapping::from_isupport(mapping.isupport_name()),
                Some(mapping)
            );
        }
        assert_eq!(Casemapping::from_isupport("RFC1459"), Some(Rfc1459));
        assert_eq!(Casemapping::from_isupport("rfc7613"), None);
        assert_eq!(Rfc1459Strict.isupport_name(), "rfc1459-strict");
    }
}
