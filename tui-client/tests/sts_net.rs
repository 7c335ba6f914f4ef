//! IRCv3 STS against natterd on loopback: a plaintext connection that sees
//! `sts=port=` says nothing after `CAP LS` (a recording proxy checks) and
//! comes back over TLS; the TLS connection's `duration=` is kept in a 0600
//! `sts_policies` beside known_servers; a later plaintext start goes to TLS
//! at once; `duration=0` removes the policy.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod net_support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use natter::event::{NetEvent, StsNews};
use natter::net::known_servers::KnownServers;
use natter::net::registration::Identity;
use natter::net::sts::StsPolicies;
use natter::net::tls::TlsSettings;
use natter::net::{NetCommand, NetConfig};
use natterd::testing::TestServer;
use net_support::{NetClient, PATIENCE, is_welcome, mode};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;

fn start(port: u16, tls: Option<TlsSettings>, policies: &StsPolicies) -> NetClient {
    NetClient::start(NetConfig {
        tls,
        sts: Some(policies.clone()),
        identity: Identity {
            password: Some("hunter2-secret".to_owned()),
            ..net_support::identity("alice")
        },
        ..net_support::config("127.0.0.1", port, "alice")
    })
}

/// The next event that matters here: STS news, a trust question, a
/// failure, a retry or the welcome (001). Connecting events are
/// collected in `dialled`.
async fn next(client: &mut NetClient, dialled: &mut Vec<String>) -> NetEvent {
    let deadline = Instant::now() + PATIENCE;
    loop {
        match client.next_net("event", deadline).await {
            NetEvent::Connecting { address, .. } => dialled.push(address),
            NetEvent::Line { ref message, .. } if message.command != "001" => {}
            NetEvent::Connected { .. } => {}
            event => return event,
        }
    }
}

/// A one-connection TCP proxy to `target` recording what the client sent;
/// the handle ends when either side closes.
async fn recording_proxy(
    target: std::net::SocketAddr,
) -> (u16, Arc<Mutex<Vec<u8>>>, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let captured = Arc::new(Mutex::new(Vec::new()));
    let record = captured.clone();
    let task = tokio::spawn(async move {
        let (client, _) = listener.accept().await.unwrap();
        let server = TcpStream::connect(target).await.unwrap();
        let (mut client_read, mut client_write) = client.into_split();
        let (mut server_read, mut server_write) = server.into_split();
        let upstream = async {
            let mut buffer = [0u8; 4096];
            loop {
                match client_read.read(&mut buffer).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        record.lock().unwrap().extend_from_slice(&buffer[..n]);
                        if server_write.write_all(&buffer[..n]).await.is_err() {
                            break;
                        }
                    }
                }
            }
        };
        let downstream = async {
            let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
            let _ = client_write.shutdown().await;
        };
        tokio::select! {
            () = upstream => {}
            () = downstream => {}
        }
    });
    (port, captured, task)
}

#[tokio::test]
async fn a_plaintext_connection_follows_sts_to_tls_and_keeps_the_policy() {
    let server = TestServer::start().await;
    let tls_port = server.tls_addr.unwrap().port();
    let fingerprint = server.context.tls.as_ref().unwrap().fingerprint();
    let dir = tempfile::tempdir().unwrap();
    let known = KnownServers::at(dir.path().join("natter").join("known_servers"));
    let policies = StsPolicies::beside(&known);

    // Plaintext through a proxy that records what natter says in clear.
    let (proxy_port, captured, proxy) = recording_proxy(server.addr).await;
    let mut client = start(proxy_port, None, &policies);
    let mut dialled = Vec::new();
    let event = next(&mut client, &mut dialled).await;
    let NetEvent::Sts(StsNews::Upgrade { from, to }) = event else {
        panic!("expected the STS upgrade, got {event:?}");
    };
    assert_eq!(from, format!("127.0.0.1:{proxy_port}"));
    assert_eq!(to, format!("127.0.0.1:{tls_port}"));
    tokio::time::timeout(PATIENCE, proxy)
        .await
        .unwrap()
        .unwrap();
    // After CAP LS nothing, above all not the password, went out in clear.
    assert_eq!(
        String::from_utf8(captured.lock().unwrap().clone()).unwrap(),
        "CAP LS 302\r\n"
    );

    // The self-signed certificate is asked about like any other.
    let event = next(&mut client, &mut dialled).await;
    let NetEvent::Untrusted {
        address,
        fingerprint: shown,
        known_file,
    } = event
    else {
        panic!("expected the trust question, got {event:?}");
    };
    assert_eq!(address, format!("127.0.0.1:{tls_port}"));
    assert_eq!(shown, fingerprint);
    assert_eq!(known_file, known.path());
    client
        .command(NetCommand::Trust {
            fingerprint,
            remember: true,
        })
        .await;
    // Over TLS natterd states its policy (30 days by default): kept.
    let mut kept = None;
    let mut welcomed = false;
    while kept.is_none() || !welcomed {
        match next(&mut client, &mut dialled).await {
            NetEvent::Sts(StsNews::Kept {
                host,
                port,
                until,
                file,
            }) => {
                assert_eq!((host.as_str(), port), ("127.0.0.1", tls_port));
                assert_eq!(file, policies.path());
                kept = Some(until);
            }
            event if is_welcome(&event) => welcomed = true,
            event => panic!("unexpected {event:?}"),
        }
    }
    client.quit().await;
    let policy = policies
        .lookup("127.0.0.1", chrono::Utc::now())
        .unwrap()
        .expect("policy kept");
    assert_eq!(policy.port, tls_port);
    let days = (policy.expires - chrono::Utc::now()).num_days();
    assert!((29..=30).contains(&days), "{days} days");
    #[cfg(unix)]
    assert_eq!(mode(policies.path()), 0o600);

    // A later start in plaintext goes straight to TLS: no plaintext dial,
    // no question (the certificate was kept), no news but the policy's.
    let mut client = start(server.addr.port(), None, &policies);
    let mut dialled = Vec::new();
    let event = next(&mut client, &mut dialled).await;
    assert!(
        matches!(&event, NetEvent::Sts(StsNews::Remembered { to, .. })
            if *to == format!("127.0.0.1:{tls_port}")),
        "{event:?}"
    );
    assert!(is_welcome(&next(&mut client, &mut dialled).await));
    assert_eq!(dialled, vec![format!("127.0.0.1:{tls_port}")]);
    client.quit().await;
}

#[tokio::test]
async fn duration_zero_removes_the_policy() {
    let mut config = natterd::config::Config::default();
    config.tls.sts_duration = Duration::ZERO;
    let server = TestServer::start_with(config).await;
    let tls_port = server.tls_addr.unwrap().port();
    let fingerprint = server.context.tls.as_ref().unwrap().fingerprint();
    let dir = tempfile::tempdir().unwrap();
    let known = KnownServers::at(dir.path().join("known_servers"));
    let policies = StsPolicies::beside(&known);
    policies
        .store("127.0.0.1", tls_port, 86_400, chrono::Utc::now())
        .unwrap();

    let tls = TlsSettings {
        known,
        accept: Some(fingerprint),
        once: None,
    };
    let mut client = start(tls_port, Some(tls), &policies);
    let mut dialled = Vec::new();
    let mut removed = false;
    let mut welcomed = false;
    while !removed || !welcomed {
        match next(&mut client, &mut dialled).await {
            NetEvent::Sts(StsNews::Removed { host }) => {
                assert_eq!(host, "127.0.0.1");
                removed = true;
            }
            event if is_welcome(&event) => welcomed = true,
            event => panic!("unexpected {event:?}"),
        }
    }
    client.quit().await;
    assert_eq!(
        policies.lookup("127.0.0.1", chrono::Utc::now()).unwrap(),
        None
    );
}
