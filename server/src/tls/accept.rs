//! The TLS side of accepting a connection: which listener it came in on, the
//! handshake (bounded in time), and `[tls] plaintext` turning plaintext away.

use super::config::PlaintextPolicy;
use super::{Tls, policy};
use crate::context::Context;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;

/// How long a TLS client may take to finish its handshake.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Which listener a connection came in on.
#[derive(Clone, Debug)]
pub enum Transport {
    /// The plaintext port.
    Plain,
    /// The TLS port, with the certificate holder to handshake with.
    Tls(Arc<Tls>),
}

impl Transport {
    /// Whether this is the TLS listener.
    pub fn is_tls(&self) -> bool {
        matches!(self, Transport::Tls(_))
    }
}

/// Why `[tls] plaintext` turns this plaintext connection away, if it does:
/// the `ERROR` text, naming the TLS port to use instead.
pub fn plaintext_refusal(
    context: &Context,
    stream: &TcpStream,
    peer: SocketAddr,
) -> Option<String> {
    let policy = context.config.tls.plaintext;
    let local = stream.local_addr().ok()?;
    if policy::allows_plaintext(policy, peer, local) {
        return None;
    }
    let tls = match context.tls_port {
        Some(port) => format!(
            "; connect with TLS to port {port} (natter ircs://HOST:{port}, irssi -tls, ncat --ssl)"
        ),
        None => String::new(),
    };
    let whom = match policy {
        PlaintextPolicy::LoopbackOnly => " from other machines",
        _ => "",
    };
    Some(format!(
        "Plaintext connections{whom} are not accepted here{tls}"
    ))
}

/// Completes the TLS handshake within [`HANDSHAKE_TIMEOUT`]; `None` (logged)
/// when the client fails it, e.g. a plaintext client on the TLS port or one
/// that refused the certificate.
pub async fn handshake(
    tls: &Tls,
    stream: TcpStream,
    peer: SocketAddr,
) -> Option<tokio_rustls::server::TlsStream<TcpStream>> {
    match tokio::time::timeout(HANDSHAKE_TIMEOUT, tls.acceptor().accept(stream)).await {
        Ok(Ok(stream)) => Some(stream),
        Ok(Err(error)) => {
            tracing::info!(%peer, %error, "TLS handshake failed");
            None
        }
        Err(_) => {
            tracing::info!(%peer, "TLS handshake timed out");
            None
        }
    }
}
