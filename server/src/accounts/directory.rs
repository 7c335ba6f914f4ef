//! The accounts mirrored in memory: by name, by look-alike skeleton and by
//! client certificate, so that lookups never touch the disk.

use super::Account;
use natter_protocol::{Fingerprint, Skeleton};
use std::collections::HashMap;

/// What the directory keeps per account.
#[derive(Debug, Clone)]
pub(super) struct Entry {
    /// The account as everyone may see it.
    pub(super) account: Account,
    /// Its password's argon2id PHC string.
    pub(super) hash: String,
}

/// Every account in memory, so the hub asks who owns a nick under its lock.
#[derive(Debug, Default)]
pub(super) struct Directory {
    /// By folded name (RFC 8265).
    pub(super) by_folded: HashMap<String, Entry>,
    /// Look-alike skeleton of the name, to the folded name.
    pub(super) by_skeleton: HashMap<Skeleton, String>,
    /// Client certificates, to the folded account they log in to.
    pub(super) by_cert: HashMap<Fingerprint, String>,
}

impl Directory {
    /// Adds `entry` (or replaces the one of its name).
    pub(super) fn insert(&mut self, entry: Entry) {
        self.by_skeleton.insert(
            Skeleton::of(&entry.account.name),
            entry.account.folded.clone(),
        );
        self.by_folded.insert(entry.account.folded.clone(), entry);
    }

    /// Forgets the account `folded` and its certificates.
    pub(super) fn remove(&mut self, folded: &str) {
        if let Some(entry) = self.by_folded.remove(folded) {
            self.by_skeleton.remove(&Skeleton::of(&entry.account.name));
        }
        self.by_cert.retain(|_, account| account != folded);
    }
}
