//! IRC operators: the `[[operators]]` blocks of natterd.toml and checking an
//! `OPER` against them. A block names an operator and the credentials that
//! prove it: an argon2id password hash (`natterd hash-password`), a TLS
//! client-certificate fingerprint, or both (then both must match), optionally
//! only from a host mask. Failed attempts are counted like failed logins, so
//! guessing an operator password is as slow as guessing an account's.

use crate::accounts::password;
use crate::accounts::{Limiter, Limits, Window};
use natter_protocol::Fingerprint;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// One `[[operators]]` block as written in the config file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OperatorConfig {
    /// The name given to `OPER <name> <password>` (case-sensitive).
    pub name: String,
    /// The argon2id PHC hash of the password, as `natterd hash-password` prints it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// The SHA-256 fingerprint of a TLS client certificate the operator must present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certfp: Option<String>,
    /// Only from hosts matching this mask (`*` and `?` wildcards): `192.168.1.*`
    /// matches the address, `admin@10.0.0.5` the `user@address`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
}

impl OperatorConfig {
    /// Checks one block; returns the offending field and why.
    fn validate(&self) -> Result<(), (&'static str, String)> {
        if self.name.is_empty() || self.name.contains([' ', ',', ':']) {
            return Err((
                "name",
                "must be a non-empty word without spaces, commas or colons".into(),
            ));
        }
        if self.password.is_none() && self.certfp.is_none() {
            return Err((
                "name",
                "needs a password (an argon2id hash) or a certfp (or both)".into(),
            ));
        }
        if let Some(hash) = &self.password
            && !password::is_argon2id(hash)
        {
            return Err((
                "password",
                "must be an argon2id hash ($argon2id$...) as `natterd hash-password` prints it, never the password itself".into(),
            ));
        }
        if let Some(certfp) = &self.certfp
            && let Err(error) = certfp.parse::<Fingerprint>()
        {
            return Err(("certfp", error.to_string()));
        }
        if self.host.as_ref().is_some_and(|host| host.is_empty()) {
            return Err(("host", "must be a mask such as \"192.168.1.*\"".into()));
        }
        Ok(())
    }
}

/// Checks every block: `Err((index of the block, field, why))`.
pub fn validate(blocks: &[OperatorConfig]) -> Result<(), (usize, &'static str, String)> {
    for (index, block) in blocks.iter().enumerate() {
        block
            .validate()
            .map_err(|(field, why)| (index, field, why))?;
        if blocks[..index].iter().any(|other| other.name == block.name) {
            return Err((
                index,
                "name",
                format!("`{}` names two operator blocks", block.name),
            ));
        }
    }
    Ok(())
}

/// Why an `OPER` was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OperError {
    /// No block has that name, or it is not for this host (491).
    NoBlock,
    /// The password or certificate does not match (464).
    Mismatch,
    /// Too many failures lately: wait this many seconds (464).
    TooMany(u64),
}

/// Who is asking to become an operator.
#[derive(Debug, Clone, Copy)]
pub struct Applicant<'a> {
    /// The username (ident).
    pub user: &'a str,
    /// The host as others see it.
    pub host: &'a str,
    /// The peer's address (failures are counted per address).
    pub ip: IpAddr,
    /// The TLS client certificate presented, if any.
    pub cert: Option<Fingerprint>,
}

/// The configured operators and the failure counts against them.
#[derive(Debug, Default)]
pub struct Operators {
    blocks: Vec<OperatorConfig>,
    limiter: Limiter,
}

impl Operators {
    /// The operators of a validated config.
    pub fn new(blocks: &[OperatorConfig]) -> Operators {
        Operators {
            blocks: blocks.to_vec(),
            limiter: Limiter::default(),
        }
    }

    /// Each operator's name and host mask (for `STATS o`): nothing secret.
    pub fn names_and_hosts(&self) -> impl Iterator<Item = (&str, Option<&str>)> {
        self.blocks
            .iter()
            .map(|block| (block.name.as_str(), block.host.as_deref()))
    }

    /// Whether any operator is configured.
    pub fn is_empty(&self) -> bool {
        self.blocks.is_empty()
    }

    /// Checks `OPER name password` from `applicant` within the failure
    /// `limits`, counting a failure against `failures` (this connection) and
    /// the address. The password hash is verified on the blocking pool.
    /// Returns the block's name.
    pub async fn authenticate(
        &self,
        name: &str,
        password: &str,
        applicant: Applicant<'_>,
        failures: &mut Window,
        limits: Limits,
    ) -> Result<String, OperError> {
        self.limiter
            .check(failures, applicant.ip, limits)
            .map_err(OperError::TooMany)?;
        let result = self.check(name, password, applicant).await;
        if result.is_err() {
            self.limiter.failed(failures, applicant.ip, limits);
        }
        result
    }

    async fn check(
        &self,
        name: &str,
        password: &str,
        applicant: Applicant<'_>,
    ) -> Result<String, OperError> {
        let block = self
            .blocks
            .iter()
            .find(|block| block.name == name && host_allowed(block, applicant))
            .ok_or(OperError::NoBlock)?;
        if let Some(expected) = &block.certfp {
            let expected = expected.parse::<Fingerprint>().ok();
            if expected.is_none() || applicant.cert != expected {
                return Err(OperError::Mismatch);
            }
        }
        if let Some(hash) = &block.password {
            let (password, hash) = (password.to_string(), hash.clone());
            let matches = tokio::task::spawn_blocking(move || password::verify(&password, &hash))
                .await
                .unwrap_or(false);
            if !matches {
                return Err(OperError::Mismatch);
            }
        }
        Ok(block.name.clone())
    }
}

/// Whether `block` may be used from where `applicant` connects.
fn host_allowed(block: &OperatorConfig, applicant: Applicant<'_>) -> bool {
    let Some(mask) = &block.host else {
        return true;
    };
    let text = if mask.contains('@') {
        format!("{}@{}", applicant.user, applicant.host)
    } else {
        applicant.host.to_string()
    };
    natter_protocol::wildcard_match(&mask.to_ascii_lowercase(), &text.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn block(name: &str) -> OperatorConfig {
        OperatorConfig {
            name: name.to_string(),
            password: password::hash("operpassword").ok(),
            ..OperatorConfig::default()
        }
    }

    fn applicant(host: &str) -> Applicant<'_> {
        Applicant {
            user: "ops",
            host,
            ip: IpAddr::from([127, 0, 0, 1]),
            cert: None,
        }
    }

    const LIMITS: Limits = Limits {
        per_connection: 2,
        per_address: 10,
        window: Duration::from_secs(60),
    };

    #[test]
    fn validation_names_the_block_and_field() {
        let mut plain = block("root");
        plain.password = Some("hunter2".to_string());
        assert_eq!(
            validate(&[block("a"), plain]).map_err(|e| (e.0, e.1)),
            Err((1, "password"))
        );
        let none = OperatorConfig {
            name: "x".into(),
            ..OperatorConfig::default()
        };
        assert_eq!(validate(&[none]).map_err(|e| e.1), Err("name"));
        assert_eq!(validate(&[block("a"), block("a")]).map_err(|e| e.0), Err(1));
        let mut bad_fp = block("a");
        bad_fp.certfp = Some("abc".into());
        assert_eq!(validate(&[bad_fp]).map_err(|e| e.1), Err("certfp"));
        assert_eq!(validate(&[block("a"), block("b")]), Ok(()));
    }

    #[tokio::test]
    async fn password_host_and_failure_limit() {
        let mut restricted = block("lan");
        restricted.host = Some("192.168.1.*".into());
        let operators = Operators::new(&[block("root"), restricted]);
        let mut window = Window::new();
        let here = applicant("127.0.0.1");
        let ok = operators
            .authenticate("root", "operpassword", here, &mut window, LIMITS)
            .await;
        assert_eq!(ok, Ok("root".to_string()));
        let lan = operators
            .authenticate(
                "lan",
                "operpassword",
                applicant("192.168.1.7"),
                &mut window,
                LIMITS,
            )
            .await;
        assert_eq!(lan, Ok("lan".to_string()));
        let elsewhere = operators
            .authenticate("lan", "operpassword", here, &mut window, LIMITS)
            .await;
        assert_eq!(elsewhere, Err(OperError::NoBlock));
        let wrong = operators
            .authenticate("root", "guess", here, &mut window, LIMITS)
            .await;
        assert_eq!(wrong, Err(OperError::Mismatch));
        // Two failures on this connection: the right password is not even looked at.
        let refused = operators
            .authenticate("root", "operpassword", here, &mut window, LIMITS)
            .await;
        assert!(matches!(refused, Err(OperError::TooMany(_))), "{refused:?}");
    }

    #[tokio::test]
    async fn a_certificate_block_needs_that_certificate() {
        let cert = Fingerprint::of_der(b"certificate");
        let operators = Operators::new(&[OperatorConfig {
            name: "certop".into(),
            certfp: Some(cert.to_string()),
            ..OperatorConfig::default()
        }]);
        let mut window = Window::new();
        let mut with_cert = applicant("127.0.0.1");
        with_cert.cert = Some(cert);
        let ok = operators
            .authenticate("certop", "", with_cert, &mut window, LIMITS)
            .await;
        assert_eq!(ok, Ok("certop".to_string()));
        let without = operators
            .authenticate("certop", "", applicant("127.0.0.1"), &mut window, LIMITS)
            .await;
        assert_eq!(without, Err(OperError::Mismatch));
    }
}
