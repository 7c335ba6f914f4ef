//! The username (the `user` of `nick!user@host`) both dialects give their
//! clients: the IRC dialect takes it from `USER`, the plain dialect from the
//! nickname. It sits below both so that neither borrows from the other.

/// Longest username, the `~` included (advertised as `USERLEN`).
pub const MAX_LENGTH: usize = 16;

/// A safe username made of `given`: ident-like characters only, prefixed `~`
/// because nothing verified it (no ident lookup).
pub fn unverified(given: &str) -> String {
    let cleaned: String = given
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .take(MAX_LENGTH - 1)
        .collect();
    if cleaned.is_empty() {
        "~user".to_string()
    } else {
        format!("~{cleaned}")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn usernames_are_sanitised() {
        assert_eq!(super::unverified("alice"), "~alice");
        assert_eq!(super::unverified("a@b!c"), "~abc");
        assert_eq!(super::unverified("@@@"), "~user");
        assert_eq!(super::unverified(&"x".repeat(40)).len(), super::MAX_LENGTH);
    }
}
