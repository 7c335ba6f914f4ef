//! What one key of the account bucket holds, the key itself, and how a
//! slot is written as JSON; plus the account errors a bucket write reports.

use crate::accounts::{AccountError, AccountRecord};
use crate::cluster::subject::token;
use crate::cluster::{ClusterError, bucket};
use natter_protocol::{Casemapping, Skeleton};
use serde::{Deserialize, Serialize};

/// What one key of the bucket holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Slot {
    /// A registered account.
    Account(AccountRecord),
    /// The account that had this name was dropped.
    Dropped {
        /// Its name.
        name: String,
        /// When it was created (which account it was).
        created_ms: i64,
        /// When it was dropped, in Unix milliseconds.
        dropped_ms: i64,
    },
}

/// The key of `name`: its confusable skeleton, as a key token.
pub(super) fn key(name: &str) -> String {
    token(Skeleton::of(name).as_str())
}

pub(super) fn taken(record: &AccountRecord, other: AccountRecord) -> AccountError {
    if Casemapping::Rfc8265.eq(&other.name, &record.name) {
        AccountError::Exists(other.name)
    } else {
        AccountError::LooksLike(other.name)
    }
}

pub(super) fn unreachable(error: impl std::fmt::Display) -> AccountError {
    AccountError::Unreachable(error.to_string())
}

pub(super) fn contended() -> AccountError {
    AccountError::Unavailable("too many concurrent changes; try again".into())
}

pub(super) fn encode(slot: &Slot) -> Result<bytes::Bytes, ClusterError> {
    bucket::encode("account", slot)
}

#[cfg(test)]
pub(super) fn decode(bytes: &[u8]) -> Result<Slot, ClusterError> {
    bucket::decode("account", bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::subject::untoken;

    fn record(name: &str, created_ms: i64) -> AccountRecord {
        AccountRecord {
            name: name.into(),
            created_ms,
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
            certs: vec![],
        }
    }

    #[test]
    fn a_name_its_case_variants_and_its_look_alikes_share_one_key() {
        assert_eq!(key("Alice"), key("alice"));
        assert_eq!(key("ALICE"), key("alice"));
        // Cyrillic а looks like Latin a.
        assert_eq!(key("\u{430}lice"), key("alice"));
        assert_eq!(key("a1ice"), key("alice"));
        assert_ne!(key("alicia"), key("alice"));
        assert!(untoken(&key("Alice")).is_some());
    }

    #[test]
    fn a_taken_name_says_whether_it_is_the_same_or_a_look_alike() {
        assert_eq!(
            taken(&record("ALICE", 1), record("alice", 2)),
            AccountError::Exists("alice".into())
        );
        assert_eq!(
            taken(&record("\u{430}lice", 1), record("alice", 2)),
            AccountError::LooksLike("alice".into())
        );
    }

    #[test]
    fn slots_round_trip_and_never_hold_a_password() {
        for slot in [
            Slot::Account(record("alice", 5)),
            Slot::Dropped {
                name: "alice".into(),
                created_ms: 5,
                dropped_ms: 9,
            },
        ] {
            let bytes = encode(&slot).unwrap_or_default();
            assert_eq!(decode(&bytes).ok(), Some(slot));
        }
        let bytes = encode(&Slot::Account(record("bob", 1))).unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("\"password_hash\":\"$argon2id$"), "{text}");
        assert!(decode(b"{\"account\":{}}").is_err());
    }

    #[test]
    fn an_account_is_the_same_account_by_folded_name_and_creation() {
        let mut changed = record("Alice", 5);
        changed.password_hash = "other".into();
        assert!(record("alice", 5).same_account(&changed));
        assert!(!record("alice", 5).same_account(&record("alice", 6)));
        assert!(!record("alice", 5).same_account(&record("alicia", 5)));
    }
}
