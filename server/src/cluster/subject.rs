//! Names on NATS: the subjects room events and whispers travel on, the
//! JetStream stream and key-value buckets, and how a folded nick or channel
//! name becomes one token of them.
//!
//! Subjects are `natter.<network>.room.<folded channel>` and
//! `natter.<network>.user.<folded nick>`. A NATS token cannot hold `.`,
//! spaces or wildcards, and key-value keys allow only `[-/_=.a-zA-Z0-9]`,
//! while IRC names may hold almost anything (`#a.b`, `小明`). So every name
//! goes through one escaping, [`token`]: `a`-`z`, `0`-`9`, `-` and `_` stay,
//! every other byte becomes `=XX` (upper-case hex). `#lobby` is `=23lobby`.
//! The escaping is injective, so two different folded names never share a
//! subject or a key, and the result is valid both as a subject token and as a
//! key-value key.

use std::fmt::Write as _;

/// One subject token (and key-value key) for `name`, escaped as the module says.
pub fn token(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for byte in name.bytes() {
        if byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-' || byte == b'_' {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "={byte:02X}");
        }
    }
    out
}

/// The name a [`token`] was made from; `None` for text no token can be.
pub fn untoken(token: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(token.len());
    let mut rest = token.as_bytes();
    while let Some((&first, tail)) = rest.split_first() {
        if first == b'=' {
            let hex = tail.get(..2)?;
            let hex = std::str::from_utf8(hex).ok()?;
            if hex.bytes().any(|b| b.is_ascii_lowercase()) {
                return None;
            }
            bytes.push(u8::from_str_radix(hex, 16).ok()?);
            rest = &tail[2..];
        } else if first.is_ascii_lowercase()
            || first.is_ascii_digit()
            || first == b'-'
            || first == b'_'
        {
            bytes.push(first);
            rest = tail;
        } else {
            return None;
        }
    }
    String::from_utf8(bytes).ok()
}

/// The names one network uses on NATS. Several natter networks can share a
/// NATS account: everything is under `natter.<network>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subjects {
    network: String,
    prefix: String,
    /// The network as a bucket/stream-name part: `[a-z0-9]` kept, every
    /// other byte `_XX` (bucket names allow no `=`), so still injective.
    resource: String,
}

impl Subjects {
    /// The names of `network` (the `[server] network` setting).
    pub fn new(network: &str) -> Subjects {
        let network_token = token(network);
        let mut resource = String::with_capacity(network.len());
        for byte in network.bytes() {
            if byte.is_ascii_lowercase() || byte.is_ascii_digit() {
                resource.push(char::from(byte));
            } else {
                let _ = write!(resource, "_{byte:02X}");
            }
        }
        Subjects {
            network: network.to_string(),
            prefix: format!("natter.{network_token}"),
            resource,
        }
    }

    /// The network these names belong to.
    pub fn network(&self) -> &str {
        &self.network
    }

    /// Where a channel's events go: `natter.<network>.room.<folded channel>`.
    pub fn room(&self, folded_channel: &str) -> String {
        format!("{}.room.{}", self.prefix, token(folded_channel))
    }

    /// Every room's subject (a wildcard): what the history stream captures.
    pub fn all_rooms(&self) -> String {
        format!("{}.room.>", self.prefix)
    }

    /// The folded channel name of a room subject, if it is one of ours.
    pub fn room_of(&self, subject: &str) -> Option<String> {
        let rest = subject.strip_prefix(&self.prefix)?.strip_prefix(".room.")?;
        untoken(rest)
    }

    /// Where whispers to a nick go: `natter.<network>.user.<folded nick>`.
    pub fn user(&self, folded_nick: &str) -> String {
        format!("{}.user.{}", self.prefix, token(folded_nick))
    }

    /// Where a node's control traffic goes (roster requests, its leaving).
    pub fn node(&self, node: &str) -> String {
        format!("{}.node.{}", self.prefix, token(node))
    }

    /// Every node's control subject (a wildcard).
    pub fn all_nodes(&self) -> String {
        format!("{}.node.*", self.prefix)
    }

    /// The JetStream stream holding every room's events: the cluster's one
    /// copy of channel history and the source of each room's order.
    pub fn room_stream(&self) -> String {
        format!("NATTER_{}_ROOMS", self.resource)
    }

    /// The key-value bucket arbitrating nick ownership.
    pub fn nick_bucket(&self) -> String {
        format!("natter_{}_nicks", self.resource)
    }

    /// The key-value bucket holding each channel's shared state.
    pub fn channel_bucket(&self) -> String {
        format!("natter_{}_channels", self.resource)
    }

    /// The key-value bucket of accounts (by confusable skeleton).
    pub fn account_bucket(&self) -> String {
        format!("natter_{}_accounts", self.resource)
    }

    /// The key-value bucket of client certificates (by fingerprint), each
    /// naming the account it logs in to.
    pub fn cert_bucket(&self) -> String {
        format!("natter_{}_certs", self.resource)
    }

    /// The key-value bucket of ChanServ-registered channels.
    pub fn registration_bucket(&self) -> String {
        format!("natter_{}_registered", self.resource)
    }

    /// The key-value bucket of node heartbeats.
    pub fn node_bucket(&self) -> String {
        format!("natter_{}_nodes", self.resource)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn readable_for_ordinary_names() {
        assert_eq!(token("#lobby"), "=23lobby");
        assert_eq!(token("alice_2-b"), "alice_2-b");
        assert_eq!(token("#a.b"), "=23a=2Eb");
        assert_eq!(token("小"), "=E5=B0=8F");
    }

    #[test]
    fn subjects_of_a_network() {
        let subjects = Subjects::new("natter");
        assert_eq!(subjects.room("#lobby"), "natter.natter.room.=23lobby");
        assert_eq!(subjects.user("zoë"), "natter.natter.user.zo=C3=AB");
        assert_eq!(subjects.all_rooms(), "natter.natter.room.>");
        assert_eq!(
            subjects.room_of("natter.natter.room.=23lobby").as_deref(),
            Some("#lobby")
        );
        assert_eq!(subjects.room_of("natter.other.room.=23lobby"), None);
        assert_eq!(subjects.room_of("natter.natter.user.bob"), None);
        let odd = Subjects::new("My.Net");
        assert_eq!(odd.room("#x"), "natter.=4Dy=2E=4Eet.room.=23x");
        assert_eq!(odd.room_stream(), "NATTER__4Dy_2E_4Eet_ROOMS");
        assert_eq!(Subjects::new("a_b").nick_bucket(), "natter_a_5Fb_nicks");
    }

    #[test]
    fn malformed_tokens_are_refused() {
        for bad in ["=2", "=zz", "=2e", "A", "a.b", "a b", "=FF"] {
            assert_eq!(untoken(bad), None, "{bad}");
        }
    }

    proptest! {
        #[test]
        fn escaping_is_reversible_and_valid(name in "\\PC{0,24}") {
            let escaped = token(&name);
            prop_assert!(escaped.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'=' || b == b'-' || b == b'_'));
            prop_assert_eq!(untoken(&escaped), Some(name));
        }

        #[test]
        fn different_names_never_share_a_token(a in "[#a-zA-Z=._ ]{0,6}", b in "[#a-zA-Z=._ ]{0,6}") {
            prop_assume!(a != b);
            prop_assert_ne!(token(&a), token(&b));
        }
    }
}
