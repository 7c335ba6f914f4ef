//! End to end over TLS: the real `natterd` binary (its own self-signed
//! certificate, fingerprint printed at start) and real `natter` binaries
//! in tmux. alice is asked once and trusts the certificate for good; bob
//! pins it with --accept-fingerprint and talks through a recording proxy,
//! whose bytes show none of what was said; alice's next start is silent;
//! a changed certificate is refused loudly; plaintext spoken to the TLS
//! port is a permanent failure with advice.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod natterd_bin;
mod tmux;
mod tools;

use std::path::Path;
use std::sync::{Arc, Mutex};

use natter_protocol::Fingerprint;
use natterd_bin::Natterd;
use tmux::Tmux;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A TCP relay to `target` that keeps a copy of every byte in both
/// directions: what someone on the LAN would capture.
async fn recording_proxy(target: String) -> (String, Arc<Mutex<Vec<u8>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let captured = Arc::new(Mutex::new(Vec::new()));
    let record = captured.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let Ok(server) = tokio::net::TcpStream::connect(&target).await else {
                continue;
            };
            let (client_read, client_write) = client.into_split();
            let (server_read, server_write) = server.into_split();
            tokio::spawn(relay(client_read, server_write, record.clone()));
            tokio::spawn(relay(server_read, client_write, record.clone()));
        }
    });
    (address, captured)
}

async fn relay(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    record: Arc<Mutex<Vec<u8>>>,
) {
    let mut buffer = vec![0u8; 16 * 1024];
    while let Ok(n) = from.read(&mut buffer).await {
        if n == 0 {
            break;
        }
        record.lock().unwrap().extend_from_slice(&buffer[..n]);
        if to.write_all(&buffer[..n]).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn natter_over_tls_asks_once_pins_and_leaks_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let tmux_config = dir.path().join("tmux.conf");
    let Some(tmux) = Tmux::new(dir.path(), &tmux_config) else {
        return;
    };
    let server = Natterd::start(&dir.path().join("natterd"));
    let fingerprint = server.fingerprint.to_string();
    let client_config = dir.path().join("natter.toml");
    std::fs::write(&client_config, "").unwrap();
    let natter = env!("CARGO_BIN_EXE_natter");
    let home = |nick: &str| dir.path().join(nick);
    let command = |nick: &str, args: &str| {
        let home = home(nick);
        format!(
            "env HOME={home} XDG_DATA_HOME={home}/data XDG_STATE_HOME={home}/state \
             {natter} {args} --nick {nick} --config {}",
            client_config.display(),
            home = home.display()
        )
    };

    // alice: first use. The question shows the fingerprint natterd printed.
    let alice = command("alice", &format!("ircs://{}", server.tls_addr));
    tmux.start(&tmux_config, "alice", &alice);
    let (first_half, second_half) = fingerprint.split_at(48);
    tmux.wait_for("alice", "the trust question", |s| {
        s.contains("new certificate") && s.contains(first_half) && s.contains(second_half)
    })
    .await;
    tmux.keys("alice", &["a"]);
    tmux.wait_for("alice", "connected over TLS", |s| {
        s.contains("connected") && s.contains("[#lobby]")
    })
    .await;
    let known = home("alice").join("data/natter/known_servers");
    let kept = std::fs::read_to_string(&known).unwrap();
    assert!(
        kept.contains(&format!("{} {}", server.tls_addr, server.fingerprint.hex())),
        "{kept}"
    );
    assert_eq!(mode(&known), 0o600);

    // bob: pinned on the command line, through a proxy that records.
    let (proxy, captured) = recording_proxy(server.tls_addr.clone()).await;
    let bob = command(
        "bob",
        &format!("ircs://{proxy} --accept-fingerprint {fingerprint}"),
    );
    tmux.start(&tmux_config, "bob", &bob);
    tmux.wait_for("bob", "both in the sidebar", |s| {
        s.contains("connected") && s.contains("2 members")
    })
    .await;
    tmux.type_line("alice", "the launch code is swordfish");
    tmux.wait_for("bob", "alice's secret", |s| s.contains("swordfish"))
        .await;
    tmux.type_line("bob", "/msg alice whispered over tls");
    tmux.wait_for("alice", "a tab for bob's whisper", |s| {
        s.contains("3:bob 1")
    })
    .await;
    tmux.keys("alice", &["M-3"]);
    tmux.wait_for("alice", "bob's whisper", |s| {
        s.contains("whispered over tls")
    })
    .await;
    let bytes = captured.lock().unwrap().clone();
    assert!(bytes.len() > 1000, "the proxy saw {} bytes", bytes.len());
    for readable in [
        "swordfish",
        "whispered",
        "PRIVMSG",
        "alice",
        "NICK",
        "#lobby",
    ] {
        let found = bytes
            .windows(readable.len())
            .any(|w| w == readable.as_bytes());
        assert!(!found, "`{readable}` crossed the network readable");
    }
    tmux.type_line("alice", "/quit");

    // alice again: trusted without a question.
    tmux.start(&tmux_config, "alice-again", &alice);
    let screen = tmux
        .wait_for("alice-again", "connected without asking", |s| {
            s.contains("connected") && s.contains("2 members")
        })
        .await;
    assert!(!screen.contains("new certificate"), "{screen}");
    tmux.type_line("alice-again", "/quit");

    // The certificate changed (here: the remembered one did): a loud refusal
    // naming the file to edit, and no question.
    let other = Fingerprint::of_der(b"someone else's certificate").hex();
    std::fs::write(&known, format!("{} {other}\n", server.tls_addr)).unwrap();
    tmux.start(&tmux_config, "alice-changed", &alice);
    let screen = tmux
        .wait_for("alice-changed", "the warning", |s| {
            s.contains("WARNING") && s.contains("different certificate")
        })
        .await;
    assert!(screen.contains("cannot connect"), "{screen}");
    assert!(!screen.contains("new certificate"), "{screen}");

    // Plaintext to the TLS port: said plainly, not retried blindly.
    let plain = command("carol", &format!("irc://{}", server.tls_addr));
    tmux.start(&tmux_config, "carol", &plain);
    tmux.wait_for("carol", "the advice", |s| {
        s.contains("expects an encrypted connection") && s.contains("cannot connect")
    })
    .await;
}
