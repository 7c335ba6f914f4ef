//! History across restarts of an in-process server, and `history.sync = "full"`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod history_support;

use common::{Client, command, prefix};
use history_support::{ALL_CAPS, history_config_in, next_batch, say_all, tag, text};
use natterd::history::SyncMode;
use natterd::testing::TestServer;
use std::path::Path;

#[tokio::test]
async fn a_restart_keeps_history_with_original_times() {
    let dir = tempfile::tempdir().unwrap();
    let server =
        TestServer::start_exact(history_config_in(dir.path()), dir.path().to_path_buf()).await;
    let mut alice = Client::register_with_caps(&server, "alice", ALL_CAPS).await;
    let mut bob = Client::register_with_caps(&server, "bob", ALL_CAPS).await;
    alice.join("#lobby").await;
    bob.join("#lobby").await;
    let seen = say_all(&mut alice, &mut bob, "#lobby", &["before", "the restart"]).await;
    say_all(&mut alice, &mut bob, "bob", &["a private word"]).await;
    // The commit interval is an hour: only the clean shutdown saves them.
    server.shutdown().await;

    let server =
        TestServer::start_exact(history_config_in(dir.path()), dir.path().to_path_buf()).await;
    let mut bob = Client::register_with_caps(&server, "bob", ALL_CAPS).await;
    bob.send("JOIN #lobby");
    let (_, backlog) = next_batch(&mut bob).await;
    let replayed: Vec<(String, String, String)> = backlog
        .iter()
        .map(|line| {
            (
                text(line),
                tag(line, "time").unwrap(),
                tag(line, "msgid").unwrap(),
            )
        })
        .collect();
    let original: Vec<(String, String, String)> = seen
        .iter()
        .map(|s| (s.text.clone(), s.time.clone(), s.msgid.clone()))
        .collect();
    assert_eq!(replayed, original);
    assert!(backlog.iter().all(|line| line.contains(&prefix("alice"))));
    // Whispers of unregistered users belong to their connection: this is a new
    // bob, who must not read the old one's (accounts keep them across restarts).
    bob.send("CHATHISTORY LATEST alice * 10");
    let (_, private) = next_batch(&mut bob).await;
    assert!(private.is_empty(), "{private:?}");
    server.shutdown().await;
}

/// How many stored messages have this text, read straight from the database.
fn stored_count(dir: &Path, body: &str) -> i64 {
    natterd::history::offline::stored(dir)
        .unwrap()
        .iter()
        .filter(|record| record.message.text == body)
        .count() as i64
}

#[tokio::test]
async fn sync_full_commits_before_delivering() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = history_config_in(dir.path());
    config.history.sync = SyncMode::Full;
    let server = TestServer::start_exact(config, dir.path().to_path_buf()).await;
    let mut alice = Client::register_with_caps(&server, "alice", ALL_CAPS).await;
    let mut bob = Client::register(&server, "bob").await;
    alice.join("#lobby").await;
    bob.join("#lobby").await;
    for n in 0..5 {
        let body = format!("durable {n}");
        alice.send(&format!("PRIVMSG #lobby :{body}"));
        let delivered = bob.expect(|line| command(line) == "PRIVMSG").await;
        assert_eq!(text(&delivered), body);
        // Delivered means committed: the commit interval (an hour) never passed.
        assert_eq!(stored_count(dir.path(), &body), 1, "{body}");
    }
    // The sender's echo and private messages take the same path.
    alice.send("PRIVMSG bob :durable private");
    bob.expect(|line| line.ends_with("durable private")).await;
    assert_eq!(stored_count(dir.path(), "durable private"), 1);
    server.shutdown().await;
}

#[tokio::test]
async fn batched_mode_delivers_before_the_commit() {
    // The counterpart of the test above: with batched commits and an hour's
    // interval, a delivered message is not yet in the file.
    let dir = tempfile::tempdir().unwrap();
    let mut config = history_config_in(dir.path());
    // No backlog on join: its flush runs after 366 (where `join` stops
    // waiting), so it could come after "quick" was queued and commit it,
    // since the writer takes everything recorded before it answers a flush.
    config.history.replay_on_join = 0;
    let server = TestServer::start_exact(config, dir.path().to_path_buf()).await;
    let mut alice = Client::register(&server, "alice").await;
    let mut bob = Client::register(&server, "bob").await;
    alice.join("#lobby").await;
    bob.join("#lobby").await;
    alice.send("PRIVMSG #lobby :quick");
    bob.expect(|line| line.ends_with("quick")).await;
    assert_eq!(stored_count(dir.path(), "quick"), 0);
    server.shutdown().await;
    assert_eq!(stored_count(dir.path(), "quick"), 1);
}

#[tokio::test]
async fn a_burst_larger_than_the_history_queue_is_stored_whole() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = history_config_in(dir.path());
    // Room for one waiting message, a commit every 10 ms: the burst below
    // outruns the writer, so senders must wait for it rather than messages
    // being delivered but left out of history.
    config.history.queue_capacity = 1;
    config.history.commit_interval = std::time::Duration::from_millis(10);
    config.limits.flood_burst = 10_000;
    config.limits.flood_max_queued = 10_000;
    let server = TestServer::start_exact(config, dir.path().to_path_buf()).await;
    let mut alice = Client::member(&server, "alice", "#lobby").await;
    let mut bob = Client::member(&server, "bob", "#lobby").await;
    let burst: String = (0..1000)
        .map(|n| format!("PRIVMSG #lobby :burst {n}\r\n"))
        .collect();
    alice.send_all(burst.as_bytes()).await.unwrap();
    let last = bob.expect(|line| line.ends_with(":burst 999")).await;
    assert!(command(&last) == "PRIVMSG");
    server.shutdown().await;

    let history =
        natterd::history::History::open(dir.path(), &natterd::history::HistoryConfig::default())
            .unwrap();
    let stored = history
        .query(natterd::history::HistoryQuery {
            conversation: natterd::history::Conversation::channel("#lobby"),
            selection: natterd::history::Selection::Latest { since: None },
            limit: 1000,
        })
        .await
        .unwrap();
    let texts: Vec<String> = stored.into_iter().map(|m| m.text).collect();
    let expected: Vec<String> = (0..1000).map(|n| format!("burst {n}")).collect();
    assert_eq!(texts.len(), expected.len(), "messages left out of history");
    assert_eq!(texts, expected);
    history.shutdown().await.unwrap();
}
