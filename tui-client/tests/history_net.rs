//! Infinite scroll-back against the real natterd over loopback TCP: bob says
//! 120 messages, then natter (App + network task) joins, gets the last 50 as
//! backlog and scrolls up until it holds all 120, in order, under the start
//! of history.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use chrono::Utc;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use natter::app::buffers::{LineKind, Older};
use natter::app::{App, Settings};
use natter::event::{AppEvent, Effect};
use natter::net::registration::Identity;
use natter::net::{self, NetCommand, NetConfig};
use natterd::config::Config;
use natterd::testing::TestServer;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::sync::mpsc;

const PATIENCE: Duration = Duration::from_secs(30);

/// A natter without a terminal: the real App and network task.
struct Headless {
    app: App,
    events: mpsc::Receiver<AppEvent>,
    commands: mpsc::Sender<NetCommand>,
    history_requests: usize,
}

impl Headless {
    fn start(port: u16, nick: &str) -> Headless {
        let (app_tx, events) = mpsc::channel(1024);
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
            history_requests: 0,
        }
    }

    async fn apply(&mut self, event: AppEvent) {
        for effect in self.app.update(event) {
            if let Effect::Send(message) = effect {
                if message.command == "CHATHISTORY" {
                    self.history_requests += 1;
                }
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
                .unwrap_or_else(|_| panic!("never saw {what}"))
                .unwrap();
            self.apply(event).await;
        }
    }
}

/// The messages of the visible buffer, oldest first.
fn messages(app: &App) -> Vec<String> {
    app.buffers
        .active()
        .lines
        .iter()
        .filter(|l| l.kind == LineKind::Message)
        .map(|l| format!("{}: {}", l.nick, l.text()))
        .collect()
}

/// bob, over raw TCP, says `count` numbered messages in #lobby and waits for
/// the server to have handled them all.
async fn bob_says(port: u16, count: usize) -> TcpStream {
    let stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    let mut script = String::from("NICK bob\r\nUSER bob 0 * :Bob\r\nJOIN #lobby\r\n");
    for n in 1..=count {
        script.push_str(&format!("PRIVMSG #lobby :message {n}\r\n"));
    }
    script.push_str("PING :done\r\n");
    write.write_all(script.as_bytes()).await.unwrap();
    let pong = async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if line.contains("PONG") && line.ends_with("done") {
                return;
            }
        }
        panic!("bob was disconnected");
    };
    tokio::time::timeout(PATIENCE, pong).await.unwrap();
    lines.into_inner().into_inner().reunite(write).unwrap()
}

#[tokio::test]
async fn scrolling_up_loads_all_history_then_the_start_of_history() {
    let mut config = Config::default();
    config.limits.flood_burst = 500;
    config.limits.flood_max_queued = 500;
    let server = TestServer::start_with(config).await;
    let port = server.addr.port();
    let _bob = bob_says(port, 120).await;

    let mut alice = Headless::start(port, "alice");
    alice
        .until("the backlog of 50", |app| {
            app.buffers.active().name == "#lobby" && messages(app).len() == 50
        })
        .await;
    let expected: Vec<String> = (1..=120).map(|n| format!("bob: message {n}")).collect();
    assert_eq!(messages(&alice.app), expected[70..]);
    assert_eq!(alice.history_requests, 0, "nothing asked before scrolling");

    let page_up = AppEvent::Key(KeyEvent::new(KeyCode::PageUp, KeyModifiers::NONE));
    for _ in 0..200 {
        if alice.app.buffers.active().older == Older::Complete {
            break;
        }
        alice.apply(page_up.clone()).await;
        if alice.app.buffers.active().older == Older::Loading {
            alice
                .until("the answer", |app| {
                    app.buffers.active().older != Older::Loading
                })
                .await;
        }
    }
    let lobby = alice.app.buffers.active();
    assert_eq!(lobby.older, Older::Complete);
    assert_eq!(messages(&alice.app), expected);
    // 70 older messages at up to 100 per request: one request for them and
    // one that finds nothing older.
    assert_eq!(alice.history_requests, 2);
    let top = natter::ui::lines::decorations(lobby, 0);
    assert_eq!(top[0], natter::ui::lines::Decoration::StartOfHistory);
    server.shutdown().await;
}
