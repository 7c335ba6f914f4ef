//! Why the server could not start or run, with the advice an operator
//! needs (a busy port names its holder and another port to try).

use crate::config::ConfigError;
use crate::tls::TlsError;
use std::net::SocketAddr;

/// Why the server could not start or run.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The listening address could not be bound.
    #[error("cannot listen on {address}: {reason}")]
    Bind {
        /// The address.
        address: SocketAddr,
        /// What to tell the operator: a busy port names its holder when it can.
        reason: String,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The TLS certificate or key cannot be used.
    #[error("{0}")]
    Tls(#[from] TlsError),
    /// No data directory for the self-signed certificate.
    #[error("{0} (it holds the self-signed TLS certificate; or pass --tls-cert and --tls-key)")]
    DataDir(#[from] ConfigError),
    /// `[cluster]` cannot be used (a bad URL, credentials file or CA).
    #[error("{0}")]
    Cluster(#[from] crate::cluster::ClusterError),
}

impl ServerError {
    /// Whether the operator's configuration is at fault (exit code 2), not the system.
    pub fn is_config_error(&self) -> bool {
        matches!(
            self,
            ServerError::Tls(_) | ServerError::DataDir(_) | ServerError::Cluster(_)
        )
    }

    /// `address` could not be bound; `flag` is the option that chooses it
    /// (`--bind` or `--tls-bind`), which the advice for a busy port names.
    pub(super) fn bind(address: SocketAddr, flag: &str, source: std::io::Error) -> ServerError {
        let reason = if source.kind() == std::io::ErrorKind::AddrInUse {
            let port = address.port();
            let holder = crate::service::busy_port::holder(port)
                .map(|holder| format!("by {holder}"))
                .unwrap_or_else(|| format!("(`ss -ltnp 'sport = :{port}'` shows by what)"));
            let other = SocketAddr::new(address.ip(), port.checked_add(1).unwrap_or(port - 1));
            format!(
                "port {port} is already in use {holder}; stop it or choose another port, e.g. {flag} {other}"
            )
        } else {
            source.to_string()
        };
        ServerError::Bind {
            address,
            reason,
            source,
        }
    }
}
