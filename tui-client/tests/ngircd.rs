//! natter against a standard IRC server: ngircd (`apt-get install ngircd`;
//! `.ci/run` installs it). Without ngircd this test fails and says so.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

mod headless;
mod tools;

use crossterm::event::KeyCode;
use headless::Headless;
use natter::app::App;
use tools::ngircd::Ngircd;

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
