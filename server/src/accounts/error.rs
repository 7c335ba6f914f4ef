//! Why an account operation failed, in the words users are shown.

use super::certs;
use super::password::{MAX_PASSWORD_BYTES, MIN_PASSWORD_CHARS};

/// Why an account operation failed. The texts are shown to users.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountError {
    /// The name is registered already.
    #[error("the account {0} already exists")]
    Exists(String),
    /// The name looks like a registered one.
    #[error("the account name looks too much like the account {0}")]
    LooksLike(String),
    /// The password is too short or too long.
    #[error(
        "passwords need at least {MIN_PASSWORD_CHARS} characters and at most {MAX_PASSWORD_BYTES} bytes"
    )]
    WeakPassword,
    /// Unknown account or wrong password (deliberately the same).
    #[error("invalid account name or password")]
    BadCredentials,
    /// The certificate logs in to another account already.
    #[error("that certificate is already added to another account")]
    CertTaken,
    /// The certificate is this account's already.
    #[error("that certificate is already added to your account")]
    CertAlreadyAdded,
    /// The account has as many certificates as it may.
    #[error(
        "an account may have at most {} certificates; delete one first",
        certs::MAX_CERTS
    )]
    TooManyCerts,
    /// The certificate is not one of the account's.
    #[error("that certificate is not added to your account")]
    NoSuchCert,
    /// The database failed; the account was not changed.
    #[error("accounts are temporarily unavailable ({0})")]
    Unavailable(String),
    /// In a cluster, the shared account store is out of reach (NATS is
    /// down or not yet joined): accounts are not changed on one node alone.
    #[error(
        "accounts cannot be changed while this server is cut off from the rest of its network ({0}); try again later"
    )]
    Unreachable(String),
    /// The account was dropped (on another server of the network) meanwhile.
    #[error("the account no longer exists")]
    Gone,
}
