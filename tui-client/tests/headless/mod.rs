//! A natter without a terminal, for tests against a real server: the real
//! `App` and network task, driven by key events, with the effects it asks
//! for carried out as the binary would.
#![allow(dead_code)]

use std::time::Duration;

use chrono::Utc;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use natter::app::{App, Settings};
use natter::event::{AppEvent, Effect};
use natter::net::registration::Identity;
use natter::net::{self, NetCommand, NetConfig};
use tokio::sync::mpsc;

/// natterd with `config` but plaintext only. With TLS on (natterd's
/// default) it advertises IRCv3 STS and natter moves to TLS (sts_net.rs
/// tests that); tests about chatting over IRC keep to plaintext.
pub async fn plaintext_server(mut config: natterd::config::Config) -> natterd::testing::TestServer {
    config.tls.bind = None;
    natterd::testing::TestServer::start_with(config).await
}

/// How long to wait for something to happen before a test fails.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// The App and its network task connected to `127.0.0.1:port`.
pub struct Headless {
    /// The client state.
    pub app: App,
    events: mpsc::Receiver<AppEvent>,
    commands: mpsc::Sender<NetCommand>,
    /// The command of every line sent, in order (e.g. "PRIVMSG", "CHATHISTORY").
    pub sent: Vec<String>,
}

impl Headless {
    /// Connects as `nick` (the network task runs on the test's runtime).
    pub fn start(port: u16, nick: &str) -> Headless {
        Headless::start_as(
            port,
            Identity {
                nick: nick.into(),
                username: nick.into(),
                realname: nick.into(),
                password: None,
                account: None,
                client_cert: None,
            },
        )
    }

    /// Connects as `identity` (with a password: SASL when offered).
    pub fn start_as(port: u16, identity: Identity) -> Headless {
        let nick = identity.nick.clone();
        let nick = nick.as_str();
        let (app_tx, events) = mpsc::channel(1024);
        let (commands, net_rx) = mpsc::channel(256);
        let config = NetConfig {
            host: "127.0.0.1".into(),
            port,
            tls: None,
            sts: None,
            registration_timeout: natter::net::REGISTRATION_TIMEOUT,
            identity,
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
            sent: Vec::new(),
        }
    }

    /// Updates the App with `event` and sends the lines it asks for.
    pub async fn apply(&mut self, event: AppEvent) {
        for effect in self.app.update(event) {
            if let Effect::Send(message) = effect {
                self.sent.push(message.command.clone());
                self.commands.send(NetCommand::Send(message)).await.unwrap();
            }
        }
    }

    /// How many lines with this command were sent.
    pub fn sent_count(&self, command: &str) -> usize {
        self.sent.iter().filter(|c| *c == command).count()
    }

    /// Processes network events until `done` holds.
    pub async fn until(&mut self, what: &str, done: impl Fn(&App) -> bool) {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        while !done(&self.app) {
            let event = tokio::time::timeout_at(deadline, self.events.recv())
                .await
                .unwrap_or_else(|_| panic!("{} never saw {what}", self.app.chat.settings.nick))
                .unwrap();
            self.apply(event).await;
        }
    }

    /// Presses a key.
    pub async fn key(&mut self, code: KeyCode, modifiers: KeyModifiers) {
        self.apply(AppEvent::Key(KeyEvent::new(code, modifiers)))
            .await;
    }

    /// Presses a key with Alt.
    pub async fn alt(&mut self, code: KeyCode) {
        self.key(code, KeyModifiers::ALT).await;
    }

    /// Types `text` and presses Enter.
    pub async fn type_line(&mut self, text: &str) {
        for c in text.chars() {
            self.key(KeyCode::Char(c), KeyModifiers::NONE).await;
        }
        self.key(KeyCode::Enter, KeyModifiers::NONE).await;
    }
}
