//! The TLS certificate as a part of natterd's reload (SIGHUP): the files the
//! new config names are read and checked first, and swapped in only when the
//! whole reload goes through. Open connections keep their session; later
//! handshakes get the new certificate.

use super::{CertificateSource, ServingCertificate, Tls};
use crate::config::Config;
use crate::reload::{HookError, Reload, Staged};
use std::sync::Arc;

/// The reload hook for the certificate of a running server.
#[derive(Debug)]
pub struct CertificateReload {
    tls: Arc<Tls>,
}

impl CertificateReload {
    /// A hook that re-reads `tls`'s certificate on reload.
    pub fn new(tls: Arc<Tls>) -> CertificateReload {
        CertificateReload { tls }
    }
}

impl Reload for CertificateReload {
    fn name(&self) -> &'static str {
        "tls certificate"
    }

    fn keys(&self) -> &'static [&'static str] {
        &["tls.cert_file", "tls.key_file"]
    }

    fn prepare(&self, config: &Config) -> Result<Staged, HookError> {
        let source = match self.tls.source() {
            // The data directory itself only changes with a restart.
            CertificateSource::SelfSigned { data_dir, names } if config.tls.cert_file.is_none() => {
                CertificateSource::SelfSigned { data_dir, names }
            }
            CertificateSource::SelfSigned { data_dir, .. } => {
                CertificateSource::from_config(&config.tls, &data_dir, &config.server.name)
            }
            CertificateSource::Files { .. } => {
                let data_dir = config.data_dir()?;
                CertificateSource::from_config(&config.tls, &data_dir, &config.server.name)
            }
        };
        let fresh = ServingCertificate::load(&source)?;
        let tls = self.tls.clone();
        Ok(Box::new(move || tls.install(source, fresh)))
    }
}
