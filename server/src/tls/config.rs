//! The `[tls]` section of the server's config file.

use serde::{Deserialize, Deserializer, Serialize, Serializer, de};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Who may use the plaintext port once TLS is available.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PlaintextPolicy {
    /// Everyone (IRC clients that understand `sts` still upgrade themselves).
    #[default]
    On,
    /// Only connections over the loopback interface from the very address they
    /// were made to (127.0.0.1 to 127.0.0.1, ::1 to ::1): local tools keep
    /// working, everyone else is told to use TLS. See [`super::policy`].
    LoopbackOnly,
    /// No one: every plaintext connection is told to use TLS and closed.
    Off,
}

/// Settings for the TLS listener and its certificate.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct TlsConfig {
    /// Address and port of the TLS listener; `None` (an empty string in the file) disables it.
    #[serde(with = "bind_opt")]
    pub bind: Option<SocketAddr>,
    /// PEM certificate chain; with neither this nor `key_file`, natterd makes and
    /// keeps a self-signed certificate in `<data_dir>/tls/`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cert_file: Option<PathBuf>,
    /// PEM private key for `cert_file`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_file: Option<PathBuf>,
    /// Who may still connect without TLS.
    pub plaintext: PlaintextPolicy,
    /// Whether the plaintext port advertises IRCv3 `sts`, so capable clients
    /// move to the TLS port by themselves.
    pub sts: bool,
    /// How long clients remember to use TLS (`sts` `duration`, sent on TLS connections).
    #[serde(with = "crate::config::duration")]
    pub sts_duration: Duration,
}

/// The TLS port natterd listens on by default (IRC over TLS, RFC 7194).
pub const DEFAULT_TLS_PORT: u16 = 6697;

impl Default for TlsConfig {
    fn default() -> Self {
        TlsConfig {
            bind: Some(SocketAddr::from(([0, 0, 0, 0], DEFAULT_TLS_PORT))),
            cert_file: None,
            key_file: None,
            plaintext: PlaintextPolicy::On,
            sts: true,
            sts_duration: Duration::from_secs(30 * 86400),
        }
    }
}

impl TlsConfig {
    /// Checks what the types alone cannot; returns the offending key and why.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        match (&self.cert_file, &self.key_file) {
            (Some(_), None) => Err((
                "tls.key_file",
                "must be set when tls.cert_file is (the certificate's private key)".into(),
            )),
            (None, Some(_)) => Err((
                "tls.cert_file",
                "must be set when tls.key_file is (the certificate for that key)".into(),
            )),
            _ if self.bind.is_none() && self.plaintext == PlaintextPolicy::Off => Err((
                "tls.plaintext",
                "cannot be \"off\" while the TLS listener is disabled (tls.bind = \"\"): nobody could connect".into(),
            )),
            _ => Ok(()),
        }
    }
}

/// Serde for an optional listen address written as a string, `""` meaning none.
pub mod bind_opt {
    use super::*;

    /// Reads `"ADDR:PORT"` or `""`.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<SocketAddr>, D::Error> {
        let text = String::deserialize(deserializer)?;
        let text = text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        text.parse().map(Some).map_err(|_| {
            de::Error::custom(format!(
                "`{text}` is not an ADDRESS:PORT (e.g. \"0.0.0.0:6697\"), or \"\" to disable"
            ))
        })
    }

    /// Writes the address, or `""` when there is none.
    pub fn serialize<S: Serializer>(
        bind: &Option<SocketAddr>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match bind {
            Some(address) => serializer.collect_str(address),
            None => serializer.serialize_str(""),
        }
    }
}
