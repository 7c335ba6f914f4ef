//! TLS for natter: certificates signed by an authority the system trusts are
//! verified as usual; any other certificate is trusted only if its
//! fingerprint was accepted before (`known_servers`) or given with
//! `--accept-fingerprint`, like ssh's host keys. The handshake's signatures
//! are always checked, so the server must hold the key of what it shows.

use super::client_cert::ClientCert;
use super::known_servers::KnownServers;
use natter_protocol::Fingerprint;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use std::sync::{Arc, Mutex};

/// How natter decides whether to trust a server's certificate.
#[derive(Debug, Clone)]
pub struct TlsSettings {
    /// Where accepted fingerprints are kept.
    pub known: KnownServers,
    /// A fingerprint the user vouched for on the command line; it is kept
    /// in `known` once a handshake proved the server holds its key.
    pub accept: Option<Fingerprint>,
    /// A fingerprint the user accepted for this run only (the TUI's "once").
    pub once: Option<Fingerprint>,
}

/// What the verifier saw, for the network task to explain a refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    /// A certificate no authority vouches for and nobody accepted yet.
    Unknown(Fingerprint),
    /// A certificate other than the one accepted for this server.
    Changed {
        /// What was accepted before.
        expected: Fingerprint,
        /// What the server showed.
        presented: Fingerprint,
    },
}

#[derive(Debug)]
struct TofuVerifier {
    authorities: Option<Arc<WebPkiServerVerifier>>,
    provider: Arc<CryptoProvider>,
    pinned: Option<Fingerprint>,
    seen: Arc<Mutex<Option<Seen>>>,
}

impl ServerCertVerifier for TofuVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let presented = Fingerprint::of_der(end_entity.as_ref());
        if self.pinned == Some(presented) {
            return Ok(ServerCertVerified::assertion());
        }
        if let Some(authorities) = &self.authorities
            && authorities
                .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
                .is_ok()
        {
            return Ok(ServerCertVerified::assertion());
        }
        let seen = match self.pinned {
            Some(expected) => Seen::Changed {
                expected,
                presented,
            },
            None => Seen::Unknown(presented),
        };
        *self.seen.lock().unwrap_or_else(|p| p.into_inner()) = Some(seen);
        Err(rustls::Error::InvalidCertificate(
            rustls::CertificateError::UnknownIssuer,
        ))
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// The system's trusted authorities, loaded once.
fn system_roots() -> Arc<rustls::RootCertStore> {
    static ROOTS: std::sync::OnceLock<Arc<rustls::RootCertStore>> = std::sync::OnceLock::new();
    ROOTS
        .get_or_init(|| {
            let mut roots = rustls::RootCertStore::empty();
            let found = rustls_native_certs::load_native_certs();
            let (added, _ignored) = roots.add_parsable_certificates(found.certs);
            tracing::debug!(added, "system certificate authorities loaded");
            Arc::new(roots)
        })
        .clone()
}

/// Where the verifier reports what it refused, for the handshake's caller.
pub type SeenSlot = Arc<Mutex<Option<Seen>>>;

/// A client config for one connection to `server` (`HOST:PORT`), and where
/// the verifier reports what it refused. With `client_cert` the handshake
/// presents it (read afresh for every connection, so a replaced file is used
/// at the next reconnect).
pub fn client_config(
    settings: &TlsSettings,
    server: &str,
    client_cert: Option<&ClientCert>,
) -> Result<(Arc<rustls::ClientConfig>, SeenSlot), String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let pinned = match settings.accept.or(settings.once) {
        Some(fingerprint) => Some(fingerprint),
        None => settings
            .known
            .lookup(server)
            .map_err(|error| format!("cannot read the known servers file: {error}"))?,
    };
    let roots = system_roots();
    let authorities = if roots.is_empty() {
        None
    } else {
        WebPkiServerVerifier::builder_with_provider(roots, provider.clone())
            .build()
            .ok()
    };
    let seen = Arc::new(Mutex::new(None));
    let verifier = TofuVerifier {
        authorities,
        provider: provider.clone(),
        pinned,
        seen: seen.clone(),
    };
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| error.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier));
    let config = match client_cert {
        None => builder.with_no_client_auth(),
        Some(client_cert) => {
            let loaded = client_cert.load()?;
            builder
                .with_client_auth_cert(loaded.chain, loaded.key)
                .map_err(|error| {
                    format!(
                        "cannot use the client certificate {} with the key {}: {error}",
                        client_cert.cert.display(),
                        client_cert.key.display()
                    )
                })?
        }
    };
    Ok((Arc::new(config), seen))
}

/// The loud refusal of a certificate other than the one accepted before:
/// what was seen, what it may mean, and which file to edit.
pub fn explain_change(
    expected: Fingerprint,
    presented: Fingerprint,
    server: &str,
    settings: &TlsSettings,
) -> String {
    let file = settings.known.path().display();
    format!(
        "WARNING: {server} presents a different certificate than before (SHA-256 {presented}, \
         accepted was {expected}). Someone may be intercepting the connection, or the server's \
         certificate was replaced. Ask its admin; if the change is real, remove the line for \
         {server} from {file}"
    )
}
