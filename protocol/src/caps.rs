//! IRCv3 capability lists as sent in `CAP LS/ACK/NAK/NEW/DEL` and `CAP REQ`.

/// One capability of a list, with its modifiers made explicit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CapItem {
    /// The capability name, e.g. `sasl` (without modifiers).
    pub name: String,
    /// The value after `=`, e.g. `PLAIN,EXTERNAL`; `None` when absent or empty.
    pub value: Option<String>,
    /// `true` for `-name`: in `CAP REQ` a request to disable, in `CAP ACK` a confirmation that
    /// the capability is now disabled.
    pub removed: bool,
}

/// Parses a space-separated capability list into items, stripping the `-` (removal) modifier
/// into [`CapItem::removed`] and ignoring the obsolete `=` (sticky) and `~` (ack) modifiers.
/// Runs of spaces are tolerated.
pub fn parse_cap_items(list: &str) -> Vec<CapItem> {
    list.split(' ')
        .filter(|word| !word.is_empty())
        .filter_map(|word| {
            let removed = word.starts_with('-');
            let word = word.trim_start_matches(['-', '=', '~']);
            let (name, value) = word.split_once('=').unwrap_or((word, ""));
            (!name.is_empty()).then(|| CapItem {
                name: name.to_owned(),
                value: (!value.is_empty()).then(|| value.to_owned()),
                removed,
            })
        })
        .collect()
}

/// Parses a capability list into `(name, value)` pairs, e.g.
/// `"server-time sasl=PLAIN,EXTERNAL"` -> `[("server-time", None), ("sasl", Some("PLAIN,EXTERNAL"))]`.
///
/// The obsolete `=` and `~` modifiers are dropped, but a leading `-` (removal) is KEPT in the
/// name (`"-sasl"`), so a removal is never mistaken for an addition; use [`parse_cap_items`] to
/// get it as a flag instead.
pub fn parse_cap_list(list: &str) -> Vec<(String, Option<String>)> {
    parse_cap_items(list)
        .into_iter()
        .map(|item| {
            let name = if item.removed {
                format!("-{}", item.name)
            } else {
                item.name
            };
            (name, item.value)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(name: &str, value: Option<&str>) -> (String, Option<String>) {
        (name.to_owned(), value.map(str::to_owned))
    }

    #[test]
    fn parses_names_and_values() {
        assert_eq!(
            parse_cap_list("server-time sasl=PLAIN,EXTERNAL message-tags"),
            vec![
                pair("server-time", None),
                pair("sasl", Some("PLAIN,EXTERNAL")),
                pair("message-tags", None),
            ]
        );
    }

    #[test]
    fn tolerates_extra_spaces_and_empty_lists() {
        assert_eq!(
            parse_cap_list("  a   b "),
            vec![pair("a", None), pair("b", None)]
        );
        assert!(parse_cap_list("").is_empty());
        assert!(parse_cap_list("   ").is_empty());
    }

    #[test]
    fn removal_is_kept_in_pairs_and_flagged_in_items() {
        assert_eq!(
            parse_cap_list("-multi-prefix sasl"),
            vec![pair("-multi-prefix", None), pair("sasl", None)]
        );
        assert_eq!(
            parse_cap_items("-multi-prefix"),
            vec![CapItem {
                name: "multi-prefix".to_owned(),
                value: None,
                removed: true
            }]
        );
    }

    #[test]
    fn obsolete_modifiers_are_dropped() {
        assert_eq!(
            parse_cap_items("~ack =sticky"),
            vec![
                CapItem {
                    name: "ack".to_owned(),
                    value: None,
                    removed: false
                },
                CapItem {
                    name: "sticky".to_owned(),
                    value: None,
                    removed: false
                },
            ]
        );
    }

    #[test]
    fn empty_value_is_none_and_dash_alone_is_skipped() {
        assert_eq!(parse_cap_list("draft/x= -"), vec![pair("draft/x", None)]);
    }
}
