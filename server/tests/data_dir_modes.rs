//! The data directory is private: created 0700, every file in it 0600
//! (history, its journal, lock), checked with `std::fs::metadata`.

#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::Client;
use natterd::Config;
use natterd::testing::TestServer;
use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn config_in(dir: &Path) -> Config {
    let mut config = Config::default();
    config.server.bind = SocketAddr::from(([127, 0, 0, 1], 0));
    config.server.data_dir = Some(dir.to_path_buf());
    config
}

/// Says something so that SQLite's journal exists, then stops the server.
async fn chat_and_stop(server: TestServer) {
    let mut alice = Client::member(&server, "alice", "#lobby").await;
    alice.send("PRIVMSG #lobby :hello");
    alice.sync().await;
    server.shutdown().await;
}

/// Every file under `dir` is 0600 and every directory 0700 (the TLS pair lives in `tls/`).
fn assert_tree_private(dir: &Path) -> Vec<String> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.path().is_dir() {
            assert_eq!(mode(&entry.path()), 0o700, "{name}");
            names.extend(assert_tree_private(&entry.path()));
        } else {
            assert_eq!(mode(&entry.path()), 0o600, "{name}");
        }
        names.push(name);
    }
    names
}

fn assert_all_files_private(dir: &Path) {
    let names = assert_tree_private(dir);
    for wanted in ["history.db", "history.lock"] {
        assert!(names.iter().any(|n| n == wanted), "{wanted} in {names:?}");
    }
}

#[tokio::test]
async fn a_new_data_dir_is_0700_and_its_files_0600() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("natter");
    let server = TestServer::start_exact(config_in(&dir), dir.clone()).await;
    assert_eq!(mode(&dir), 0o700);
    let mut alice = Client::member(&server, "alice", "#lobby").await;
    alice.send("PRIVMSG #lobby :hello");
    alice.sync().await;
    // While running, the rollback journal exists too (the migrations wrote
    // through it; emptied, not removed, at each commit).
    let journal = dir.join("history.db-journal");
    assert!(journal.exists());
    assert_eq!(mode(&journal), 0o600);
    assert_all_files_private(&dir);
    drop(alice);
    server.shutdown().await;
    assert_all_files_private(&dir);
}

#[tokio::test]
async fn files_left_world_readable_by_an_older_natterd_are_tightened() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("natter");
    chat_and_stop(TestServer::start_exact(config_in(&dir), dir.clone()).await).await;
    // As an older natterd left them: 0755 directory, 0644 files.
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    chat_and_stop(TestServer::start_exact(config_in(&dir), dir.clone()).await).await;
    assert_all_files_private(&dir);
    // The admin's own directory is only warned about, not changed.
    assert_eq!(mode(&dir), 0o755);
}
