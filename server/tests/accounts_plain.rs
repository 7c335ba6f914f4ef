//! Accounts for nc users over real TCP: /register, the password prompt for a
//! registered nick on the next connection (after a restart too), /login, and
//! wrong passwords.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod history_support;

use common::Client;
use history_support::history_config;
use natterd::testing::TestServer;

#[tokio::test]
async fn an_nc_user_registers_and_logs_in_again_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = history_config();
    config.server.bind = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    config.server.data_dir = Some(dir.path().to_path_buf());
    let server = TestServer::start_exact(config.clone(), dir.path().to_path_buf()).await;
    let mut carol = Client::plain(&server, "carol").await;
    carol.send("/register secret99");
    carol
        .expect_line("*** Account carol registered. Next time, type your password when asked (or /login PASSWORD).")
        .await;
    carol.expect_line("*** You are logged in as carol.").await;
    carol.send("/register again99");
    carol.expect_line("*** You are already logged in.").await;
    server.shutdown().await;

    let server = TestServer::start_exact(config, dir.path().to_path_buf()).await;
    let mut carol = Client::connect(&server).await;
    carol.send("carol");
    carol
        .expect_line("*** The nickname carol is registered. Type its password (or just Enter to go on without logging in):")
        .await;
    carol.send("wrong-password");
    // A mistyped password asks for the password again: the next line is
    // never taken as a nickname, so retyping the password cannot make it
    // everyone's to read in the member list.
    carol
        .expect_line(
            "*** Wrong password. Type it again (or just Enter to go on without logging in):",
        )
        .await;
    carol.send("secret99");
    carol.expect_line("*** You are logged in as carol.").await;
    carol
        .expect_line("*** Welcome to natter, carol! You are in #lobby.")
        .await;

    // Someone else who goes on without logging in is warned, and can /login.
    let mut other = Client::connect(&server).await;
    other.send("dave");
    other
        .expect(|line| line.starts_with("*** Type & for help"))
        .await;
    other.send("/login carol secret99");
    other.expect_line("*** You are logged in as carol.").await;
}

#[tokio::test]
async fn a_registered_nick_without_its_password_gets_the_grace_warning() {
    let mut config = history_config();
    config.accounts.nick_grace = std::time::Duration::from_secs(3600);
    let server = TestServer::start_with(config).await;
    let mut owner = Client::plain(&server, "erin").await;
    owner.send("/register erinpass");
    owner.expect_line("*** You are logged in as erin.").await;
    owner.send("/quit");
    owner.closed().await;

    let mut impostor = Client::connect(&server).await;
    impostor.send("erin");
    impostor
        .expect(|line| line.contains("Type its password"))
        .await;
    impostor.send("");
    impostor
        .expect_line("*** The nickname erin is registered. Log in within 3600 seconds (/login PASSWORD) or you will be renamed.")
        .await;
}

#[tokio::test]
async fn past_the_failure_limit_the_password_prompt_gives_way_to_choosing_a_nickname() {
    let mut config = history_config();
    config.accounts.max_failures_per_connection = 2;
    let server = TestServer::start_with(config).await;
    let mut owner = Client::plain(&server, "gina").await;
    owner.send("/register ginapass");
    owner.expect_line("*** You are logged in as gina.").await;
    owner.send("/quit");
    owner.closed().await;

    let mut guesser = Client::connect(&server).await;
    guesser.send("gina");
    guesser
        .expect(|line| line.contains("Type its password"))
        .await;
    for guess in ["guess-one", "guess-two"] {
        guesser.send(guess);
        guesser
            .expect_line(
                "*** Wrong password. Type it again (or just Enter to go on without logging in):",
            )
            .await;
    }
    guesser.send("guess-three");
    let refused = guesser
        .expect(|line| line.starts_with("*** Too many failed logins; try again in "))
        .await;
    assert!(
        refused.ends_with(" seconds. Choose a nickname:"),
        "{refused}"
    );
    // Back at the nickname prompt: the next line is a nickname.
    guesser.send("hank");
    guesser
        .expect_line("*** Welcome to natter, hank! You are in #lobby.")
        .await;
}

#[tokio::test]
async fn exit_at_the_password_prompt_leaves_as_it_does_at_the_nickname_prompt() {
    let server = TestServer::start_with(history_config()).await;
    let mut owner = Client::plain(&server, "ivy").await;
    owner.send("/register ivypass1");
    owner.expect_line("*** You are logged in as ivy.").await;
    owner.send("/quit");
    owner.closed().await;

    for leave in ["exit", "/QUIT"] {
        let mut again = Client::connect(&server).await;
        again.send("ivy");
        again
            .expect(|line| line.contains("Type its password"))
            .await;
        again.send(leave);
        assert_eq!(again.closed().await, ["*** Bye!"], "{leave}");
    }
}
