//! natterd as a service: SIGHUP reloads the config and MOTD without dropping
//! anyone, a bad file on reload changes nothing, settings that need a restart
//! are named, and systemd hears READY/RELOADING/STOPPING on its notify socket.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod process;

use process::{Irc, Log, Running, signal, spawn_logged, wait_exit};
use std::ffi::OsStr;
use std::path::Path;

/// Starts natterd on 127.0.0.1:0 with `config` and history in `data`, logging at info.
fn start(config: &Path, data: &Path, env: &[(&str, &OsStr)]) -> (Running, String, Log) {
    let args = process::config_args(config, data);
    spawn_logged(args, "info", env)
}

fn motd_lines(burst: &[String]) -> Vec<String> {
    burst
        .iter()
        .filter(|line| line.contains(" 372 "))
        .map(|line| line.rsplit(":- ").next().unwrap().to_string())
        .collect()
}

#[test]
fn sighup_changes_the_motd_without_dropping_anyone_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("natterd.toml");
    std::fs::write(&config, "[server]\nmotd_file = \"motd.txt\"\n").unwrap();
    std::fs::write(dir.path().join("motd.txt"), "old news\n").unwrap();
    let data = dir.path().join("data");
    let (mut server, address, log) = start(&config, &data, &[]);

    let (mut alice, burst) = Irc::register(&address, "alice");
    assert_eq!(motd_lines(&burst), ["old news"]);
    alice.send("JOIN #lobby");
    alice.until(|line| line.contains(" 366 "));
    for n in 0..10 {
        alice.send(&format!("PRIVMSG #lobby :message {n}"));
    }
    std::fs::write(dir.path().join("motd.txt"), "fresh news\nsecond line\n").unwrap();
    signal(&server.child, "HUP");
    log.wait_for("configuration reloaded");

    alice.send("PING :still-here");
    let seen = alice.until(|line| line.contains("PONG"));
    assert!(seen.last().unwrap().ends_with("still-here"), "{seen:?}");
    assert!(
        !seen.iter().any(|line| line.starts_with("ERROR")),
        "{seen:?}"
    );
    alice.send("MOTD");
    let again = alice.until(|line| line.contains(" 376 "));
    assert_eq!(motd_lines(&again), ["fresh news", "second line"]);
    let (_bob, burst) = Irc::register(&address, "bob");
    assert_eq!(motd_lines(&burst), ["fresh news", "second line"]);

    signal(&server.child, "TERM");
    assert!(wait_exit(&mut server.child).success());
    let stored = natterd::history::offline::stored(&data)
        .unwrap()
        .iter()
        .filter(|record| record.message.text.starts_with("message "))
        .count();
    assert_eq!(stored, 10);
}

#[test]
fn bad_file_on_reload_is_logged_with_file_line_and_key_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("natterd.toml");
    std::fs::write(&config, "[server]\nmotd_file = \"motd.txt\"\n").unwrap();
    std::fs::write(dir.path().join("motd.txt"), "kept\n").unwrap();
    let (mut server, address, log) = start(&config, &dir.path().join("data"), &[]);

    std::fs::write(
        &config,
        "[server]\nmotd_file = \"other.txt\"\n[limits]\nmax_clients = \"many\"\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("other.txt"), "replaced\n").unwrap();
    signal(&server.child, "HUP");
    let line = log.wait_for("reload failed");
    assert!(line.contains(&format!("{}:4:", config.display())), "{line}");
    assert!(line.contains("limits.max_clients"), "{line}");
    assert!(line.contains("the running configuration stays"), "{line}");
    let (_carol, burst) = Irc::register(&address, "carol");
    assert_eq!(motd_lines(&burst), ["kept"]);

    // A MOTD file that cannot be read fails the reload the same way.
    std::fs::write(&config, "[server]\nmotd_file = \"missing.txt\"\n").unwrap();
    signal(&server.child, "HUP");
    let line = log.wait_for("reload failed");
    assert!(line.contains("missing.txt"), "{line}");
    let (_dave, burst) = Irc::register(&address, "dave");
    assert_eq!(motd_lines(&burst), ["kept"]);

    signal(&server.child, "TERM");
    assert!(wait_exit(&mut server.child).success());
}

#[test]
fn reload_applies_the_password_and_names_settings_that_need_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("natterd.toml");
    std::fs::write(&config, "").unwrap();
    let (mut server, address, log) = start(&config, &dir.path().join("data"), &[]);

    std::fs::write(
        &config,
        "[server]\npassword = \"hunter2\"\nnetwork = \"elsewhere\"\n[limits]\nmax_clients = 5\n",
    )
    .unwrap();
    signal(&server.child, "HUP");
    let first = log.wait_for("needs a restart");
    let second = log.wait_for("needs a restart");
    let both = format!("{first}\n{second}");
    assert!(both.contains("key=\"limits.max_clients\""), "{both}");
    assert!(both.contains("key=\"server.network\""), "{both}");
    assert!(!both.contains("password"), "{both}");
    assert!(!both.contains("hunter2"), "{both}");

    let mut eve = Irc::connect(&address);
    eve.send("NICK eve");
    eve.send("USER eve 0 * :eve");
    let seen = eve.until(|line| line.contains(" 464 "));
    assert!(
        seen.last().unwrap().contains("Password incorrect"),
        "{seen:?}"
    );
    let mut frank = Irc::connect(&address);
    frank.send("PASS hunter2");
    frank.send("NICK frank");
    frank.send("USER frank 0 * :frank");
    let welcome = frank.until(|line| line.contains(" 376 ") || line.contains(" 422 "));
    assert!(welcome.iter().any(|line| line.contains(" 001 frank ")));
    // The network name needs a restart: the running one stays.
    assert!(welcome.iter().any(|line| line.contains("NETWORK=natter ")));

    signal(&server.child, "TERM");
    assert!(wait_exit(&mut server.child).success());
}

#[cfg(unix)]
#[test]
fn systemd_hears_ready_reloading_and_stopping() {
    use std::os::unix::net::UnixDatagram;
    use std::time::Duration;

    let dir = tempfile::tempdir().unwrap();
    let socket_path = dir.path().join("notify.sock");
    let socket = UnixDatagram::bind(&socket_path).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let next = || {
        let mut buffer = [0u8; 1024];
        let length = socket.recv(&mut buffer).unwrap();
        String::from_utf8_lossy(&buffer[..length]).into_owned()
    };
    let config = dir.path().join("natterd.toml");
    std::fs::write(&config, "").unwrap();
    let (mut server, address, _log) = start(
        &config,
        &dir.path().join("data"),
        &[("NOTIFY_SOCKET", socket_path.as_os_str())],
    );

    let ready = next();
    assert!(ready.lines().any(|line| line == "READY=1"), "{ready}");
    assert!(
        ready.contains(&format!("STATUS=listening on {address}")),
        "{ready}"
    );
    signal(&server.child, "HUP");
    let reloading = next();
    assert!(
        reloading.lines().any(|line| line == "RELOADING=1"),
        "{reloading}"
    );
    assert!(reloading.contains("MONOTONIC_USEC="), "{reloading}");
    let ready_again = next();
    assert!(
        ready_again.lines().any(|line| line == "READY=1"),
        "{ready_again}"
    );
    signal(&server.child, "TERM");
    let stopping = next();
    assert!(
        stopping.lines().any(|line| line == "STOPPING=1"),
        "{stopping}"
    );
    assert!(wait_exit(&mut server.child).success());
}
