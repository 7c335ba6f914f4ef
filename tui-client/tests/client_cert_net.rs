//! natter's TLS client certificate against the real natterd: presented in
//! the handshake, it logs in with SASL EXTERNAL once the account added it
//! (`NickServ CERT ADD`); before that natter says why it did not and goes on
//! without an account; a key file others can read stops the connection with
//! the `chmod 600` to run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod net_support;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use natter::event::NetEvent;
use natter::net::client_cert::ClientCert;
use natter::net::known_servers::KnownServers;
use natter::net::registration::Identity;
use natter::net::tls::TlsSettings;
use natter::net::{NetCommand, NetConfig};
use natter_protocol::{Fingerprint, Message};
use natterd::testing::TestServer;
use net_support::{NetClient, PATIENCE};
use tokio::time::Instant;

/// The network task over TLS to natterd on `port`, trusting its certificate
/// `server`, presenting `cert`; and every login note natter showed, in order.
struct Client {
    net: NetClient,
    notes: Vec<String>,
}

fn start(port: u16, known: &Path, server: Fingerprint, cert: ClientCert, nick: &str) -> Client {
    let config = NetConfig {
        tls: Some(TlsSettings {
            known: KnownServers::at(known.to_path_buf()),
            accept: Some(server),
            once: None,
        }),
        identity: Identity {
            client_cert: Some(cert),
            ..net_support::identity(nick)
        },
        ..net_support::config("127.0.0.1", port, nick)
    };
    Client {
        net: NetClient::start(config),
        notes: Vec::new(),
    }
}

impl Client {
    /// The next server line with `command` (login notes are collected on the
    /// way); panics on a failure or disconnection.
    async fn line(&mut self, command: &str) -> Message {
        let deadline = Instant::now() + PATIENCE;
        loop {
            match self.net.next_net(command, deadline).await {
                NetEvent::Line { message, .. } if message.command == command => return message,
                NetEvent::LoginNote(note) => self.notes.push(note),
                event @ (NetEvent::Failed { .. } | NetEvent::Disconnected { .. }) => {
                    panic!("waiting for {command}: {event:?}; notes {:?}", self.notes)
                }
                _ => {}
            }
        }
    }

    /// The permanent failure the task reports.
    async fn failure(&mut self) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            match self.net.next_net("a failure", deadline).await {
                NetEvent::Failed { reason } => return reason,
                NetEvent::Line { message, .. } if message.command == "001" => {
                    panic!("connected with an unprotected key")
                }
                _ => {}
            }
        }
    }

    async fn send(&self, line: &str) {
        let message = Message::parse(line).unwrap();
        self.net.command(NetCommand::Send(message)).await;
    }

    async fn quit(self) {
        self.net.quit().await;
    }
}

/// A self-signed certificate and its key in `dir` (key mode 0600), as a
/// user makes them with openssl, and its fingerprint.
fn make_cert(dir: &Path) -> (ClientCert, Fingerprint) {
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["alice".to_owned()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let cert_path = dir.join("alice.crt");
    let key_path = dir.join("alice.key");
    std::fs::write(&cert_path, cert.pem()).unwrap();
    std::fs::write(&key_path, key.serialize_pem()).unwrap();
    std::fs::set_permissions(&key_path, std::fs::Permissions::from_mode(0o600)).unwrap();
    (
        ClientCert::new(cert_path, Some(key_path)),
        Fingerprint::of_der(cert.der()),
    )
}

#[tokio::test]
async fn a_client_certificate_logs_in_with_sasl_external_once_the_account_added_it() {
    let server = TestServer::start().await;
    let port = server.tls_addr.unwrap().port();
    let fingerprint = server.context.tls.as_ref().unwrap().fingerprint();
    let dir = tempfile::tempdir().unwrap();
    let known = dir.path().join("known_servers");
    let (cert, cert_fingerprint) = make_cert(dir.path());

    // Not added to any account yet: natter says so and goes on without one.
    let mut alice = start(port, &known, fingerprint, cert.clone(), "alice");
    alice.line("001").await;
    assert_eq!(
        alice.notes,
        [
            "Your TLS client certificate did not log you in (SASL EXTERNAL: SASL authentication \
             failed: your client certificate is not added to any account (log in and /msg \
             NickServ CERT ADD)). Add it to your account once: log in with your password, then \
             /msg NickServ CERT ADD."
        ]
    );
    alice.send("PRIVMSG NickServ :REGISTER sesame123").await;
    let logged_in = alice.line("900").await;
    assert_eq!(
        logged_in.params.last().unwrap(),
        "You are now logged in as alice"
    );
    alice.send("PRIVMSG NickServ :CERT ADD").await;
    let added = alice.line("NOTICE").await;
    assert_eq!(
        added.params[1],
        format!(
            "Certificate {cert_fingerprint} added to alice: it logs you in with SASL EXTERNAL."
        )
    );
    alice.quit().await;

    // Now the certificate alone logs in, before the welcome, with no note.
    let mut again = start(port, &known, fingerprint, cert, "alice");
    let logged_in = again.line("900").await;
    assert_eq!(logged_in.arg(2), Some("alice"));
    again.line("903").await;
    again.line("001").await;
    assert!(again.notes.is_empty(), "{:?}", again.notes);
    again.quit().await;
}

#[tokio::test]
async fn a_key_others_can_read_stops_the_connection_with_the_fix() {
    let server = TestServer::start().await;
    let port = server.tls_addr.unwrap().port();
    let fingerprint = server.context.tls.as_ref().unwrap().fingerprint();
    let dir = tempfile::tempdir().unwrap();
    let (cert, _) = make_cert(dir.path());
    std::fs::set_permissions(&cert.key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let mut client = start(
        port,
        &dir.path().join("known_servers"),
        fingerprint,
        cert.clone(),
        "alice",
    );
    let reason = client.failure().await;
    assert_eq!(
        reason,
        format!(
            "the client key {0} is accessible by others (mode 0644); natter will not use it \
             until only you can read it: chmod 600 {0}",
            cert.key.display()
        )
    );
    client.quit().await;
}
