//! The TLS handshake on a freshly dialled connection, and what its failure
//! means: a certificate nobody vouched for yet (the user is asked), a
//! certificate that changed (refused loudly), a port that does not speak
//! TLS (the user must fix the address) or a network hiccup (retried).

use natter_protocol::Fingerprint;
use rustls::pki_types::ServerName;
use tokio::net::TcpStream;

use super::client_cert::ClientCert;
use super::tls::{self, Seen, TlsSettings};
use super::{CONNECT_TIMEOUT, Reader, Writer};

/// Why the handshake did not give a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandshakeError {
    /// A self-signed (or otherwise unvouched) certificate seen for the
    /// first time: the user decides.
    Untrusted(Fingerprint),
    /// Retrying cannot help (changed certificate, plaintext port, a name
    /// TLS cannot use): the words say what is wrong and what to do.
    Permanent(String),
    /// The network failed; the backoff loop may try again.
    Transient(String),
}

/// Runs the TLS handshake for `host` (`address` is `HOST:PORT`, the key in
/// known_servers) within [`CONNECT_TIMEOUT`], presenting `client_cert` if any
/// (a certificate or key that cannot be used is a permanent error).
pub async fn secure(
    stream: TcpStream,
    host: &str,
    address: &str,
    settings: &TlsSettings,
    client_cert: Option<&ClientCert>,
) -> Result<(Reader, Writer), HandshakeError> {
    let (client, seen) =
        tls::client_config(settings, address, client_cert).map_err(HandshakeError::Permanent)?;
    let name = ServerName::try_from(host.to_owned())
        .map_err(|_| HandshakeError::Permanent(format!("`{host}` cannot be a TLS server name")))?;
    let connect = tokio_rustls::TlsConnector::from(client).connect(name, stream);
    let stream = match tokio::time::timeout(CONNECT_TIMEOUT, connect).await {
        Ok(Ok(stream)) => stream,
        Ok(Err(error)) => {
            let seen = *seen.lock().unwrap_or_else(|p| p.into_inner());
            return Err(match seen {
                Some(Seen::Unknown(fingerprint)) => HandshakeError::Untrusted(fingerprint),
                Some(Seen::Changed {
                    expected,
                    presented,
                }) => HandshakeError::Permanent(tls::explain_change(
                    expected, presented, address, settings,
                )),
                None if error.kind() == std::io::ErrorKind::InvalidData => {
                    HandshakeError::Permanent(format!(
                        "{address} did not answer in TLS ({error}): is it a plaintext port? \
                         Use irc://HOST:PORT for plaintext, or the server's TLS port (6697)"
                    ))
                }
                None => HandshakeError::Transient(format!(
                    "TLS handshake with {address} failed: {error}"
                )),
            });
        }
        Err(_) => {
            return Err(HandshakeError::Transient(format!(
                "no TLS answer from {address} within {} s (is it a plaintext port?)",
                CONNECT_TIMEOUT.as_secs()
            )));
        }
    };
    if let Some(accepted) = settings.accept
        && settings.known.lookup(address).ok().flatten() != Some(accepted)
    {
        match settings.known.remember(address, &accepted) {
            Ok(()) => {
                tracing::info!(%address, fingerprint = %accepted, "certificate fingerprint remembered");
            }
            Err(error) => tracing::warn!(%error, "cannot remember the accepted fingerprint"),
        }
    }
    let (reader, writer) = tokio::io::split(stream);
    Ok((Box::new(reader), Box::new(writer)))
}
