//! Passwords: the length rules, and hashing in argon2id's PHC string
//! format, never plaintext. Hashing and verifying are slow on purpose; call
//! them on the blocking pool ([`hash_off_runtime`]).

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use super::AccountError;

/// The argon2id PHC string (`$argon2id$v=19$m=...`) of `password` with a fresh random salt.
pub fn hash(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|error| error.to_string())
}

/// Whether `password` matches the stored PHC string (false for a damaged one).
pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Whether `stored` is an argon2id PHC string `verify` can check (what
/// `natterd hash-password` prints), so config mistakes show at start-up.
pub fn is_argon2id(stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|parsed| parsed.algorithm.as_str() == "argon2id")
}

/// Shortest password accepted, in characters.
pub const MIN_PASSWORD_CHARS: usize = 6;
/// Longest password accepted, in bytes (it must fit an IRC line anyway).
pub const MAX_PASSWORD_BYTES: usize = 300;

/// Whether `password` is long enough and short enough to be accepted.
pub(super) fn check_password(password: &str) -> Result<(), AccountError> {
    if password.chars().count() < MIN_PASSWORD_CHARS || password.len() > MAX_PASSWORD_BYTES {
        return Err(AccountError::WeakPassword);
    }
    Ok(())
}

/// [`hash`] of `password` on the blocking pool, never on a runtime thread.
pub(super) async fn hash_off_runtime(password: String) -> Result<String, AccountError> {
    tokio::task::spawn_blocking(move || hash(&password))
        .await
        .map_err(|error| AccountError::Unavailable(error.to_string()))?
        .map_err(AccountError::Unavailable)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_salted_and_verify() {
        let first = hash("sesame").unwrap_or_default();
        let second = hash("sesame").unwrap_or_default();
        assert!(first.starts_with("$argon2id$"), "{first}");
        assert!(!first.contains("sesame"));
        assert_ne!(first, second);
        assert!(verify("sesame", &first));
        assert!(!verify("Sesame", &first));
        assert!(!verify("sesame", "not a hash"));
        assert!(is_argon2id(&first));
        assert!(!is_argon2id("sesame"));
        assert!(!is_argon2id(
            "$argon2i$v=19$m=16,t=2,p=1$c2FsdHNhbHQ$Q9bFvEE5p0Yn3Hy1Xfcx3A"
        ));
    }
}
