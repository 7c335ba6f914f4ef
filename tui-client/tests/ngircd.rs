//! natter against a standard IRC server: ngircd. Ignored by default because
//! it needs ngircd installed (`apt-get install ngircd`); run it with
//! `cargo test -p natter --test ngircd -- --ignored`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use chrono::Utc;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use natter::app::{App, Settings};
use natter::event::{AppEvent, Effect};
use natter::net::registration::Identity;
use natter::net::{self, NetCommand, NetConfig};
use tokio::sync::mpsc;

const PATIENCE: Duration = Duration::from_secs(20);

/// An ngircd on a free loopback port, killed on drop.
struct Ngircd {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Ngircd {
    fn start() -> Ngircd {
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
        let child = Command::new("ngircd")
            .args(["-n", "-f"])
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("ngircd is not installed: apt-get install ngircd");
        Ngircd {
            child,
            port,
            _dir: dir,
        }
    }
}

impl Drop for Ngircd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A natter without a terminal: the real App and network task.
struct Headless {
    app: App,
    events: mpsc::Receiver<AppEvent>,
    commands: mpsc::Sender<NetCommand>,
}

impl Headless {
    fn start(port: u16, nick: &str) -> Headless {
        let (app_tx, events) = mpsc::channel(256);
        let (commands, net_rx) = mpsc::channel(256);
        let config = NetConfig {
            host: "127.0.0.1".into(),
            port,
            identity: Identity {
                nick: nick.into(),
                username: nick.into(),
                realname: nick.into(),
                password: None,
            },
        };
        tokio::spawn(net::run(config, app_tx, net_rx));
        let app = App::new(
            Settings::new(nick, &format!("127.0.0.1:{port}")),
            (100, 30),
            Utc::now(),
        );
        Headless {
            app,
            events,
            commands,
        }
    }

    async fn apply(&mut self, event: AppEvent) {
        for effect in self.app.update(event) {
            if let Effect::Send(message) = effect {
                self.commands.send(NetCommand::Send(message)).await.unwrap();
            }
        }
    }

    /// Processes network events until `done` holds.
    async fn until(&mut self, what: &str, done: impl Fn(&App) -> bool) {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        while !done(&self.app) {
            let event = tokio::time::timeout_at(deadline, self.events.recv())
                .await
                .unwrap_or_else(|_| panic!("{} never saw {what}", self.app.settings.nick))
                .unwrap();
            self.apply(event).await;
        }
    }

    async fn type_line(&mut self, text: &str) {
        for c in text.chars() {
            self.apply(AppEvent::Key(KeyEvent::new(
                KeyCode::Char(c),
                KeyModifiers::NONE,
            )))
            .await;
        }
        self.apply(AppEvent::Key(KeyEvent::new(
            KeyCode::Enter,
            KeyModifiers::NONE,
        )))
        .await;
    }

    async fn alt(&mut self, code: KeyCode) {
        self.apply(AppEvent::Key(KeyEvent::new(code, KeyModifiers::ALT)))
            .await;
    }
}

fn shows(app: &App, buffer: &str, text: &str) -> bool {
    app.buffers
        .all()
        .iter()
        .filter(|b| b.name == buffer)
        .flat_map(|b| b.lines.iter())
        .any(|line| line.text().contains(text))
}

#[tokio::test]
#[ignore = "needs ngircd (apt-get install ngircd); run with --ignored"]
async fn chat_and_whisper_through_ngircd() {
    let server = Ngircd::start();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut alice = Headless::start(server.port, "alice");
    alice
        .until("#lobby", |app| app.buffers.active().name == "#lobby")
        .await;
    let mut bob = Headless::start(server.port, "bob");
    bob.until("#lobby", |app| app.buffers.active().name == "#lobby")
        .await;
    alice
        .until("bob in the sidebar", |app| app.sidebar_members().len() == 2)
        .await;

    alice.type_line("hello 你好 👋").await;
    bob.until("alice's message", |app| {
        shows(app, "#lobby", "hello 你好 👋")
    })
    .await;

    // Whisper bob with the sidebar keys alone.
    while alice
        .app
        .selected_member_index()
        .map(|i| alice.app.sidebar_members()[i].nick.clone())
        != Some("bob".to_owned())
    {
        alice.alt(KeyCode::Down).await;
    }
    alice.alt(KeyCode::Enter).await;
    assert_eq!(alice.app.buffers.active().name, "bob");
    alice.type_line("psst").await;
    bob.until("the whisper", |app| shows(app, "alice", "psst"))
        .await;

    // A taken nick is retried with a suffix.
    let mut second = Headless::start(server.port, "alice");
    second
        .until("registration", |app| app.session.registered)
        .await;
    assert_eq!(second.app.session.nick, "alice_");
}
