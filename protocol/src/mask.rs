//! IRC masks (`nick!user@host` with wildcards), as bans on the server and
//! ignores in the client match them: one matcher, so both agree.

/// IRC mask matching: `*` matches any run of characters, `?` any one.
/// Callers fold both sides with the casemapping first.
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    let (mut p, mut t) = (0, 0);
    // Where the last `*` was, and how much of the text it has swallowed so far.
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == '?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == '*' {
            star = Some((p, t));
            p += 1;
        } else if let Some((star_p, star_t)) = star {
            p = star_p + 1;
            t = star_t + 1;
            star = Some((star_p, star_t + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_like_irc_masks() {
        assert!(wildcard_match("*!*@127.0.0.1", "bob!b@127.0.0.1"));
        assert!(wildcard_match("b?b!*@*", "bob!x@y"));
        assert!(!wildcard_match("b?b!*@*", "bobby!x@y"));
        assert!(wildcard_match("*", ""));
        assert!(!wildcard_match("a*c", "abd"));
        assert!(wildcard_match("a*c*e", "abcde"));
        assert!(wildcard_match("小明!*@*", "小明!x@h"));
    }
}
