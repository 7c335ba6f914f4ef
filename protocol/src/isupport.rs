//! ISUPPORT (`005`) tokens: `KEY`, `KEY=value`, `-KEY`, with `\xHH`-escaped values.

/// One parsed ISUPPORT token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IsupportToken {
    /// `KEY` or `KEY=value`: the feature is supported. An empty value (`KEY=`) is `None`.
    Set {
        /// The feature name, e.g. `CHANTYPES`.
        key: String,
        /// The unescaped value, if any.
        value: Option<String>,
    },
    /// `-KEY`: a previously advertised feature is withdrawn.
    Removed {
        /// The feature name.
        key: String,
    },
}

impl IsupportToken {
    /// The feature name, whether set or removed.
    pub fn key(&self) -> &str {
        match self {
            IsupportToken::Set { key, .. } | IsupportToken::Removed { key } => key,
        }
    }

    /// The value of a `Set` token, if any.
    pub fn value(&self) -> Option<&str> {
        match self {
            IsupportToken::Set { value, .. } => value.as_deref(),
            IsupportToken::Removed { .. } => None,
        }
    }
}

/// Parses one token of a `005` reply (not the client nick or the final "are supported" text).
pub fn parse_token(token: &str) -> IsupportToken {
    if let Some(key) = token.strip_prefix('-') {
        return IsupportToken::Removed {
            key: key.to_owned(),
        };
    }
    let (key, value) = token.split_once('=').unwrap_or((token, ""));
    IsupportToken::Set {
        key: key.to_owned(),
        value: (!value.is_empty()).then(|| unescape_value(value)),
    }
}

/// Decodes `\xHH` escapes (bytes, so escaped UTF-8 sequences decode too). Malformed escapes are
/// kept literally; invalid UTF-8 becomes U+FFFD.
pub fn unescape_value(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'\\' && bytes.get(index + 1) == Some(&b'x') {
            let hex = bytes.get(index + 2..index + 4).and_then(|hex| {
                let hex = std::str::from_utf8(hex).ok()?;
                u8::from_str_radix(hex, 16).ok()
            });
            if let Some(byte) = hex {
                out.push(byte);
                index += 4;
                continue;
            }
        }
        out.push(bytes[index]);
        index += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Escapes a value for an ISUPPORT token: `\`, `=`, space and ASCII control characters become
/// `\xHH`; everything else (including non-ASCII) is kept.
pub fn escape_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(c, '\\' | '=' | ' ') || c.is_ascii_control() {
            out.push_str(&format!("\\x{:02X}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// Builds one token for a `005` reply: `KEY` or `KEY=escaped-value` (an empty value gives `KEY`).
pub fn token(key: &str, value: Option<&str>) -> String {
    match value.filter(|value| !value.is_empty()) {
        Some(value) => format!("{key}={}", escape_value(value)),
        None => key.to_owned(),
    }
}

/// Parses a `PREFIX` value such as `(ov)@+` into `[('o', '@'), ('v', '+')]` (mode, prefix), in
/// rank order. An empty value or `()` means no prefixes. Returns `None` when malformed.
pub fn parse_prefix(value: &str) -> Option<Vec<(char, char)>> {
    if value.is_empty() {
        return Some(Vec::new());
    }
    let (modes, prefixes) = value.strip_prefix('(')?.split_once(')')?;
    if modes.chars().count() != prefixes.chars().count() {
        return None;
    }
    Some(modes.chars().zip(prefixes.chars()).collect())
}

/// The four groups of a `CHANMODES=A,B,C,D` value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChanModes {
    /// Type A: list modes (always take a parameter), e.g. `b`.
    pub list: String,
    /// Type B: always take a parameter, e.g. `k`.
    pub always_param: String,
    /// Type C: take a parameter only when set, e.g. `l`.
    pub param_when_set: String,
    /// Type D: never take a parameter, e.g. `imnst`.
    pub no_param: String,
}

/// Parses a `CHANMODES` value; extra groups beyond four are ignored, as the spec asks.
pub fn parse_chanmodes(value: &str) -> Option<ChanModes> {
    let mut groups = value.split(',');
    Some(ChanModes {
        list: groups.next()?.to_owned(),
        always_param: groups.next()?.to_owned(),
        param_when_set: groups.next()?.to_owned(),
        no_param: groups.next()?.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(key: &str, value: Option<&str>) -> IsupportToken {
        IsupportToken::Set {
            key: key.to_owned(),
            value: value.map(str::to_owned),
        }
    }

    #[test]
    fn parses_key_value_and_negation() {
        assert_eq!(parse_token("CHANTYPES=#"), set("CHANTYPES", Some("#")));
        assert_eq!(parse_token("SAFELIST"), set("SAFELIST", None));
        assert_eq!(parse_token("EXCEPTS="), set("EXCEPTS", None));
        assert_eq!(
            parse_token("-KNOCK"),
            IsupportToken::Removed {
                key: "KNOCK".to_owned()
            }
        );
        assert_eq!(parse_token("-KNOCK").key(), "KNOCK");
        assert_eq!(parse_token("NICKLEN=30").value(), Some("30"));
    }

    #[test]
    fn value_is_unescaped() {
        assert_eq!(
            parse_token(r"NETWORK=Natter\x20LAN\x3D\x5C").value(),
            Some("Natter LAN=\\")
        );
        // Escaped UTF-8 bytes decode to the character.
        assert_eq!(parse_token(r"NETWORK=\xE5\xB0\x8F").value(), Some("小"));
        // Malformed escapes are kept.
        assert_eq!(unescape_value(r"a\xZZ\x4"), r"a\xZZ\x4");
    }

    #[test]
    fn escape_round_trips() {
        for value in ["Natter LAN", "a=b\\c", "小明", "tab\there"] {
            let escaped = escape_value(value);
            assert!(!escaped.contains([' ', '=']), "{escaped}");
            assert_eq!(unescape_value(&escaped), value);
        }
        assert_eq!(escape_value("a b"), r"a\x20b");
    }

    #[test]
    fn token_builds_what_parse_token_reads() {
        assert_eq!(
            token("NETWORK", Some("Natter LAN")),
            r"NETWORK=Natter\x20LAN"
        );
        assert_eq!(token("SAFELIST", None), "SAFELIST");
        assert_eq!(token("EXCEPTS", Some("")), "EXCEPTS");
        assert_eq!(
            parse_token(&token("NETWORK", Some("a=b c"))),
            set("NETWORK", Some("a=b c"))
        );
    }

    #[test]
    fn prefix_pairs_modes_with_symbols() {
        assert_eq!(parse_prefix("(ov)@+"), Some(vec![('o', '@'), ('v', '+')]));
        assert_eq!(parse_prefix("(qaohv)~&@%+").map(|p| p.len()), Some(5));
        assert_eq!(parse_prefix(""), Some(vec![]));
        assert_eq!(parse_prefix("()"), Some(vec![]));
    }

    #[test]
    fn malformed_prefix_is_rejected() {
        assert_eq!(parse_prefix("(ov)@"), None);
        assert_eq!(parse_prefix("ov@+"), None);
        assert_eq!(parse_prefix("(ov@+"), None);
    }

    #[test]
    fn chanmodes_groups() {
        assert_eq!(
            parse_chanmodes("beI,k,l,imnst"),
            Some(ChanModes {
                list: "beI".to_owned(),
                always_param: "k".to_owned(),
                param_when_set: "l".to_owned(),
                no_param: "imnst".to_owned(),
            })
        );
        assert_eq!(
            parse_chanmodes("b,k,l,imnst,XYZ").map(|m| m.no_param),
            Some("imnst".to_owned())
        );
        assert_eq!(parse_chanmodes("b,k"), None);
    }
}
