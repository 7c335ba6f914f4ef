//! Accounts from natter against the real natterd over loopback TCP: /register
//! logs in and the status line shows the account; /logout and /login; a
//! configured password logs in with SASL PLAIN (to another account than the
//! nick with `account`); a wrong one shows the server's sentence and the
//! connection goes on. No password ever shows up in a buffer.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod headless;
mod support;

use headless::Headless;
use natter::app::App;
use natter::net::registration::Identity;

/// Whether `app` is registered and in its default channel.
fn settled(app: &App) -> bool {
    app.chat.session.registered && app.chat.buffers.active().name == "#lobby"
}

/// Every line of every buffer, as text.
fn everything(app: &App) -> Vec<String> {
    app.chat
        .buffers
        .all()
        .iter()
        .flat_map(|b| b.lines.iter().map(|l| l.text()))
        .collect()
}

fn account(app: &App) -> Option<String> {
    app.chat.session.account.clone()
}

fn identity(nick: &str, account: Option<&str>, password: &str) -> Identity {
    Identity {
        nick: nick.into(),
        username: nick.into(),
        realname: nick.into(),
        password: Some(password.into()),
        account: account.map(str::to_owned),
        client_cert: None,
    }
}

#[tokio::test]
async fn register_logout_login_and_sasl_from_natter() {
    let server = headless::plaintext_server(Default::default()).await;
    let port = server.addr.port();
    let mut alice = Headless::start(port, "alice");
    alice.until("registration", settled).await;
    alice.type_line("/register sesame123").await;
    alice
        .until("the account in the session", |app| {
            account(app).as_deref() == Some("alice")
        })
        .await;
    let status = support::screen_text(&alice.app, 100, 30)
        .lines()
        .nth(28)
        .unwrap()
        .to_owned();
    assert!(status.starts_with(" alice (alice) @ "), "{status}");
    alice.type_line("/logout").await;
    alice
        .until("logged out", |app| account(app).is_none())
        .await;
    alice.type_line("/login sesame123").await;
    alice
        .until("logged in again", |app| account(app).is_some())
        .await;
    let lines = everything(&alice.app);
    assert!(lines.iter().all(|l| !l.contains("sesame123")), "{lines:#?}");

    // Another natter logs in to alice's account with SASL under another nick.
    let mut ally = Headless::start_as(port, identity("ally", Some("alice"), "sesame123"));
    ally.until("registration", settled).await;
    assert_eq!(account(&ally.app).as_deref(), Some("alice"));
    assert!(
        everything(&ally.app)
            .iter()
            .any(|l| l == "You are now logged in as alice"),
        "{:#?}",
        everything(&ally.app)
    );

    // A wrong password: the server's sentence, and chat goes on without an account.
    let mut mallory = Headless::start_as(port, identity("mallory", Some("alice"), "guess-guess"));
    mallory.until("registration", settled).await;
    assert_eq!(account(&mallory.app), None);
    let lines = everything(&mallory.app);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("SASL authentication failed")),
        "{lines:#?}"
    );
}
