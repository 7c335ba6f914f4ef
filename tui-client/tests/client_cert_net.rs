//! natter's TLS client certificate against the real natterd: presented in
//! the handshake, it logs in with SASL EXTERNAL once the account added it
//! (`NickServ CERT ADD`); before that natter says why it did not and goes on
//! without an account; a key file others can read stops the connection with
//! the `chmod 600` to run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use natter::event::{AppEvent, NetEvent};
use natter::net::client_cert::ClientCert;
use natter::net::known_servers::KnownServers;
use natter::net::registration::Identity;
use natter::net::tls::TlsSettings;
use natter::net::{self, NetCommand, NetConfig};
use natter_protocol::{Fingerprint, Message};
use natterd::testing::TestServer;
use tokio::sync::mpsc;

const PATIENCE: Duration = Duration::from_secs(30);

struct Client {
    events: mpsc::Receiver<AppEvent>,
    commands: mpsc::Sender<NetCommand>,
    task: tokio::task::JoinHandle<()>,
    /// Every login note natter showed, in order.
    notes: Vec<String>,
}

fn start(port: u16, known: &Path, server: Fingerprint, cert: ClientCert, nick: &str) -> Client {
    let (app_tx, events) = mpsc::channel(1024);
    let (commands, net_rx) = mpsc::channel(64);
    let config = NetConfig {
        host: "127.0.0.1".to_owned(),
        port,
        registration_timeout: net::REGISTRATION_TIMEOUT,
        tls: Some(TlsSettings {
            known: KnownServers::at(known.to_path_buf()),
            accept: Some(server),
            once: None,
        }),
        sts: None,
        identity: Identity {
            nick: nick.to_owned(),
            username: nick.to_owned(),
            realname: nick.to_owned(),
            password: None,
            account: None,
            client_cert: Some(cert),
        },
    };
    let task = tokio::spawn(net::run(config, app_tx, net_rx));
    Client {
        events,
        commands,
        task,
        notes: Vec::new(),
    }
}

impl Client {
    /// The next server line with `command` (login notes are collected on the
    /// way); panics on a failure or disconnection.
    async fn line(&mut self, command: &str) -> Message {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let event = tokio::time::timeout_at(deadline, self.events.recv())
                .await
                .unwrap_or_else(|_| panic!("no {command} in time; notes {:?}", self.notes))
                .expect("network task ended");
            match event {
                AppEvent::Net(NetEvent::Line { message, .. }) if message.command == command => {
                    return message;
                }
                AppEvent::Net(NetEvent::LoginNote(note)) => self.notes.push(note),
                AppEvent::Net(
                    event @ (NetEvent::Failed { .. } | NetEvent::Disconnected { .. }),
                ) => panic!("waiting for {command}: {event:?}"),
                _ => {}
            }
        }
    }

    /// The permanent failure the task reports.
    async fn failure(&mut self) -> String {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let event = tokio::time::timeout_at(deadline, self.events.recv())
                .await
                .expect("no failure in time")
                .expect("network task ended");
            match event {
                AppEvent::Net(NetEvent::Failed { reason }) => return reason,
                AppEvent::Net(NetEvent::Line { message, .. }) if message.command == "001" => {
                    panic!("connected with an unprotected key")
                }
                _ => {}
            }
        }
    }

    async fn send(&self, line: &str) {
        let message = Message::parse(line).unwrap();
        self.commands.send(NetCommand::Send(message)).await.unwrap();
    }

    async fn quit(self) {
        let _ = self.commands.send(NetCommand::Quit("bye".into())).await;
        tokio::time::timeout(PATIENCE, self.task)
            .await
            .unwrap()
            .unwrap();
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
