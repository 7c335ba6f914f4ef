//! The network task over TLS against natterd on loopback: a self-signed
//! certificate stops the task with a trust question until the user answers
//! (once, or always: then it is kept in known_servers and trusted without
//! asking), a changed certificate is refused with a warning naming the
//! file, and a plaintext port spoken to in TLS is a permanent failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod net_support;

use std::path::Path;

use natter::event::NetEvent;
use natter::net::known_servers::KnownServers;
use natter::net::tls::TlsSettings;
use natter::net::{NetCommand, NetConfig};
use natter_protocol::Fingerprint;
use natterd::testing::TestServer;
use net_support::{NetClient, PATIENCE, is_welcome, mode};
use tokio::time::Instant;

fn start(port: u16, known: &Path, accept: Option<Fingerprint>) -> NetClient {
    NetClient::start(NetConfig {
        tls: Some(TlsSettings {
            known: KnownServers::at(known.to_path_buf()),
            accept,
            once: None,
        }),
        ..net_support::config("127.0.0.1", port, "alice")
    })
}

/// The first event that is a failure, a trust question, a welcome (001)
/// or a retry.
async fn outcome(client: &mut NetClient) -> NetEvent {
    let deadline = Instant::now() + PATIENCE;
    loop {
        match client.next_net("outcome", deadline).await {
            event @ (NetEvent::Failed { .. }
            | NetEvent::Untrusted { .. }
            | NetEvent::Disconnected { .. }) => return event,
            event if is_welcome(&event) => return event,
            _ => {}
        }
    }
}

fn failure(event: NetEvent) -> String {
    match event {
        NetEvent::Failed { reason } => reason,
        other => panic!("expected a permanent failure, got {other:?}"),
    }
}

fn welcomed(event: NetEvent) {
    assert!(
        matches!(&event, NetEvent::Line { message, .. } if message.command == "001"),
        "{event:?}"
    );
}

fn untrusted(event: NetEvent) -> (Fingerprint, std::path::PathBuf) {
    match event {
        NetEvent::Untrusted {
            fingerprint,
            known_file,
            ..
        } => (fingerprint, known_file),
        other => panic!("expected the trust question, got {other:?}"),
    }
}

#[tokio::test]
async fn trust_on_first_use_once_always_then_a_change_is_refused() {
    let server = TestServer::start().await;
    let port = server.tls_addr.unwrap().port();
    let fingerprint = server.context.tls.as_ref().unwrap().fingerprint();
    let dir = tempfile::tempdir().unwrap();
    let known = dir.path().join("natter").join("known_servers");

    // Unknown self-signed certificate: the user is asked, nothing is kept.
    let mut client = start(port, &known, None);
    assert_eq!(
        untrusted(outcome(&mut client).await),
        (fingerprint, known.clone())
    );
    // Refusing and asking again (/reconnect) asks again.
    client.command(NetCommand::Reconnect).await;
    assert_eq!(untrusted(outcome(&mut client).await).0, fingerprint);
    // "This time only": connects, still nothing kept.
    let trust = |remember| NetCommand::Trust {
        fingerprint,
        remember,
    };
    client.command(trust(false)).await;
    welcomed(outcome(&mut client).await);
    client.quit().await;
    assert!(!known.exists());

    // Next run asks again; "always" keeps it in a 0600 file.
    let mut client = start(port, &known, None);
    untrusted(outcome(&mut client).await);
    client.command(trust(true)).await;
    welcomed(outcome(&mut client).await);
    client.quit().await;
    let kept = KnownServers::at(known.clone());
    let address = format!("127.0.0.1:{port}");
    assert_eq!(kept.lookup(&address).unwrap(), Some(fingerprint));
    #[cfg(unix)]
    assert_eq!(mode(&known), 0o600);

    // Later runs trust it without asking.
    let mut client = start(port, &known, None);
    welcomed(outcome(&mut client).await);
    client.quit().await;

    // A different certificate for the same server is refused loudly,
    // naming the file to edit, and never turned into a question.
    std::fs::write(
        &known,
        format!("{address} {}\n", Fingerprint::of_der(b"other").hex()),
    )
    .unwrap();
    let mut client = start(port, &known, None);
    let reason = failure(outcome(&mut client).await);
    assert!(
        reason.starts_with(&format!(
            "WARNING: {address} presents a different certificate"
        )),
        "{reason}"
    );
    assert!(reason.contains(&fingerprint.to_string()), "{reason}");
    assert!(reason.contains(&known.display().to_string()), "{reason}");
    client.command(NetCommand::Reconnect).await;
    assert!(failure(outcome(&mut client).await).starts_with("WARNING"));
    client.quit().await;
}

#[tokio::test]
async fn accept_fingerprint_pins_without_asking_and_is_kept() {
    let server = TestServer::start().await;
    let port = server.tls_addr.unwrap().port();
    let fingerprint = server.context.tls.as_ref().unwrap().fingerprint();
    let dir = tempfile::tempdir().unwrap();
    let known = dir.path().join("known_servers");

    // The wrong fingerprint on the command line is a loud refusal.
    let wrong = Fingerprint::of_der(b"wrong");
    let mut client = start(port, &known, Some(wrong));
    let reason = failure(outcome(&mut client).await);
    assert!(reason.starts_with("WARNING"), "{reason}");
    client.quit().await;
    assert!(!known.exists());

    let mut client = start(port, &known, Some(fingerprint));
    welcomed(outcome(&mut client).await);
    client.quit().await;
    let kept = KnownServers::at(known.clone());
    assert_eq!(
        kept.lookup(&format!("127.0.0.1:{port}")).unwrap(),
        Some(fingerprint)
    );
}

#[tokio::test]
async fn tls_to_a_plaintext_port_is_a_permanent_failure() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut client = start(server.addr.port(), &dir.path().join("known"), None);
    let reason = failure(outcome(&mut client).await);
    assert!(reason.contains("did not answer in TLS"), "{reason}");
    client.quit().await;
}
