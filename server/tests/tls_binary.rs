//! The real `natterd` binary and TLS: the fingerprint printed at start and by
//! `natterd fingerprint`, and a bad certificate stopping start-up (exit 2).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod process;

use process::{natterd, signal, wait_exit};
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::Arc;

fn fingerprint_command(data_dir: &std::path::Path) -> String {
    let output = natterd()
        .args(["fingerprint", "--data-dir"])
        .arg(data_dir)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

/// The fingerprint of the certificate natterd presents at `address`.
fn presented_fingerprint(address: &str) -> natter_protocol::Fingerprint {
    presented(address).0
}

/// Handshakes with natterd without checking the certificate, to see which it presents.
fn presented(
    address: &str,
) -> (
    natter_protocol::Fingerprint,
    rustls::StreamOwned<rustls::ClientConnection, std::net::TcpStream>,
) {
    use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
    use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
    #[derive(Debug)]
    struct AnyCertificate(Arc<rustls::crypto::CryptoProvider>);
    impl ServerCertVerifier for AnyCertificate {
        fn verify_server_cert(
            &self,
            _: &CertificateDer<'_>,
            _: &[CertificateDer<'_>],
            _: &ServerName<'_>,
            _: &[u8],
            _: UnixTime,
        ) -> Result<ServerCertVerified, rustls::Error> {
            Ok(ServerCertVerified::assertion())
        }
        fn verify_tls12_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &rustls::DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            rustls::crypto::verify_tls12_signature(
                message,
                cert,
                dss,
                &self.0.signature_verification_algorithms,
            )
        }
        fn verify_tls13_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &rustls::DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            rustls::crypto::verify_tls13_signature(
                message,
                cert,
                dss,
                &self.0.signature_verification_algorithms,
            )
        }
        fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
            self.0.signature_verification_algorithms.supported_schemes()
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .unwrap()
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
        .with_no_client_auth();
    let mut connection =
        rustls::ClientConnection::new(Arc::new(config), ServerName::try_from("localhost").unwrap())
            .unwrap();
    let mut tcp = std::net::TcpStream::connect(address).unwrap();
    while connection.is_handshaking() {
        connection.complete_io(&mut tcp).unwrap();
    }
    let chain = connection.peer_certificates().unwrap();
    let fingerprint = natter_protocol::Fingerprint::of_der(chain[0].as_ref());
    (fingerprint, rustls::StreamOwned::new(connection, tcp))
}

#[test]
fn start_prints_the_fingerprint_that_the_fingerprint_command_prints() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = natterd()
        .args([
            "--bind",
            "127.0.0.1:0",
            "--tls-bind",
            "127.0.0.1:0",
            "--no-history",
        ])
        .arg("--data-dir")
        .arg(dir.path())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = lines.next().unwrap().unwrap();
    let (address, fingerprint) = line
        .strip_prefix("natterd: TLS on ")
        .and_then(|rest| rest.split_once(", certificate SHA-256 fingerprint "))
        .unwrap_or_else(|| panic!("{line}"));
    assert!(address.starts_with("127.0.0.1:"), "{line}");
    // The certificate presented is the one printed.
    let presented = presented_fingerprint(address);
    assert_eq!(presented.to_string(), fingerprint);
    signal(&child, "TERM");
    assert_eq!(wait_exit(&mut child).code(), Some(0));
    // Same certificate afterwards: the one made at the first start was kept.
    let printed = fingerprint_command(dir.path());
    assert_eq!(printed, format!("{fingerprint}\n"));
    let parsed: natter_protocol::Fingerprint = fingerprint.parse().unwrap();
    assert_eq!(parsed.to_string(), fingerprint);
}

#[test]
fn fingerprint_of_an_operators_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let params = rcgen::CertificateParams::new(vec!["chat.example".to_string()]).unwrap();
    let certificate = params.self_signed(&key).unwrap();
    let (cert_path, key_path) = (dir.path().join("c.pem"), dir.path().join("k.pem"));
    std::fs::write(&cert_path, certificate.pem()).unwrap();
    std::fs::write(&key_path, key.serialize_pem()).unwrap();
    let output = natterd()
        .arg("fingerprint")
        .arg("--tls-cert")
        .arg(&cert_path)
        .arg("--tls-key")
        .arg(&key_path)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let expected = natter_protocol::Fingerprint::of_der(certificate.der());
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        format!("{expected}\n")
    );
}

#[test]
fn a_bad_certificate_exits_2_naming_the_file_and_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("cert.pem");
    std::fs::write(
        &bad,
        "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    let output = natterd()
        .args([
            "--bind",
            "127.0.0.1:0",
            "--tls-bind",
            "127.0.0.1:0",
            "--no-history",
        ])
        .arg("--tls-cert")
        .arg(&bad)
        .arg("--tls-key")
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.lines().any(|line| line.starts_with(&format!(
            "natterd: TLS certificate {} is not usable: ",
            bad.display()
        ))),
        "{stderr}"
    );
}

fn write_certificate(
    cert: &std::path::Path,
    key: &std::path::Path,
) -> natter_protocol::Fingerprint {
    let key_pair = rcgen::KeyPair::generate().unwrap();
    let params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    let certificate = params.self_signed(&key_pair).unwrap();
    std::fs::write(cert, certificate.pem()).unwrap();
    std::fs::write(key, key_pair.serialize_pem()).unwrap();
    natter_protocol::Fingerprint::of_der(certificate.der())
}

/// A registered IRC client over TLS (certificate not checked: only the session matters here).
fn tls_member(
    address: &str,
    nick: &str,
) -> rustls::StreamOwned<rustls::ClientConnection, std::net::TcpStream> {
    use std::io::Write;
    let mut stream = presented(address).1;
    write!(stream, "NICK {nick}\r\nUSER {nick} 0 * :{nick}\r\n").unwrap();
    stream.flush().unwrap();
    read_until(&mut stream, &format!(" 001 {nick} "));
    stream
}

fn read_until(stream: &mut impl std::io::Read, wanted: &str) -> String {
    let mut seen = Vec::new();
    while !String::from_utf8_lossy(&seen).contains(wanted) {
        let mut chunk = [0u8; 4096];
        let count = stream.read(&mut chunk).unwrap();
        assert!(
            count > 0,
            "closed before {wanted:?}: {}",
            String::from_utf8_lossy(&seen)
        );
        seen.extend_from_slice(&chunk[..count]);
    }
    String::from_utf8_lossy(&seen).into_owned()
}

#[test]
fn sighup_serves_a_renewed_certificate_and_keeps_everyone() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let old = write_certificate(&cert, &key);
    let mut child = natterd()
        .args([
            "--bind",
            "127.0.0.1:0",
            "--tls-bind",
            "127.0.0.1:0",
            "--no-history",
        ])
        .arg("--tls-cert")
        .arg(&cert)
        .arg("--tls-key")
        .arg(&key)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = lines.next().unwrap().unwrap();
    let address = line
        .strip_prefix("natterd: TLS on ")
        .and_then(|rest| rest.split(',').next())
        .unwrap()
        .to_string();
    assert!(line.ends_with(&old.to_string()), "{line}");
    let mut alice = tls_member(&address, "alice");

    let renewed = write_certificate(&cert, &key);
    signal(&child, "HUP");
    // The reload runs in the background: new handshakes see the new certificate soon.
    let mut attempts = 0;
    while presented(&address).0 != renewed {
        attempts += 1;
        assert!(attempts < 200, "still the old certificate after SIGHUP");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    write!(alice, "PING :still-here\r\n").unwrap();
    alice.flush().unwrap();
    read_until(&mut alice, "still-here");
    signal(&child, "TERM");
    assert_eq!(wait_exit(&mut child).code(), Some(0));
}

#[test]
fn tls_bind_must_be_an_address() {
    let output = natterd()
        .args(["--no-history", "--tls-bind", "everywhere"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("'everywhere' for '--tls-bind <ADDR:PORT>': not an ADDRESS:PORT"),
        "{stderr}"
    );
}
