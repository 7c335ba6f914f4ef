//! The user's TLS client certificate: presented in the handshake so that a
//! server offering SASL `EXTERNAL` (natterd, ergo, Libera) logs the user in
//! by its fingerprint, with no password typed or stored. The private key
//! must be private: like ssh with an unprotected key, natter refuses a key
//! file that others can read.

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::path::{Path, PathBuf};

/// Where the certificate and its key are (PEM; they may be one file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCert {
    /// The certificate chain, PEM.
    pub cert: PathBuf,
    /// The private key, PEM (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
}

/// A loaded certificate chain and key, ready for rustls.
#[derive(Debug)]
pub struct LoadedCert {
    /// The chain, the client's own certificate first.
    pub chain: Vec<CertificateDer<'static>>,
    /// The private key.
    pub key: PrivateKeyDer<'static>,
}

impl ClientCert {
    /// `cert` with `key`, or with the key in the same file.
    pub fn new(cert: PathBuf, key: Option<PathBuf>) -> ClientCert {
        ClientCert {
            key: key.unwrap_or_else(|| cert.clone()),
            cert,
        }
    }

    /// Reads both files: an error names the file and says what to do.
    pub fn load(&self) -> Result<LoadedCert, String> {
        check_private(&self.key)?;
        let cert_text = read(&self.cert, "client certificate")?;
        let chain = CertificateDer::pem_slice_iter(&cert_text)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|error| {
                format!(
                    "the client certificate {} is not PEM: {error}",
                    self.cert.display()
                )
            })?;
        if chain.is_empty() {
            return Err(format!(
                "{} holds no certificate (expected -----BEGIN CERTIFICATE-----)",
                self.cert.display()
            ));
        }
        let key_text = read(&self.key, "client key")?;
        let key = PrivateKeyDer::from_pem_slice(&key_text).map_err(|error| {
            format!(
                "{} holds no usable private key (PKCS#8, RSA or EC PEM): {error}",
                self.key.display()
            )
        })?;
        Ok(LoadedCert { chain, key })
    }
}

fn read(path: &Path, what: &str) -> Result<Vec<u8>, String> {
    std::fs::read(path)
        .map_err(|error| format!("cannot read the {what} {}: {error}", path.display()))
}

/// Refuses a key file that its owner's group or others may read or write,
/// as ssh does ("UNPROTECTED PRIVATE KEY FILE").
#[cfg(unix)]
fn check_private(path: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    let metadata = std::fs::metadata(path)
        .map_err(|error| format!("cannot read the client key {}: {error}", path.display()))?;
    let mode = metadata.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(format!(
            "the client key {} is accessible by others (mode {mode:04o}); natter will not use it \
             until only you can read it: chmod 600 {}",
            path.display(),
            path.display()
        ));
    }
    Ok(())
}

/// Other systems have no such mode bits to check.
#[cfg(not(unix))]
fn check_private(_path: &Path) -> Result<(), String> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn write(path: &Path, text: &str, mode: u32) {
        std::fs::write(path, text).unwrap_or_default();
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap_or_default();
    }

    fn generated() -> (String, String) {
        let key = rcgen::KeyPair::generate().unwrap_or_else(|error| panic!("{error}"));
        let params = rcgen::CertificateParams::new(vec!["alice".to_owned()])
            .unwrap_or_else(|error| panic!("{error}"));
        let cert = params
            .self_signed(&key)
            .unwrap_or_else(|error| panic!("{error}"));
        (cert.pem(), key.serialize_pem())
    }

    #[test]
    fn a_certificate_and_a_private_key_load_from_two_files_or_one() {
        let dir = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
        let (cert, key) = generated();
        let cert_path = dir.path().join("alice.crt");
        let key_path = dir.path().join("alice.key");
        write(&cert_path, &cert, 0o644);
        write(&key_path, &key, 0o600);
        let loaded = ClientCert::new(cert_path, Some(key_path)).load();
        assert!(loaded.is_ok_and(|loaded| loaded.chain.len() == 1));
        let both = dir.path().join("alice.pem");
        write(&both, &format!("{key}{cert}"), 0o600);
        let loaded = ClientCert::new(both, None).load();
        assert!(loaded.is_ok_and(|loaded| loaded.chain.len() == 1));
    }

    #[test]
    fn a_key_others_can_read_is_refused_with_the_fix() {
        let dir = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
        let (cert, key) = generated();
        let path = dir.path().join("alice.pem");
        write(&path, &format!("{key}{cert}"), 0o640);
        let error = ClientCert::new(path.clone(), None)
            .load()
            .err()
            .unwrap_or_default();
        assert_eq!(
            error,
            format!(
                "the client key {0} is accessible by others (mode 0640); natter will not use it \
                 until only you can read it: chmod 600 {0}",
                path.display()
            )
        );
    }

    #[test]
    fn missing_or_wrong_files_name_the_file() {
        let dir = tempfile::tempdir().unwrap_or_else(|error| panic!("{error}"));
        let missing = dir.path().join("none.pem");
        let error = ClientCert::new(missing.clone(), None)
            .load()
            .err()
            .unwrap_or_default();
        assert!(
            error.starts_with(&format!("cannot read the client key {}", missing.display())),
            "{error}"
        );
        let text = dir.path().join("notes.txt");
        write(&text, "hello", 0o600);
        let error = ClientCert::new(text.clone(), None)
            .load()
            .err()
            .unwrap_or_default();
        assert_eq!(
            error,
            format!(
                "{} holds no certificate (expected -----BEGIN CERTIFICATE-----)",
                text.display()
            )
        );
    }
}
