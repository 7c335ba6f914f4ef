//! TLS over real TCP: both dialects over TLS, the plaintext policy (with
//! 127.0.0.2 as the "other machine"), STS, the self-signed certificate made
//! once and kept, the operator's own certificate, bad files, and reload.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod tls_support;

use common::{Client, SERVER, test_config};
use natterd::testing::TestServer;
use natterd::tls::{PlaintextPolicy, self_signed_paths};
use natterd::{Config, Server, ServerError};
use std::net::SocketAddr;
use std::path::Path;
use tls_support::{TlsClient, trusting};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn start_with(adjust: impl FnOnce(&mut Config)) -> TestServer {
    let mut config = test_config();
    adjust(&mut config);
    TestServer::start_with(config).await
}

/// A TLS connection that trusts the server's self-signed certificate file.
async fn tls_client(server: &TestServer, name: &str) -> TlsClient {
    let (cert, _) = self_signed_paths(&server.data_dir);
    TlsClient::connect(server.tls_addr.unwrap(), name, trusting(&cert))
        .await
        .unwrap()
}

#[tokio::test]
async fn irc_registration_over_tls() {
    let server = start_with(|_| {}).await;
    let mut alice = tls_client(&server, "localhost").await;
    alice.send("NICK alice").await;
    alice.send("USER alice 0 * :Alice").await;
    let welcome = alice.expect(|line| line.contains(" 001 ")).await;
    assert!(
        welcome.starts_with(&format!(":{SERVER} 001 alice ")),
        "{welcome}"
    );
    alice
        .expect(|line| line.contains(" 376 ") || line.contains(" 422 "))
        .await;
    // And a plaintext member hears what the TLS member says.
    let mut bob = Client::register(&server, "bob").await;
    bob.join("#lobby").await;
    alice.send("JOIN #lobby").await;
    alice.expect(|line| line.contains(" 366 ")).await;
    alice.send("PRIVMSG #lobby :over tls").await;
    bob.expect(|line| line.ends_with("PRIVMSG #lobby :over tls"))
        .await;
}

#[tokio::test]
async fn whois_says_who_is_connected_over_tls() {
    let server = start_with(|_| {}).await;
    let mut alice = tls_client(&server, "localhost").await;
    alice.send("NICK alice").await;
    alice.send("USER alice 0 * :Alice").await;
    alice.expect(|line| line.contains(" 001 ")).await;
    let mut carol = tls_client(&server, "127.0.0.1").await;
    carol.send("carol").await;
    carol
        .expect(|line| line.starts_with("*** Welcome to natter, carol"))
        .await;
    let mut bob = Client::register(&server, "bob").await;
    for secure in ["alice", "carol"] {
        bob.send(&format!("WHOIS {secure}"));
        let mut lines = Vec::new();
        loop {
            let line = bob.recv_line().await;
            let end = line.contains(" 318 ");
            lines.push(line);
            if end {
                break;
            }
        }
        assert!(
            lines.contains(&format!(
                ":{SERVER} 671 bob {secure} :is using a secure connection"
            )),
            "{lines:#?}"
        );
    }
    // Over TLS, asking about a plaintext user: no 671.
    alice.send("WHOIS bob").await;
    let mut seen = Vec::new();
    loop {
        let line = alice.expect(|_| true).await;
        let end = line.contains(" 318 ");
        seen.push(line);
        if end {
            break;
        }
    }
    assert!(
        seen.iter().any(|l| l.contains(" 311 alice bob ")),
        "{seen:#?}"
    );
    assert!(!seen.iter().any(|l| l.contains(" 671 ")), "{seen:#?}");
}

#[tokio::test]
async fn plain_dialect_over_tls() {
    let server = start_with(|_| {}).await;
    // Verified by address too: the certificate names 127.0.0.1.
    let mut carol = tls_client(&server, "127.0.0.1").await;
    carol.send("carol").await;
    carol
        .expect(|line| line.starts_with("*** Welcome to natter, carol"))
        .await;
    carol.send("#").await;
    carol.expect(|line| line.contains("carol")).await;
}

/// Connects from `source` (another loopback address stands for another machine).
async fn connect_from(source: &str, server: SocketAddr) -> tokio::net::TcpStream {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(format!("{source}:0").parse().unwrap()).unwrap();
    socket.connect(server).await.unwrap()
}

async fn read_all(stream: &mut tokio::net::TcpStream) -> String {
    let mut text = Vec::new();
    tokio::time::timeout(tls_support::PATIENCE, stream.read_to_end(&mut text))
        .await
        .unwrap()
        .unwrap();
    String::from_utf8_lossy(&text).into_owned()
}

#[tokio::test]
async fn loopback_only_refuses_plaintext_from_another_address() {
    let server = start_with(|config| config.tls.plaintext = PlaintextPolicy::LoopbackOnly).await;
    let tls_port = server.tls_addr.unwrap().port();
    let mut remote = connect_from("127.0.0.2", server.addr).await;
    assert_eq!(
        read_all(&mut remote).await,
        format!(
            "ERROR :Plaintext connections from other machines are not accepted here; \
             connect with TLS to port {tls_port} (natter ircs://HOST:{tls_port}, irssi -tls, ncat --ssl)\r\n"
        )
    );
    // A local tool (127.0.0.1 to 127.0.0.1) still gets in.
    Client::register(&server, "local").await;
    // And TLS from the "other machine" works.
    let (cert, _) = self_signed_paths(&server.data_dir);
    let tcp = connect_from("127.0.0.2", server.tls_addr.unwrap()).await;
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let mut tls = tokio_rustls::TlsConnector::from(trusting(&cert))
        .connect(name, tcp)
        .await
        .unwrap();
    tls.write_all(b"NICK far\r\nUSER far 0 * :Far\r\n")
        .await
        .unwrap();
    tls.flush().await.unwrap();
    let mut seen = Vec::new();
    while !String::from_utf8_lossy(&seen).contains(" 001 far ") {
        let mut chunk = [0u8; 4096];
        let count = tls.read(&mut chunk).await.unwrap();
        assert!(count > 0, "{}", String::from_utf8_lossy(&seen));
        seen.extend_from_slice(&chunk[..count]);
    }
}

#[tokio::test]
async fn plaintext_off_refuses_even_local_tools() {
    let server = start_with(|config| config.tls.plaintext = PlaintextPolicy::Off).await;
    let mut local = connect_from("127.0.0.1", server.addr).await;
    let refusal = read_all(&mut local).await;
    assert!(
        refusal.starts_with("ERROR :Plaintext connections are not accepted here; connect with TLS"),
        "{refusal}"
    );
    let mut alice = tls_client(&server, "localhost").await;
    alice.send("NICK alice").await;
    alice.send("USER alice 0 * :Alice").await;
    alice.expect(|line| line.contains(" 001 ")).await;
}

#[tokio::test]
async fn sts_points_plaintext_clients_at_the_tls_port() {
    let server = start_with(|_| {}).await;
    let tls_port = server.tls_addr.unwrap().port();
    let mut plain = Client::connect(&server).await;
    plain.send("CAP LS 302");
    let ls = plain.expect(|line| line.contains(" CAP * LS ")).await;
    assert!(ls.ends_with(&format!(" sts=port={tls_port}")), "{ls}");
    // Not requestable (it is a policy, not a feature).
    plain.send("CAP REQ sts");
    plain.expect_next(format!(":{SERVER} CAP * NAK sts")).await;
    // Values are only for CAP 302 clients.
    let mut old = Client::connect(&server).await;
    old.send("CAP LS");
    let ls = old.expect(|line| line.contains(" CAP * LS ")).await;
    assert!(!ls.contains("sts"), "{ls}");
    // Over TLS: how long to persist the policy (30 days by default).
    let mut secure = tls_client(&server, "localhost").await;
    secure.send("CAP LS 302").await;
    let ls = secure.expect(|line| line.contains(" CAP * LS ")).await;
    assert!(ls.ends_with(" sts=duration=2592000"), "{ls}");
}

#[tokio::test]
async fn no_sts_without_tls_or_when_turned_off() {
    for adjust in [
        (|config: &mut Config| config.tls.bind = None) as fn(&mut Config),
        |config: &mut Config| config.tls.sts = false,
    ] {
        let server = start_with(adjust).await;
        let mut plain = Client::connect(&server).await;
        plain.send("CAP LS 302");
        let ls = plain.expect(|line| line.contains(" CAP * LS ")).await;
        assert!(!ls.contains("sts"), "{ls}");
    }
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn config_in(dir: &Path) -> Config {
    let mut config = test_config();
    config.server.bind = "127.0.0.1:0".parse().unwrap();
    config.tls.bind = Some("127.0.0.1:0".parse().unwrap());
    config.server.data_dir = Some(dir.to_path_buf());
    config
}

#[tokio::test]
async fn the_self_signed_certificate_is_made_once_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let first = TestServer::start_exact(config_in(dir.path()), dir.path().to_path_buf()).await;
    let fingerprint = first.context.tls.as_ref().unwrap().fingerprint();
    assert!(first.context.tls.as_ref().unwrap().serving().created);
    let presented = tls_client(&first, "localhost").await.server_fingerprint();
    assert_eq!(presented, fingerprint);
    first.shutdown().await;

    let (cert, key) = self_signed_paths(dir.path());
    #[cfg(unix)]
    {
        assert_eq!(mode(&key), 0o600);
        assert_eq!(mode(key.parent().unwrap()), 0o700);
    }
    let cert_before = std::fs::read(&cert).unwrap();
    let again = TestServer::start_exact(config_in(dir.path()), dir.path().to_path_buf()).await;
    let tls = again.context.tls.clone().unwrap();
    assert!(!tls.serving().created);
    assert_eq!(tls.fingerprint(), fingerprint);
    assert_eq!(std::fs::read(&cert).unwrap(), cert_before);
    again.shutdown().await;
}

/// A certificate and key (PEM) for `localhost`, as an operator would bring.
fn own_certificate(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let key = rcgen::KeyPair::generate().unwrap();
    let params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    let certificate = params.self_signed(&key).unwrap();
    let cert_path = dir.join("own-cert.pem");
    let key_path = dir.join("own-key.pem");
    std::fs::write(&cert_path, certificate.pem()).unwrap();
    std::fs::write(&key_path, key.serialize_pem()).unwrap();
    (cert_path, key_path)
}

#[tokio::test]
async fn the_operators_certificate_is_served() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = own_certificate(dir.path());
    let server = start_with(|config| {
        config.tls.cert_file = Some(cert.clone());
        config.tls.key_file = Some(key.clone());
    })
    .await;
    let mut client = TlsClient::connect(server.tls_addr.unwrap(), "localhost", trusting(&cert))
        .await
        .unwrap();
    client.send("NICK own").await;
    client.send("USER own 0 * :Own").await;
    client.expect(|line| line.contains(" 001 own ")).await;
    assert!(!self_signed_paths(&server.data_dir).0.exists());
}

async fn bind_error(adjust: impl FnOnce(&mut Config)) -> String {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config_in(dir.path());
    adjust(&mut config);
    match Server::bind(config, None, None).await {
        Ok(_) => panic!("a bad certificate was accepted"),
        Err(error) => {
            assert!(matches!(error, ServerError::Tls(_)), "{error}");
            assert!(error.is_config_error());
            error.to_string()
        }
    }
}

/// The start-up error for serving `cert` with `key`.
async fn files_error(cert: &Path, key: &Path) -> String {
    bind_error(|c| {
        c.tls.cert_file = Some(cert.to_path_buf());
        c.tls.key_file = Some(key.to_path_buf());
    })
    .await
}

fn assert_starts_with(text: &str, prefix: &str) {
    assert!(
        text.starts_with(prefix),
        "{text:?} does not start with {prefix:?}"
    );
}

#[tokio::test]
async fn bad_certificate_files_are_start_up_errors_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = own_certificate(dir.path());
    let garbage = dir.path().join("garbage.pem");
    std::fs::write(&garbage, "not a certificate\n").unwrap();
    let missing = dir.path().join("missing.pem");

    assert_eq!(
        files_error(&garbage, &key).await,
        format!(
            "TLS certificate {} is not usable: no \"BEGIN CERTIFICATE\" block found (a PEM certificate is expected)",
            garbage.display()
        )
    );
    assert_starts_with(
        &files_error(&missing, &key).await,
        &format!("cannot read TLS certificate {}: ", missing.display()),
    );
    assert_starts_with(
        &files_error(&cert, &garbage).await,
        &format!("TLS key {} is not usable: no \"BEGIN", garbage.display()),
    );
    // A key that is not the certificate's.
    let (_, other_key) = own_certificate(&tempfile::tempdir().unwrap().keep());
    assert_starts_with(
        &files_error(&cert, &other_key).await,
        &format!(
            "TLS certificate {} and key {} cannot be used together: ",
            cert.display(),
            other_key.display()
        ),
    );
}

#[tokio::test]
async fn half_a_generated_pair_is_not_silently_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = self_signed_paths(dir.path());
    std::fs::create_dir_all(cert.parent().unwrap()).unwrap();
    std::fs::write(&cert, "kept\n").unwrap();
    let text = bind_error(|c| c.server.data_dir = Some(dir.path().to_path_buf())).await;
    assert_starts_with(
        &text,
        &format!("found {} but not {}", cert.display(), key.display()),
    );
}

#[tokio::test]
async fn reload_serves_the_new_certificate_without_dropping_anyone() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = own_certificate(dir.path());
    let server = start_with(|config| {
        config.tls.cert_file = Some(cert.clone());
        config.tls.key_file = Some(key.clone());
    })
    .await;
    let tls = server.context.tls.clone().unwrap();
    let old = tls.fingerprint();
    let mut alice = TlsClient::connect(server.tls_addr.unwrap(), "localhost", trusting(&cert))
        .await
        .unwrap();
    alice.send("NICK alice").await;
    alice.send("USER alice 0 * :Alice").await;
    alice.expect(|line| line.contains(" 001 ")).await;

    // A broken file keeps the certificate in force.
    std::fs::write(&key, "oops").unwrap();
    assert!(
        tls.reload()
            .unwrap_err()
            .to_string()
            .contains("own-key.pem")
    );
    assert_eq!(tls.fingerprint(), old);

    let fresh_dir = tempfile::tempdir().unwrap();
    let (new_cert, new_key) = own_certificate(fresh_dir.path());
    std::fs::copy(&new_cert, &cert).unwrap();
    std::fs::copy(&new_key, &key).unwrap();
    let reloaded = tls.reload().unwrap();
    assert_ne!(reloaded.fingerprint, old);

    let newcomer = TlsClient::connect(server.tls_addr.unwrap(), "localhost", trusting(&cert))
        .await
        .unwrap();
    assert_eq!(newcomer.server_fingerprint(), reloaded.fingerprint);
    alice.send("PING :still-here").await;
    alice.expect(|line| line.ends_with("still-here")).await;
}

#[tokio::test]
async fn plaintext_on_the_tls_port_gets_no_chat() {
    let server = start_with(|_| {}).await;
    let mut stream = tokio::net::TcpStream::connect(server.tls_addr.unwrap())
        .await
        .unwrap();
    stream
        .write_all(b"NICK alice\r\nUSER a 0 * :A\r\n")
        .await
        .unwrap();
    let reply = read_all(&mut stream).await;
    assert!(!reply.contains("001"), "{reply}");
}
