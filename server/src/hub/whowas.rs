//! WHOWAS (RFC 1459 4.5.3, modern ircdocs): who recently went by a nickname.
//!
//! Whenever a client leaves or changes its nickname, the identity it had is
//! kept in a ring of the last [`CAPACITY`] such records, newest last. Each
//! record holds only what WHOIS showed of that user anyway (nick, user,
//! host, real name) and when it stopped using the name, so the ring is
//! bounded in bytes by the name length limits.

use super::HubState;
use super::client::Client;
use super::name::Folded;
use chrono::{DateTime, Utc};
use std::collections::VecDeque;

/// How many departed identities are remembered (server-wide).
pub const CAPACITY: usize = 1024;

/// One identity a client stopped using.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WasUser {
    /// The nickname, as it was written.
    pub nick: String,
    /// Its username (ident).
    pub user: String,
    /// Its host.
    pub host: String,
    /// Its real name.
    pub realname: String,
    /// When it stopped using the nickname.
    pub until: DateTime<Utc>,
}

/// The ring of departed identities, keyed by folded nickname for lookups.
#[derive(Debug, Default)]
pub struct Whowas {
    entries: VecDeque<(Folded, WasUser)>,
}

impl Whowas {
    /// Remembers `user` under `folded`, forgetting the oldest record when full.
    pub fn record(&mut self, folded: Folded, user: WasUser) {
        if self.entries.len() == CAPACITY {
            self.entries.pop_front();
        }
        self.entries.push_back((folded, user));
    }

    /// The records for `folded`, most recent first, at most `count` of them
    /// (`None`: all).
    pub fn lookup(&self, folded: &str, count: Option<usize>) -> Vec<WasUser> {
        self.entries
            .iter()
            .rev()
            .filter(|(key, _)| key.as_str() == folded)
            .map(|(_, user)| user.clone())
            .take(count.unwrap_or(usize::MAX))
            .collect()
    }
}

impl WasUser {
    /// The identity `client` has now, as of this moment.
    pub fn of(client: &Client) -> WasUser {
        WasUser {
            nick: client.nick.clone(),
            user: client.user.to_string(),
            host: client.host.to_string(),
            realname: client.realname.to_string(),
            until: Utc::now(),
        }
    }
}

impl HubState {
    /// Remembers an identity a client is leaving (quitting or renaming), for WHOWAS.
    pub(crate) fn remember_identity(&mut self, was: WasUser) {
        let folded = self.fold(&was.nick);
        self.whowas.record(folded, was);
    }

    /// WHOWAS `nick`: who went by it, most recent first, at most `count`.
    pub fn whowas(&self, nick: &str, count: Option<usize>) -> Vec<WasUser> {
        self.whowas.lookup(&self.fold(nick), count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn was(nick: &str, user: &str) -> WasUser {
        WasUser {
            nick: nick.into(),
            user: user.into(),
            host: "127.0.0.1".into(),
            realname: "R".into(),
            until: Utc::now(),
        }
    }

    fn key(text: &str) -> Folded {
        Folded::from_folded(text.to_string())
    }

    #[test]
    fn lookups_return_the_newest_first_and_honour_the_count() {
        let mut ring = Whowas::default();
        ring.record(key("bob"), was("Bob", "one"));
        ring.record(key("carol"), was("carol", "c"));
        ring.record(key("bob"), was("bob", "two"));
        let users: Vec<_> = ring
            .lookup("bob", None)
            .into_iter()
            .map(|u| u.user)
            .collect();
        assert_eq!(users, ["two", "one"]);
        assert_eq!(ring.lookup("bob", Some(1))[0].user, "two");
        assert!(ring.lookup("dave", None).is_empty());
    }

    #[test]
    fn the_ring_forgets_the_oldest_beyond_its_capacity() {
        let mut ring = Whowas::default();
        ring.record(key("first"), was("first", "u"));
        for n in 0..CAPACITY {
            ring.record(key(&format!("n{n}")), was("x", "u"));
        }
        assert!(ring.lookup("first", None).is_empty());
        assert_eq!(ring.entries.len(), CAPACITY);
        assert_eq!(ring.lookup(&format!("n{}", CAPACITY - 1), None).len(), 1);
    }
}
