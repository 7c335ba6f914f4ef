//! A line-oriented TLS test client for natterd: trusts exactly the
//! certificate the test server serves (read from its file, as a user who was
//! handed the file would), and reads lines with the same patience as the
//! plaintext test client.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

/// How long "eventually receives" may take before a test fails.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// A client config trusting only the PEM certificate at `cert`.
pub fn trusting(cert: &Path) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    for certificate in CertificateDer::pem_file_iter(cert).unwrap() {
        roots.add(certificate.unwrap()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Arc::new(
        rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth(),
    )
}

/// One TLS connection, read line by line.
pub struct TlsClient {
    stream: BufReader<TlsStream<TcpStream>>,
    /// Every line received so far.
    pub transcript: Vec<String>,
}

impl TlsClient {
    /// Connects to `address`, verifying the certificate for `name`.
    pub async fn connect(
        address: SocketAddr,
        name: &str,
        config: Arc<rustls::ClientConfig>,
    ) -> std::io::Result<TlsClient> {
        let tcp = TcpStream::connect(address).await?;
        let name = ServerName::try_from(name.to_string()).unwrap();
        let stream = tokio_rustls::TlsConnector::from(config)
            .connect(name, tcp)
            .await?;
        Ok(TlsClient {
            stream: BufReader::new(stream),
            transcript: Vec::new(),
        })
    }

    /// The fingerprint of the certificate the server presented.
    pub fn server_fingerprint(&self) -> natter_protocol::Fingerprint {
        let (_, session) = self.stream.get_ref().get_ref();
        let chain = session.peer_certificates().unwrap();
        natter_protocol::Fingerprint::of_der(chain[0].as_ref())
    }

    /// Sends one line; CRLF is appended.
    pub async fn send(&mut self, line: &str) {
        let stream = self.stream.get_mut();
        stream
            .write_all(format!("{line}\r\n").as_bytes())
            .await
            .unwrap();
        stream.flush().await.unwrap();
    }

    /// The next line, or `None` at the end of the stream.
    pub async fn next_line(&mut self) -> Option<String> {
        let mut line = String::new();
        let read = tokio::time::timeout(PATIENCE, self.stream.read_line(&mut line))
            .await
            .unwrap_or_else(|_| panic!("timed out; lines so far: {:?}", self.transcript));
        match read {
            Ok(0) | Err(_) => None,
            Ok(_) => {
                let line = line.trim_end_matches(['\r', '\n']).to_string();
                self.transcript.push(line.clone());
                Some(line)
            }
        }
    }

    /// Reads until a line satisfies `matches`.
    pub async fn expect(&mut self, matches: impl Fn(&str) -> bool) -> String {
        loop {
            match self.next_line().await {
                Some(line) if matches(&line) => return line,
                Some(_) => {}
                None => panic!("connection closed; lines so far: {:?}", self.transcript),
            }
        }
    }
}
