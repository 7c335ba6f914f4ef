//! Helpers shared by the history tests (history_*.rs): servers with history
//! on, reading batches, and picking tags out of lines.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use crate::common::{Client, command, parse};
use natterd::Config;
use natterd::testing::TestServer;

/// Every capability the history features use.
pub const ALL_CAPS: &[&str] = &[
    "batch",
    "draft/chathistory",
    "echo-message",
    "labeled-response",
    "message-tags",
    "server-time",
];

/// A config with history on (the default) and a long commit interval, so a
/// test passes only if the server flushes where it must.
pub fn history_config() -> Config {
    let mut config = Config::default();
    config.history.enabled = true;
    config.history.commit_interval = std::time::Duration::from_secs(3600);
    config
}

/// Starts a server with [`history_config`].
pub async fn start() -> TestServer {
    TestServer::start_with(history_config()).await
}

/// [`history_config`] on loopback port 0 with its data in `dir`, for tests
/// that stop a server and start another on the same files.
pub fn history_config_in(dir: &std::path::Path) -> Config {
    let mut config = history_config();
    config.server.bind = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    config.server.data_dir = Some(dir.to_path_buf());
    config
}

/// Starts a server on [`history_config_in`] `dir`; `dir` outlives it.
pub async fn start_in(dir: &std::path::Path) -> TestServer {
    TestServer::start_exact(history_config_in(dir), dir.to_path_buf()).await
}

/// The value of tag `key` on a server line.
pub fn tag(line: &str, key: &str) -> Option<String> {
    parse(line).tag_value(key).map(str::to_string)
}

/// The last parameter (the text) of a line.
pub fn text(line: &str) -> String {
    parse(line).params.last().cloned().unwrap_or_default()
}

/// Reads up to and including the next `BATCH +…` line, then the batch's lines
/// until its `BATCH -…`; returns the opening line and the lines inside.
pub async fn next_batch(client: &mut Client) -> (String, Vec<String>) {
    let open = client
        .expect(|line| {
            command(line) == "BATCH" && parse(line).arg(0).is_some_and(|a| a.starts_with('+'))
        })
        .await;
    let id = parse(&open).arg(0).unwrap()[1..].to_string();
    let close = format!("-{id}");
    let inside = client
        .lines_until(|line| command(line) == "BATCH" && parse(line).arg(0) == Some(close.as_str()))
        .await;
    (open, inside)
}

/// The texts of the messages in a batch.
pub fn texts(lines: &[String]) -> Vec<String> {
    lines.iter().map(|line| text(line)).collect()
}

/// One message as seen live: its text, msgid and time tag.
#[derive(Clone, Debug)]
pub struct Seen {
    pub text: String,
    pub msgid: String,
    pub time: String,
}

/// `speaker` says each of `texts` to `target`; `listener` (with message-tags
/// and server-time) records each as delivered. A short pause between them
/// gives every message its own millisecond, so timestamp selectors are exact.
pub async fn say_all(
    speaker: &mut Client,
    listener: &mut Client,
    target: &str,
    texts: &[&str],
) -> Vec<Seen> {
    let mut seen = Vec::new();
    for body in texts {
        speaker.send(&format!("PRIVMSG {target} :{body}"));
        let line = listener
            .expect(|line| command(line) == "PRIVMSG" && text(line) == *body)
            .await;
        seen.push(Seen {
            text: body.to_string(),
            msgid: tag(&line, "msgid").expect("msgid tag"),
            time: tag(&line, "time").expect("time tag"),
        });
        tokio::time::sleep(std::time::Duration::from_millis(3)).await;
    }
    seen
}
