//! TLS for natterd: the certificate it serves (the operator's, or a
//! self-signed one it makes once and keeps), its fingerprint, swapping it on
//! reload without dropping anyone, who may still use plaintext, and the
//! optional client certificates SASL EXTERNAL logs in with.
//!
//! Each accepted TLS connection takes the server config in force at that
//! moment; a reload only affects later handshakes, so nobody is dropped.

pub mod accept;
pub mod certificate;
pub mod client_cert;
pub mod config;
pub mod policy;
mod reload;

pub use reload::CertificateReload;

pub use certificate::{TlsError, host_names, self_signed_paths};
pub use config::{DEFAULT_TLS_PORT, PlaintextPolicy, TlsConfig};

use certificate::PemPair;
use natter_protocol::Fingerprint;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

/// Where the certificate comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertificateSource {
    /// The operator's files (`--tls-cert`, `--tls-key`).
    Files {
        /// PEM certificate chain.
        cert: PathBuf,
        /// PEM private key.
        key: PathBuf,
    },
    /// natterd's own self-signed pair under `<data-dir>/tls/`.
    SelfSigned {
        /// The data directory.
        data_dir: PathBuf,
        /// Names and addresses a new certificate is made for.
        names: Vec<String>,
    },
}

impl CertificateSource {
    /// The source `tls` describes: the configured files, else the self-signed pair.
    pub fn from_config(tls: &TlsConfig, data_dir: &Path, server_name: &str) -> CertificateSource {
        match (&tls.cert_file, &tls.key_file) {
            (Some(cert), Some(key)) => CertificateSource::Files {
                cert: cert.clone(),
                key: key.clone(),
            },
            _ => CertificateSource::SelfSigned {
                data_dir: data_dir.to_path_buf(),
                names: host_names(server_name),
            },
        }
    }

    /// Reads the pair (making the self-signed one if it does not exist yet).
    fn read(&self) -> Result<(PemPair, bool), TlsError> {
        match self {
            CertificateSource::Files { cert, key } => {
                certificate::read_pair(cert, key).map(|pair| (pair, false))
            }
            CertificateSource::SelfSigned { data_dir, names } => {
                certificate::self_signed(data_dir, names)
            }
        }
    }
}

/// A certificate ready to serve: the rustls config built from it and its fingerprint.
#[derive(Debug, Clone)]
pub struct ServingCertificate {
    config: Arc<rustls::ServerConfig>,
    /// The leaf certificate's SHA-256 fingerprint.
    pub fingerprint: Fingerprint,
    /// The certificate file it was read from.
    pub cert_path: PathBuf,
    /// Whether natterd made it just now (first start).
    pub created: bool,
}

impl ServingCertificate {
    /// Reads `source` and checks that rustls can serve the pair; changes nothing.
    pub fn load(source: &CertificateSource) -> Result<ServingCertificate, TlsError> {
        let (pair, created) = source.read()?;
        let fingerprint = pair.fingerprint();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let refused = |error: rustls::Error| TlsError::Pair {
            cert: pair.cert_path.clone(),
            key: pair.key_path.clone(),
            reason: error.to_string(),
        };
        let config = rustls::ServerConfig::builder_with_provider(Arc::clone(&provider))
            .with_safe_default_protocol_versions()
            .map_err(refused)?
            .with_client_cert_verifier(Arc::new(client_cert::AnyClientCert::new(Arc::clone(
                &provider,
            ))))
            .with_single_cert(pair.chain.clone(), pair.key.clone_key())
            .map_err(refused)?;
        Ok(ServingCertificate {
            config: Arc::new(config),
            fingerprint,
            cert_path: pair.cert_path,
            created,
        })
    }
}

/// The TLS side of a running server: the certificate in force, where it came
/// from, and how to re-read it.
#[derive(Debug)]
pub struct Tls {
    current: RwLock<(CertificateSource, ServingCertificate)>,
}

impl Tls {
    /// Loads the certificate `source` names (creating the self-signed one on first start).
    pub fn load(source: CertificateSource) -> Result<Tls, TlsError> {
        let current = ServingCertificate::load(&source)?;
        Ok(Tls {
            current: RwLock::new((source, current)),
        })
    }

    /// An acceptor for one new connection, with the certificate in force now.
    pub fn acceptor(&self) -> tokio_rustls::TlsAcceptor {
        tokio_rustls::TlsAcceptor::from(self.serving().config)
    }

    /// The certificate in force.
    pub fn serving(&self) -> ServingCertificate {
        self.current
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .1
            .clone()
    }

    /// The fingerprint of the certificate in force.
    pub fn fingerprint(&self) -> Fingerprint {
        self.serving().fingerprint
    }

    /// Where the certificate in force came from.
    pub fn source(&self) -> CertificateSource {
        self.current
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .0
            .clone()
    }

    /// Re-reads the certificate from where it came from and puts it in force for
    /// later handshakes; on error the old one stays. Connections already open
    /// are not touched.
    pub fn reload(&self) -> Result<ServingCertificate, TlsError> {
        let source = self.source();
        let fresh = ServingCertificate::load(&source)?;
        self.install(source, fresh.clone());
        Ok(fresh)
    }

    /// Puts an already loaded certificate in force (the commit half of a reload).
    pub fn install(&self, source: CertificateSource, certificate: ServingCertificate) {
        let previous = std::mem::replace(
            &mut *self
                .current
                .write()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
            (source, certificate),
        );
        let now = self.fingerprint();
        if previous.1.fingerprint != now {
            tracing::info!(fingerprint = %now, "TLS certificate replaced");
        } else {
            tracing::info!(fingerprint = %now, "TLS certificate re-read (unchanged)");
        }
    }
}
