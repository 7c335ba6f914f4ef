//! Accounts across the cluster: one JetStream key-value bucket that every
//! node writes by compare-and-set and watches into its own
//! [`Accounts`](crate::accounts::Accounts).
//!
//! The key is the account name's confusable skeleton (which folds case
//! first), so one key holds a name, every spelling that folds to it and
//! every look-alike: creating it is `create`, which exactly one of any
//! number of nodes racing wins. The value is the [`AccountRecord`] (the
//! argon2id hash, never a password; creation time; certificates), or, once
//! dropped, a tombstone naming the dropped account, so a node that was away
//! does not publish it again from its cache, and the name can be taken
//! again by compare-and-set on the tombstone's revision.
//!
//! When a node joins it publishes the accounts of its own database that the
//! bucket lacks (a server that ran alone before joining keeps its users'
//! accounts); an account of the same name that is a different account
//! (other creation time) loses to the bucket's, with a warning naming both.
//! Then it watches the bucket: every account as it stands, then every change.
//!
//! Certificates have a bucket of their own, one key per fingerprint naming
//! the account it logs in to (see `certs`), so a certificate belongs to one
//! account across the cluster.

mod certs;
mod share;
mod slot;
mod store;

pub use certs::{CertClaim, CertOwner};
pub use slot::Slot;
pub use store::{AccountBucket, Published};

#[cfg(test)]
#[path = "cert_release_tests.rs"]
mod cert_release_tests;
#[cfg(test)]
#[path = "contention_tests.rs"]
mod contention_tests;
#[cfg(test)]
#[path = "test_nodes.rs"]
mod test_nodes;
