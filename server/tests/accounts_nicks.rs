//! Owned nicknames over real TCP: an impostor on a registered nick is warned
//! and renamed to Guest<N> after the grace period (short here), or at once
//! when the owner logs in; while the owner is online nobody else can take it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accounts_support;
mod common;
mod history_support;

use accounts_support::login_and_register;
use common::{Client, SERVER};
use history_support::history_config;
use natterd::testing::TestServer;
use std::time::Duration;

async fn start(grace: Duration) -> TestServer {
    let mut config = history_config();
    config.accounts.nick_grace = grace;
    let server = TestServer::start_with(config).await;
    let mut owner = Client::connect(&server).await;
    owner.send("CAP LS 302");
    owner.send("REGISTER alice * wonderland");
    owner.expect(|line| line.contains(" 900 ")).await;
    server
}

#[tokio::test]
async fn an_impostor_is_warned_then_renamed_after_the_grace_period() {
    let server = start(Duration::from_millis(200)).await;
    let mut mallory = Client::connect(&server).await;
    mallory.send("NICK alice");
    mallory.send("USER m 0 * :m");
    mallory
        .expect_line(
            ":NickServ!NickServ@services. NOTICE alice :The nickname alice is registered. Log in within 1 seconds (/msg NickServ IDENTIFY <password>, or SASL) or you will be renamed.",
        )
        .await;
    mallory.expect_line(":alice!~m@127.0.0.1 NICK Guest1").await;
    // The session knows its new nick.
    mallory.send("PRIVMSG nobody :x");
    mallory
        .expect_line(&format!(
            ":{SERVER} 401 Guest1 nobody :No such nick/channel"
        ))
        .await;
}

#[tokio::test]
async fn the_owner_logging_in_renames_the_impostor_at_once_and_keeps_the_nick() {
    let server = start(Duration::from_secs(3600)).await;
    let mut mallory = Client::register(&server, "alice").await;
    let mut alice = login_and_register(&server, "alice_", "alice", "wonderland", &[]).await;
    mallory
        .expect_line(":alice!~alice@127.0.0.1 NICK Guest1")
        .await;
    // While she is online, even under another nick, nobody else can take it.
    mallory.send("NICK alice");
    mallory
        .expect_line(&format!(
            ":{SERVER} 433 Guest1 alice :Nickname is registered and its owner is online"
        ))
        .await;
    alice.send("NICK alice");
    alice
        .expect_line(":alice_!~alice_@127.0.0.1 NICK alice")
        .await;
}

#[tokio::test]
async fn identifying_within_the_grace_period_keeps_the_nick() {
    let grace = Duration::from_secs(2);
    let server = start(grace).await;
    let mut alice = Client::register(&server, "alice").await;
    alice.send("PRIVMSG NickServ :IDENTIFY wonderland");
    alice.expect_command("900").await;
    // Past the grace period nothing happens to her.
    alice
        .assert_no_line_within(grace + Duration::from_millis(500))
        .await;
    alice.send("WHOIS alice");
    alice
        .expect_line(&format!(":{SERVER} 330 alice alice alice :is logged in as"))
        .await;
}
