//! SASL EXTERNAL over real TLS with rcgen-made client certificates: natterd
//! asks every TLS client for a certificate (none is fine), an account adds
//! the fingerprints that log in to it (`NickServ CERT ADD|DEL|LIST`), and
//! `AUTHENTICATE EXTERNAL` logs in with 900/903, or fails with 904 without a
//! certificate, with an unknown one, or for someone else's account.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod history_support;
mod tls_support;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use common::SERVER;
use history_support::history_config;
use natter_protocol::Fingerprint;
use natterd::Config;
use natterd::testing::TestServer;
use natterd::tls::self_signed_paths;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use tls_support::TlsClient;

/// A self-signed client certificate, as a user makes one for their client.
struct ClientCert {
    der: CertificateDer<'static>,
    key_pem: String,
}

impl ClientCert {
    fn new(name: &str) -> ClientCert {
        let key = rcgen::KeyPair::generate().unwrap();
        let params = rcgen::CertificateParams::new(vec![name.to_string()]).unwrap();
        let cert = params.self_signed(&key).unwrap();
        ClientCert {
            der: cert.der().clone(),
            key_pem: key.serialize_pem(),
        }
    }

    fn fingerprint(&self) -> Fingerprint {
        Fingerprint::of_der(&self.der)
    }
}

/// A client config that trusts the server's certificate and presents `cert`.
fn presenting(server_cert: &Path, cert: Option<&ClientCert>) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    for certificate in CertificateDer::pem_file_iter(server_cert).unwrap() {
        roots.add(certificate.unwrap()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots);
    Arc::new(match cert {
        Some(cert) => builder
            .with_client_auth_cert(
                vec![cert.der.clone()],
                PrivateKeyDer::from_pem_slice(cert.key_pem.as_bytes()).unwrap(),
            )
            .unwrap(),
        None => builder.with_no_client_auth(),
    })
}

fn config_in(dir: &Path) -> Config {
    let mut config = history_config();
    config.server.bind = SocketAddr::from(([127, 0, 0, 1], 0));
    config.tls.bind = Some(SocketAddr::from(([127, 0, 0, 1], 0)));
    config.server.data_dir = Some(dir.to_path_buf());
    config
}

async fn connect(server: &TestServer, cert: Option<&ClientCert>) -> TlsClient {
    let (server_cert, _) = self_signed_paths(&server.data_dir);
    TlsClient::connect(
        server.tls_addr.unwrap(),
        "localhost",
        presenting(&server_cert, cert),
    )
    .await
    .unwrap()
}

/// Registers `nick` over TLS (no SASL) and waits for the end of the MOTD.
async fn registered(server: &TestServer, nick: &str, cert: Option<&ClientCert>) -> TlsClient {
    let mut client = connect(server, cert).await;
    client.send(&format!("NICK {nick}")).await;
    client.send(&format!("USER {nick} 0 * :{nick}")).await;
    client
        .expect(|line| line.contains(" 376 ") || line.contains(" 422 "))
        .await;
    client
}

/// What NickServ says next to `nick`.
async fn nickserv(client: &mut TlsClient, nick: &str, line: &str) -> String {
    client.send(&format!("PRIVMSG NickServ :{line}")).await;
    let prefix = format!(":NickServ!NickServ@services. NOTICE {nick} :");
    let notice = client.expect(|l| l.starts_with(&prefix)).await;
    notice[prefix.len()..].to_string()
}

/// Starts SASL EXTERNAL during registration as `nick` with `authzid`; returns
/// the numeric line that ends the exchange (900 is read past to 903).
async fn external(client: &mut TlsClient, nick: &str, authzid: &str) -> Vec<String> {
    client.send("CAP LS 302").await;
    let ls = client.expect(|line| line.contains(" CAP * LS ")).await;
    assert!(ls.contains("sasl=PLAIN,EXTERNAL"), "{ls}");
    client.send("CAP REQ sasl").await;
    client.expect(|line| line.contains(" CAP * ACK ")).await;
    client.send(&format!("NICK {nick}")).await;
    client.send(&format!("USER {nick} 0 * :{nick}")).await;
    client.send("AUTHENTICATE EXTERNAL").await;
    assert_eq!(client.next_line().await.unwrap(), "AUTHENTICATE +");
    let response = if authzid.is_empty() {
        "+".to_string()
    } else {
        BASE64.encode(authzid)
    };
    client.send(&format!("AUTHENTICATE {response}")).await;
    let mut lines = Vec::new();
    loop {
        let line = client.next_line().await.unwrap();
        let done = [" 903 ", " 904 "].iter().any(|code| line.contains(code));
        lines.push(line);
        if done {
            return lines;
        }
    }
}

#[tokio::test]
async fn an_added_certificate_logs_in_with_sasl_external_also_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_exact(config_in(dir.path()), dir.path().to_path_buf()).await;
    let laptop = ClientCert::new("alice-laptop");
    let mut alice = registered(&server, "alice", Some(&laptop)).await;
    assert_eq!(
        nickserv(&mut alice, "alice", "CERT ADD").await,
        "Log in first: /msg NickServ IDENTIFY <password>."
    );
    nickserv(&mut alice, "alice", "REGISTER sesame123").await;
    let added = nickserv(&mut alice, "alice", "CERT ADD").await;
    assert_eq!(
        added,
        format!(
            "Certificate {} added to alice: it logs you in with SASL EXTERNAL.",
            laptop.fingerprint()
        )
    );
    // A second certificate by fingerprint, as read off another machine.
    let phone = ClientCert::new("alice-phone");
    nickserv(
        &mut alice,
        "alice",
        &format!("CERT ADD {}", phone.fingerprint().hex()),
    )
    .await;
    assert_eq!(
        nickserv(&mut alice, "alice", "CERT ADD").await,
        "That certificate is already added to your account."
    );
    let mut expected = vec![laptop.fingerprint(), phone.fingerprint()];
    expected.sort_by_key(|fingerprint| *fingerprint.bytes());
    assert_eq!(
        nickserv(&mut alice, "alice", "CERT LIST").await,
        "Client certificates of alice:"
    );
    for fingerprint in &expected {
        assert_eq!(
            alice.next_line().await.unwrap(),
            format!(":NickServ!NickServ@services. NOTICE alice {fingerprint}")
        );
    }
    server.shutdown().await;

    let server = TestServer::start_exact(config_in(dir.path()), dir.path().to_path_buf()).await;
    let mut again = connect(&server, Some(&phone)).await;
    let lines = external(&mut again, "alice", "").await;
    assert_eq!(
        lines,
        [
            format!(
                ":{SERVER} 900 alice alice!~alice@127.0.0.1 alice :You are now logged in as alice"
            ),
            format!(":{SERVER} 903 alice :SASL authentication successful"),
        ]
    );
    again.send("CAP END").await;
    again.expect(|line| line.contains(" 001 alice ")).await;
    again.send("WHOIS alice").await;
    let whois = again.expect(|line| line.contains(" 330 ")).await;
    assert!(whois.ends_with(" alice alice :is logged in as"), "{whois}");

    // An authzid naming the certificate's own account works too.
    let mut laptop_again = connect(&server, Some(&laptop)).await;
    let lines = external(&mut laptop_again, "alice2", "Alice").await;
    assert!(lines.last().unwrap().contains(" 903 "), "{lines:?}");
    server.shutdown().await;
}

#[tokio::test]
async fn sasl_external_fails_with_904_without_the_right_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_exact(config_in(dir.path()), dir.path().to_path_buf()).await;
    let mine = ClientCert::new("bob");
    let mut bob = registered(&server, "bob", Some(&mine)).await;
    nickserv(&mut bob, "bob", "REGISTER sesame123").await;
    nickserv(&mut bob, "bob", "CERT ADD").await;

    // No certificate at all: TLS still works, EXTERNAL does not.
    let mut bare = connect(&server, None).await;
    let lines = external(&mut bare, "guest1", "").await;
    assert_eq!(
        lines,
        [format!(
            ":{SERVER} 904 guest1 :SASL authentication failed: you are not connected with a TLS client certificate"
        )]
    );
    bare.send("CAP END").await;
    bare.expect(|line| line.contains(" 001 guest1 ")).await;

    let stranger = ClientCert::new("mallory");
    let mut mallory = connect(&server, Some(&stranger)).await;
    let lines = external(&mut mallory, "mallory", "").await;
    assert_eq!(
        lines,
        [format!(
            ":{SERVER} 904 mallory :SASL authentication failed: your client certificate is not added to any account (log in and /msg NickServ CERT ADD)"
        )]
    );
    // Someone else's account, with bob's own certificate: refused.
    let mut sneaky = connect(&server, Some(&mine)).await;
    let lines = external(&mut sneaky, "sneaky", "carol").await;
    assert_eq!(
        lines,
        [format!(
            ":{SERVER} 904 sneaky :SASL authentication failed: you may only log in as yourself"
        )]
    );

    // mallory cannot claim bob's certificate for an account of hers.
    mallory.send("CAP END").await;
    mallory.expect(|line| line.contains(" 001 mallory ")).await;
    nickserv(&mut mallory, "mallory", "REGISTER sesame123").await;
    let taken = nickserv(
        &mut mallory,
        "mallory",
        &format!("CERT ADD {}", mine.fingerprint()),
    )
    .await;
    assert_eq!(
        taken,
        "That certificate is already added to another account."
    );
    let bad = nickserv(&mut mallory, "mallory", "CERT DEL nonsense").await;
    assert!(bad.contains("is not a SHA-256 fingerprint"), "{bad}");

    // Deleted, bob's certificate logs in to nothing; dropping the account removes the rest.
    let deleted = nickserv(&mut bob, "bob", &format!("CERT DEL {}", mine.fingerprint())).await;
    assert_eq!(
        deleted,
        format!("Certificate {} removed from bob.", mine.fingerprint())
    );
    let mut after = connect(&server, Some(&mine)).await;
    let lines = external(&mut after, "bob2", "").await;
    assert!(lines.last().unwrap().contains(" 904 "), "{lines:?}");
    nickserv(&mut mallory, "mallory", "CERT ADD").await;
    nickserv(&mut mallory, "mallory", "DROP").await;
    mallory.send("QUIT").await;
    mallory.expect(|line| line.starts_with("ERROR")).await;
    let mut heir = registered(&server, "mallory", Some(&stranger)).await;
    nickserv(&mut heir, "mallory", "REGISTER another123").await;
    assert_eq!(
        nickserv(&mut heir, "mallory", "CERT LIST").await,
        "mallory has no client certificates. Connect with one and: /msg NickServ CERT ADD"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn sasl_external_over_plaintext_says_there_is_no_certificate() {
    let server = TestServer::start_with(history_config()).await;
    let mut client = common::Client::connect(&server).await;
    client.send("CAP LS 302");
    client.send("CAP REQ sasl");
    client.send("NICK plain");
    client.send("USER plain 0 * :plain");
    client.expect(|line| line.contains(" CAP * ACK ")).await;
    client.send("AUTHENTICATE EXTERNAL");
    client.expect_line("AUTHENTICATE +").await;
    client.send("AUTHENTICATE +");
    client
        .expect_line(&format!(
            ":{SERVER} 904 plain :SASL authentication failed: you are not connected with a TLS client certificate"
        ))
        .await;
}
