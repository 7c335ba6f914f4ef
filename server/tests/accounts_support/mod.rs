//! Helpers shared by the account tests: SASL PLAIN logins over real TCP.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use crate::common::{Client, SERVER};
use base64::Engine;
use natterd::testing::TestServer;

/// The base64 PLAIN payload for `account`/`password`.
pub fn plain(account: &str, password: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("\0{account}\0{password}"))
}

/// Runs `AUTHENTICATE PLAIN` on a connection that has `sasl` and returns the
/// numeric that ends the exchange (903 or 904) and the lines before it.
pub async fn sasl_plain(client: &mut Client, account: &str, password: &str) -> Vec<String> {
    client.send("AUTHENTICATE PLAIN");
    client.expect_next("AUTHENTICATE +").await;
    client.send(&format!("AUTHENTICATE {}", plain(account, password)));
    let mut lines = client
        .lines_until(|line| line.contains(" 903 ") || line.contains(" 904 "))
        .await;
    lines.push(client.transcript.last().cloned().unwrap_or_default());
    lines
}

/// Connects with `sasl`, logs in as `account` and registers `nick`.
pub async fn login_and_register(
    server: &TestServer,
    nick: &str,
    account: &str,
    password: &str,
    caps: &[&str],
) -> Client {
    let mut client = Client::connect(server).await;
    client.name = nick.to_string();
    let mut wanted = vec!["sasl"];
    wanted.extend_from_slice(caps);
    client.send("CAP LS 302");
    client.send(&format!("CAP REQ :{}", wanted.join(" ")));
    client.expect(|line| line.contains(" CAP * ACK ")).await;
    client.send(&format!("NICK {nick}"));
    client.send(&format!("USER {nick} 0 * :{nick} tester"));
    let lines = sasl_plain(&mut client, account, password).await;
    assert!(
        lines.last().unwrap().contains(&format!("{SERVER} 903 ")),
        "{lines:?}"
    );
    client.send("CAP END");
    client.expect_command("001").await;
    client.end_of_motd().await;
    client
}
