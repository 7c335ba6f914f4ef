//! natter against a standard IRC server: ngircd (`apt-get install ngircd`;
//! `.ci/run` installs it). Without ngircd this test fails and says so.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Child, Command, Stdio};
use std::time::Duration;

mod headless;
mod tools;

use crossterm::event::KeyCode;
use headless::Headless;
use natter::app::App;

/// An ngircd on a free loopback port, killed on drop.
struct Ngircd {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Ngircd {
    fn start() -> Option<Ngircd> {
        let program = tools::require(
            &["ngircd", "/usr/sbin/ngircd"],
            "--version",
            "apt-get install ngircd",
        )?;
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let config = dir.path().join("ngircd.conf");
        std::fs::write(
            &config,
            format!(
                "[Global]\nName = irc.test\nInfo = natter test\nListen = 127.0.0.1\nPorts = {port}\n\
                 PidFile = {}\n[Limits]\nMaxNickLength = 16\n[Options]\nPAM = no\nDNS = no\nIdent = no\n",
                dir.path().join("ngircd.pid").display()
            ),
        )
        .unwrap();
        let child = Command::new(program)
            .args(["-n", "-f"])
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting ngircd");
        Some(Ngircd {
            child,
            port,
            _dir: dir,
        })
    }
}

impl Drop for Ngircd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn shows(app: &App, buffer: &str, text: &str) -> bool {
    app.chat
        .buffers
        .all()
        .iter()
        .filter(|b| b.name == buffer)
        .flat_map(|b| b.lines.iter())
        .any(|line| line.text().contains(text))
}

#[tokio::test]
async fn chat_and_whisper_through_ngircd() {
    let Some(server) = Ngircd::start() else {
        return;
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut alice = Headless::start(server.port, "alice");
    alice
        .until("#lobby", |app| app.chat.buffers.active().name == "#lobby")
        .await;
    let mut bob = Headless::start(server.port, "bob");
    bob.until("#lobby", |app| app.chat.buffers.active().name == "#lobby")
        .await;
    alice
        .until("bob in the sidebar", |app| {
            app.chat.sidebar_members().len() == 2
        })
        .await;

    alice.type_line("hello 你好 👋").await;
    bob.until("alice's message", |app| {
        shows(app, "#lobby", "hello 你好 👋")
    })
    .await;

    // Whisper bob with the sidebar keys alone.
    while alice
        .app
        .chat
        .selected_member_index()
        .map(|i| alice.app.chat.sidebar_members()[i].nick.clone())
        != Some("bob".to_owned())
    {
        alice.alt(KeyCode::Down).await;
    }
    alice.alt(KeyCode::Enter).await;
    assert_eq!(alice.app.chat.buffers.active().name, "bob");
    alice.type_line("psst").await;
    bob.until("the whisper", |app| shows(app, "alice", "psst"))
        .await;

    // A taken nick is retried with a suffix.
    let mut second = Headless::start(server.port, "alice");
    second
        .until("registration", |app| app.chat.session.registered)
        .await;
    assert_eq!(second.app.chat.session.nick, "alice_");
}
