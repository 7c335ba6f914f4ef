//! `[accounts] require = true` over real TCP: nobody gets in without logging
//! in. IRC clients log in with SASL, PASS or REGISTER before registering, or
//! get `FAIL * ACCOUNT_REQUIRED` and are disconnected; nc users type their
//! nick's password or register a new nick at the prompt.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accounts_support;
mod common;
mod history_support;

use accounts_support::login_and_register;
use common::{Client, SERVER};
use history_support::history_config;
use natterd::Config;
use natterd::testing::TestServer;

fn required() -> Config {
    let mut config = history_config();
    config.accounts.require = true;
    config
}

/// Registers `nick` as an account with IRCv3 REGISTER before connecting.
async fn register_account(server: &TestServer, nick: &str, password: &str) -> Client {
    let mut client = Client::connect(server).await;
    client.name = nick.to_string();
    client.send("CAP LS 302");
    client.send("CAP REQ :draft/account-registration");
    client.expect(|line| line.contains(" CAP * ACK ")).await;
    client.send(&format!("NICK {nick}"));
    client.send(&format!("USER {nick} 0 * :{nick}"));
    client.send(&format!("REGISTER * * {password}"));
    client
        .expect(|line| line.contains(" REGISTER SUCCESS "))
        .await;
    client.send("CAP END");
    client.expect(|line| line.contains(" 001 ")).await;
    client
}

#[tokio::test]
async fn irc_clients_must_log_in_before_registering() {
    let server = TestServer::start_with(required()).await;
    let mut guest = Client::connect(&server).await;
    guest.send("NICK guest");
    guest.send("USER guest 0 * :guest");
    let lines = guest.closed().await;
    assert_eq!(
        lines,
        [
            format!(
                ":{SERVER} FAIL * ACCOUNT_REQUIRED :This server requires an account: log in with SASL PLAIN (or PASS account:password), or register one first with REGISTER <account> * <password>"
            ),
            "ERROR :Account required".to_string(),
        ]
    );

    // REGISTER before connecting logs in, so registration completes.
    drop(register_account(&server, "alice", "sesame123").await);
    // SASL PLAIN and PASS account:password both count.
    let mut alice = login_and_register(&server, "alice", "alice", "sesame123", &[]).await;
    alice.send("QUIT");
    let mut by_pass = Client::connect(&server).await;
    by_pass.send("PASS alice:sesame123");
    by_pass.send("NICK alice");
    by_pass.send("USER alice 0 * :alice");
    by_pass.expect(|line| line.contains(" 900 alice ")).await;
    by_pass.expect(|line| line.contains(" 001 alice ")).await;
    // A wrong password is no way in.
    let mut wrong = Client::connect(&server).await;
    wrong.send("PASS alice:nope-nope");
    wrong.send("NICK mallory");
    wrong.send("USER mallory 0 * :mallory");
    let lines = wrong.closed().await;
    assert!(
        lines
            .iter()
            .any(|l| l.contains(" FAIL * ACCOUNT_REQUIRED ")),
        "{lines:?}"
    );
}

/// CAP LS 302 as one string (no multi-line list at this size).
async fn cap_ls(client: &mut Client) -> String {
    client.send("CAP LS 302");
    client.expect(|line| line.contains(" CAP * LS ")).await
}

#[tokio::test]
async fn the_informational_account_required_cap_says_so_and_cannot_be_requested() {
    let server = TestServer::start_with(required()).await;
    let mut client = Client::connect(&server).await;
    let ls = cap_ls(&mut client).await;
    assert!(
        ls.split(' ').any(|cap| cap == "soju.im/account-required"),
        "{ls}"
    );
    client.send("CAP REQ :sasl soju.im/account-required");
    client
        .expect_line(&format!(
            ":{SERVER} CAP * NAK :sasl soju.im/account-required"
        ))
        .await;
    client.send("CAP LIST");
    // LS 302 enabled cap-notify; the NAK enabled nothing.
    client
        .expect_line(&format!(":{SERVER} CAP * LIST cap-notify"))
        .await;

    let open = TestServer::start_with(history_config()).await;
    let mut client = Client::connect(&open).await;
    let ls = cap_ls(&mut client).await;
    assert!(!ls.contains("account-required"), "{ls}");
}

#[tokio::test]
async fn nc_users_register_or_log_in_at_the_prompt() {
    let server = TestServer::start_with(required()).await;
    let mut carol = Client::connect(&server).await;
    carol.send("carol");
    carol
        .expect_line("*** This server requires an account. Type a password to register carol (at least 6 characters), or just Enter to choose another nickname:")
        .await;
    carol.send("");
    carol.expect_line("*** Choose a nickname:").await;
    carol.send("carol");
    carol.expect(|line| line.contains("register carol")).await;
    carol.send("short");
    carol
        .expect_line("*** Not registered: passwords need at least 6 characters and at most 300 bytes. Type another password (or just Enter to choose another nickname):")
        .await;
    carol.send("secret99");
    carol
        .expect_line("*** Account carol registered. Next time, type your password when asked.")
        .await;
    carol.expect_line("*** You are logged in as carol.").await;
    carol.send("exit");
    carol.closed().await;

    let mut again = Client::connect(&server).await;
    again.send("carol");
    again
        .expect_line(
            "*** The nickname carol is registered. This server requires logging in: type its password:",
        )
        .await;
    again.send("");
    again
        .expect_line("*** This server requires logging in. Choose a nickname:")
        .await;
    again.send("carol");
    again
        .expect(|line| line.contains("type its password"))
        .await;
    again.send("secret98");
    again
        .expect_line(
            "*** Wrong password. Type it again (or just Enter to choose another nickname):",
        )
        .await;
    again.send("secret99");
    again.expect_line("*** You are logged in as carol.").await;
}

#[tokio::test]
async fn with_registration_closed_only_existing_accounts_get_in() {
    let mut config = required();
    config.accounts.registration = false;
    let server = TestServer::start_with(config).await;
    let mut dave = Client::connect(&server).await;
    dave.send("dave");
    dave.expect_line("*** This server only lets registered accounts in, and registration is closed. Choose a registered nickname:")
        .await;
    let mut irc = Client::connect(&server).await;
    irc.send("NICK erin");
    irc.send("USER erin 0 * :erin");
    let lines = irc.closed().await;
    assert_eq!(
        lines[0],
        format!(
            ":{SERVER} FAIL * ACCOUNT_REQUIRED :This server requires an account: log in with SASL PLAIN (or PASS account:password)"
        )
    );
}

#[tokio::test]
async fn exit_at_the_new_account_prompt_leaves() {
    let server = TestServer::start_with(required()).await;
    let mut carol = Client::connect(&server).await;
    carol.send("carol");
    carol.expect(|line| line.contains("register carol")).await;
    carol.send("exit");
    assert_eq!(carol.closed().await, ["*** Bye!"]);
}
