//! Reading the certificate and key natterd serves, and making the self-signed
//! pair it uses when the operator gave none.

use natter_protocol::Fingerprint;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::io::Write;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

/// Why the certificate or key cannot be used. Every message names the file.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A file could not be read.
    #[error("cannot read TLS {what} {}: {source}", path.display())]
    Read {
        /// "certificate" or "key".
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// A file holds no usable PEM item of the kind wanted.
    #[error("TLS {what} {} is not usable: {reason}", path.display())]
    Unusable {
        /// "certificate" or "key".
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The pair was read but rustls refused it (e.g. the key is not the certificate's).
    #[error("TLS certificate {} and key {} cannot be used together: {reason}", cert.display(), key.display())]
    Pair {
        /// The certificate file.
        cert: PathBuf,
        /// The key file.
        key: PathBuf,
        /// What rustls said.
        reason: String,
    },
    /// Only one half of the generated pair exists; natterd will not silently replace it.
    #[error(
        "found {} but not {}: restore it, or remove both to have natterd make a new self-signed certificate (clients will see a new fingerprint)",
        present.display(), missing.display()
    )]
    HalfPair {
        /// The file that exists.
        present: PathBuf,
        /// The file that does not.
        missing: PathBuf,
    },
    /// The self-signed certificate could not be made or written.
    #[error("cannot create the self-signed certificate in {}: {reason}", dir.display())]
    Create {
        /// `<data-dir>/tls`.
        dir: PathBuf,
        /// What went wrong.
        reason: String,
    },
}

/// A certificate chain and its key, as read from PEM files.
#[derive(Debug)]
pub struct PemPair {
    /// The chain, leaf first.
    pub chain: Vec<CertificateDer<'static>>,
    /// The leaf's private key.
    pub key: PrivateKeyDer<'static>,
    /// Where the chain was read from.
    pub cert_path: PathBuf,
    /// Where the key was read from.
    pub key_path: PathBuf,
}

impl PemPair {
    /// The leaf certificate's fingerprint.
    pub fn fingerprint(&self) -> Fingerprint {
        Fingerprint::of_der(self.chain.first().map(|c| c.as_ref()).unwrap_or_default())
    }
}

/// Reads a PEM certificate chain and a PEM private key.
pub fn read_pair(cert_path: &Path, key_path: &Path) -> Result<PemPair, TlsError> {
    let cert_text = read(cert_path, "certificate")?;
    let chain = CertificateDer::pem_slice_iter(&cert_text)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| unusable(cert_path, "certificate", error.to_string()))?;
    if chain.is_empty() {
        return Err(unusable(
            cert_path,
            "certificate",
            "no \"BEGIN CERTIFICATE\" block found (a PEM certificate is expected)".into(),
        ));
    }
    let key_text = read(key_path, "key")?;
    let key = PrivateKeyDer::from_pem_slice(&key_text).map_err(|error| {
        let reason = match error {
            rustls::pki_types::pem::Error::NoItemsFound => {
                "no \"BEGIN ... PRIVATE KEY\" block found (a PEM private key is expected)".into()
            }
            other => other.to_string(),
        };
        unusable(key_path, "key", reason)
    })?;
    Ok(PemPair {
        chain,
        key,
        cert_path: cert_path.to_path_buf(),
        key_path: key_path.to_path_buf(),
    })
}

fn read(path: &Path, what: &'static str) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Read {
        what,
        path: path.to_path_buf(),
        source,
    })
}

fn unusable(path: &Path, what: &'static str, reason: String) -> TlsError {
    TlsError::Unusable {
        what,
        path: path.to_path_buf(),
        reason,
    }
}

/// The generated pair's files under the data directory.
pub fn self_signed_paths(data_dir: &Path) -> (PathBuf, PathBuf) {
    let dir = data_dir.join("tls");
    (dir.join("cert.pem"), dir.join("key.pem"))
}

/// The self-signed pair in `<data_dir>/tls/`, made on first use and reused
/// afterwards; `true` when it was just made.
pub fn self_signed(data_dir: &Path, names: &[String]) -> Result<(PemPair, bool), TlsError> {
    let (cert_path, key_path) = self_signed_paths(data_dir);
    match (cert_path.exists(), key_path.exists()) {
        (true, true) => {
            // natterd's own files: kept private even if something loosened them.
            tighten(&data_dir.join("tls"), &[&cert_path, &key_path]);
            return read_pair(&cert_path, &key_path).map(|pair| (pair, false));
        }
        (true, false) => return Err(half(cert_path, key_path)),
        (false, true) => return Err(half(key_path, cert_path)),
        (false, false) => {}
    }
    let dir = data_dir.join("tls");
    let create = |reason: String| TlsError::Create {
        dir: dir.clone(),
        reason,
    };
    let (cert_pem, key_pem) = generate(names).map_err(|error| create(error.to_string()))?;
    make_private_dir(&dir).map_err(|error| create(error.to_string()))?;
    write_private_file(&key_path, key_pem.as_bytes())
        .map_err(|error| create(format!("{}: {error}", key_path.display())))?;
    write_private_file(&cert_path, cert_pem.as_bytes())
        .map_err(|error| create(format!("{}: {error}", cert_path.display())))?;
    read_pair(&cert_path, &key_path).map(|pair| (pair, true))
}

fn half(present: PathBuf, missing: PathBuf) -> TlsError {
    TlsError::HalfPair { present, missing }
}

/// A self-signed ECDSA P-256 certificate for `names` (DNS names or IP
/// addresses), valid for ten years from yesterday.
fn generate(names: &[String]) -> Result<(String, String), rcgen::Error> {
    use chrono::Datelike;
    let mut params = rcgen::CertificateParams::new(names.to_vec())?;
    let common_name = names.first().cloned().unwrap_or_else(|| "natterd".into());
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, common_name);
    params
        .distinguished_name
        .push(rcgen::DnType::OrganizationName, "natterd (self-signed)");
    let start = chrono::Utc::now() - chrono::Duration::days(1);
    let day = |date: chrono::DateTime<chrono::Utc>| {
        rcgen::date_time_ymd(date.year(), date.month() as u8, date.day() as u8)
    };
    params.not_before = day(start);
    params.not_after = day(start + chrono::Duration::days(3650));
    let key = rcgen::KeyPair::generate()?;
    let certificate = params.self_signed(&key)?;
    Ok((certificate.pem(), key.serialize_pem()))
}

/// The names and addresses the self-signed certificate is made for: this
/// host's name (and `NAME.local`, its mDNS name), `localhost`, the server's
/// configured name, and every address of this host.
pub fn host_names(server_name: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let mut add = |name: String| {
        if !name.is_empty() && !names.iter().any(|n| n.eq_ignore_ascii_case(&name)) {
            names.push(name);
        }
    };
    let host = gethostname::gethostname().to_string_lossy().into_owned();
    let host = host.trim().trim_end_matches('.').to_string();
    if is_dns_name(&host) {
        if !host.contains('.') {
            add(format!("{host}.local"));
        }
        add(host);
    }
    if is_dns_name(server_name) {
        add(server_name.to_string());
    }
    add("localhost".into());
    let mut addresses: Vec<IpAddr> = vec![
        IpAddr::from(std::net::Ipv4Addr::LOCALHOST),
        IpAddr::from(std::net::Ipv6Addr::LOCALHOST),
    ];
    if let Ok(interfaces) = if_addrs::get_if_addrs() {
        addresses.extend(interfaces.iter().map(|interface| interface.ip()));
    }
    for address in addresses {
        // Link-local IPv6 addresses need a zone to be used; a certificate cannot name one.
        if let IpAddr::V6(v6) = address
            && v6.segments()[0] & 0xffc0 == 0xfe80
        {
            continue;
        }
        add(address.to_string());
    }
    names
}

fn is_dns_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        && name.parse::<IpAddr>().is_err()
}

/// Creates the data directory (0700, as history does) and `tls/` in it (0700).
fn make_private_dir(dir: &Path) -> std::io::Result<()> {
    if let Some(data_dir) = dir.parent() {
        crate::datadir::prepare(data_dir)?;
    }
    crate::datadir::prepare(dir)
}

/// Writes `bytes` to a new file created 0600 (never briefly readable by others).
fn write_private_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(crate::datadir::FILE_MODE);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Puts the generated pair's directory back to 0700 and its files to 0600,
/// saying so in the log when they had been loosened.
#[cfg(unix)]
fn tighten(dir: &Path, files: &[&Path]) {
    use std::os::unix::fs::PermissionsExt;
    let wanted = [(dir, crate::datadir::DIR_MODE)]
        .into_iter()
        .chain(files.iter().map(|file| (*file, crate::datadir::FILE_MODE)));
    for (path, mode) in wanted {
        let Ok(metadata) = std::fs::metadata(path) else {
            continue;
        };
        let current = metadata.permissions().mode() & 0o777;
        if current == mode {
            continue;
        }
        match std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)) {
            Ok(()) => {
                tracing::warn!(path = %path.display(), was = format!("{current:o}"), now = format!("{mode:o}"), "TLS file permissions tightened")
            }
            Err(error) => {
                tracing::warn!(path = %path.display(), %error, "the TLS private key may be readable by other users; chmod 600 it")
            }
        }
    }
}

#[cfg(not(unix))]
fn tighten(_dir: &Path, _files: &[&Path]) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names_include_loopback_and_the_server_name() {
        let names = host_names("chat.example");
        for wanted in ["localhost", "127.0.0.1", "::1", "chat.example"] {
            assert!(names.iter().any(|n| n == wanted), "{wanted} in {names:?}");
        }
        assert!(!host_names("not a name").iter().any(|n| n == "not a name"));
    }

    #[test]
    fn dns_names_are_checked() {
        assert!(is_dns_name("natter.local"));
        assert!(is_dns_name("host-1"));
        assert!(!is_dns_name("-bad"));
        assert!(!is_dns_name("a..b"));
        assert!(!is_dns_name("10.0.0.1"));
        assert!(!is_dns_name("under_score"));
    }
}
