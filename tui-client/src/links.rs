//! Links in message text: finding `http://` and `https://` URLs and turning
//! one into the target natter itself hands to the terminal (OSC 8) and to
//! the opener. Only what passes [`target`] ever leaves natter as a link:
//! the terminal and the opener never see a byte the network chose that
//! could end the escape sequence or start another.

use std::ops::Range;

/// Longest target natter emits; longer URLs stay plain text (terminals
/// drop or truncate longer OSC 8 targets anyway).
pub const MAX_TARGET: usize = 2048;

/// Byte ranges of the URLs in `text` (already free of control characters),
/// in order. A URL starts with `http://` or `https://` (any case) at a
/// word boundary and runs to whitespace or a character URLs never hold
/// unescaped (`<>"` and backtick); trailing punctuation and a closing
/// bracket without its opening one are left out, as people write
/// "(see https://example.com/a)." in prose.
pub fn find(text: &str) -> Vec<Range<usize>> {
    let mut found = Vec::new();
    let lower = text.to_ascii_lowercase();
    let mut from = 0;
    while let Some(offset) = next_scheme(&lower[from..]) {
        let start = from + offset;
        let boundary = text[..start]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric());
        let end = start
            + text[start..]
                .find(|c: char| c.is_whitespace() || c.is_control() || "<>\"`".contains(c))
                .unwrap_or(text.len() - start);
        let end = start + trimmed_len(&text[start..end]);
        if boundary && target(&text[start..end]).is_some() {
            found.push(start..end);
            from = end;
        } else {
            from = start + 4;
        }
    }
    found
}

/// Offset of the next `http://` or `https://` in lowercased text.
fn next_scheme(lower: &str) -> Option<usize> {
    match (lower.find("http://"), lower.find("https://")) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Length of `candidate` without trailing punctuation or unbalanced
/// closing brackets.
fn trimmed_len(candidate: &str) -> usize {
    let mut end = candidate.len();
    loop {
        let Some(last) = candidate[..end].chars().next_back() else {
            return end;
        };
        let keep = match last {
            '.' | ',' | ':' | ';' | '!' | '?' | '\'' | '*' => false,
            ')' => balanced(&candidate[..end], '(', ')'),
            ']' => balanced(&candidate[..end], '[', ']'),
            '}' => balanced(&candidate[..end], '{', '}'),
            _ => true,
        };
        if keep {
            return end;
        }
        end -= last.len_utf8();
    }
}

/// Whether `text` opens `open` at least as often as it closes `close`.
fn balanced(text: &str, open: char, close: char) -> bool {
    text.matches(open).count() >= text.matches(close).count()
}

/// The link target for a URL as natter emits it: only `http`/`https` with
/// a host and no user name or password (`https://bank.example@evil.example`
/// is a classic disguise), every byte outside printable ASCII (spaces,
/// controls, non-ASCII letters) percent-encoded, at most [`MAX_TARGET`]
/// bytes. `None` means "not a link": the text is shown, never linked.
pub fn target(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let host = authority
        .rsplit_once(':')
        .filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit()))
        .map_or(authority, |(host, _)| host);
    let host_ok = !host.is_empty()
        && !authority.contains('@')
        && host
            .chars()
            .all(|c| c.is_alphanumeric() || "-.[]:_".contains(c));
    if !host_ok || url.chars().any(char::is_control) {
        return None;
    }
    let mut out = String::with_capacity(url.len());
    out.push_str(&scheme);
    out.push_str("://");
    for byte in rest.bytes() {
        if (0x21..0x7f).contains(&byte) && byte != b'\\' {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    (out.len() <= MAX_TARGET).then_some(out)
}

/// The OSC 8 sequence that starts a hyperlink to `target` (which must come
/// from [`target`]), and the one that ends it.
pub fn osc8(target: &str) -> (String, &'static str) {
    (format!("\x1b]8;;{target}\x1b\\"), "\x1b]8;;\x1b\\")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls(text: &str) -> Vec<&str> {
        find(text).into_iter().map(|r| &text[r]).collect()
    }

    #[test]
    fn finds_urls_in_prose_without_their_punctuation() {
        assert_eq!(
            urls("see https://example.com/a, and (http://x.org/wiki/Foo_(bar)). ok"),
            vec!["https://example.com/a", "http://x.org/wiki/Foo_(bar)"]
        );
        assert_eq!(
            urls("HTTPS://Example.com:8080/?q=1#top!"),
            vec!["HTTPS://Example.com:8080/?q=1#top"]
        );
        assert_eq!(urls("<https://a.example/x>"), vec!["https://a.example/x"]);
    }

    #[test]
    fn ignores_what_is_not_a_web_link() {
        assert!(urls("ftp://a.example javascript:alert(1) file:///etc").is_empty());
        assert!(urls("xhttps://a.example").is_empty());
        assert!(urls("https:// nothing").is_empty());
        assert!(urls("https://bank.example@evil.example/login").is_empty());
        assert!(urls("http://").is_empty());
    }

    #[test]
    fn targets_are_printable_ascii_only() {
        assert_eq!(
            target("https://例え.jp/パス").as_deref(),
            Some("https://%E4%BE%8B%E3%81%88.jp/%E3%83%91%E3%82%B9")
        );
        assert_eq!(
            target("http://a.example/x\\y").as_deref(),
            Some("http://a.example/x%5Cy")
        );
        assert_eq!(target("https://a.example/\u{1b}]8;;x"), None);
        assert_eq!(target("https://a.example/\u{9c}"), None);
        let long = format!("https://a.example/{}", "a".repeat(MAX_TARGET));
        assert_eq!(target(&long), None);
    }

    #[test]
    fn osc8_wraps_the_target() {
        let (open, close) = osc8("https://a.example/");
        assert_eq!(open, "\x1b]8;;https://a.example/\x1b\\");
        assert_eq!(close, "\x1b]8;;\x1b\\");
    }
}
