//! Infinite scroll-back against the real natterd over loopback TCP: bob says
//! 120 messages, then natter (App + network task) joins, gets the last 50 as
//! backlog and scrolls up until it holds all 120, in order, under the start
//! of history.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod headless;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use headless::{Headless, PATIENCE};
use natter::app::App;
use natter::chat::buffers::{LineKind, Older};
use natter::event::AppEvent;
use natterd::config::Config;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// The messages of the visible buffer, oldest first.
fn messages(app: &App) -> Vec<String> {
    app.chat
        .buffers
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
    let server = headless::plaintext_server(config).await;
    let port = server.addr.port();
    let _bob = bob_says(port, 120).await;

    let mut alice = Headless::start(port, "alice");
    alice
        .until("the backlog of 50", |app| {
            app.chat.buffers.active().name == "#lobby" && messages(app).len() == 50
        })
        .await;
    let expected: Vec<String> = (1..=120).map(|n| format!("bob: message {n}")).collect();
    assert_eq!(messages(&alice.app), expected[70..]);
    assert_eq!(
        alice.sent_count("CHATHISTORY"),
        0,
        "nothing asked before scrolling"
    );

    let page_up = AppEvent::Key(KeyEvent::new(KeyCode::PageUp, KeyModifiers::NONE));
    for _ in 0..200 {
        if alice.app.chat.buffers.active().older == Older::Complete {
            break;
        }
        alice.apply(page_up.clone()).await;
        if alice.app.chat.buffers.active().older == Older::Loading {
            alice
                .until("the answer", |app| {
                    app.chat.buffers.active().older != Older::Loading
                })
                .await;
        }
    }
    let lobby = alice.app.chat.buffers.active();
    assert_eq!(lobby.older, Older::Complete);
    assert_eq!(messages(&alice.app), expected);
    // 70 older messages at up to 100 per request: one request for them and
    // one that finds nothing older.
    assert_eq!(alice.sent_count("CHATHISTORY"), 2);
    let top = natter::geometry::lines::decorations(lobby, 0);
    assert_eq!(top[0], natter::geometry::lines::Decoration::StartOfHistory);
    server.shutdown().await;
}
