//! The real binary as an admin uses it: `--print-config` hides secrets, a busy
//! port is reported plainly before anything is created, the config file is
//! found without `--config`, a clean stop leaves a self-contained history.db,
//! `natterd backup` copies a running server's history, `natterd export` prints
//! a channel, `natterd channel` lists and forgets stored channels, and completions and the man page come out of the clap definitions.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod process;

use process::{Irc, Running, natterd, signal, spawn_logged, wait_exit};
use std::ffi::OsStr;
use std::path::Path;

fn run(args: &[&OsStr]) -> (i32, String, String) {
    let output = natterd()
        .args(args)
        .env("RUST_LOG", "info")
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// A running natterd whose history commits before delivery, so whatever a
/// client has received is on disk.
fn start_durable(dir: &Path) -> (Running, String) {
    let config = dir.join("natterd.toml");
    std::fs::write(&config, "[history]\nsync = \"full\"\n").unwrap();
    let data = dir.join("data");
    let args = process::config_args(&config, &data);
    let (server, address, _log) = spawn_logged(args, "warn", &[]);
    (server, address)
}

/// alice says `count` lines in #lobby; returns once bob has received them all.
fn chat(address: &str, count: usize) -> (Irc, Irc) {
    let (mut alice, _) = Irc::register(address, "alice");
    let (mut bob, _) = Irc::register(address, "bob");
    for irc in [&mut alice, &mut bob] {
        irc.send("JOIN #lobby");
        irc.until(|line| line.contains(" 366 "));
    }
    for n in 0..count {
        alice.send(&format!("PRIVMSG #lobby :line {n}"));
    }
    let last = format!("line {}", count - 1);
    bob.until(|line| line.ends_with(&last));
    (alice, bob)
}

/// `natterd backup COPY --data-dir DATA`: exit code, stdout, stderr.
fn backup(copy: &Path, data: &Path) -> (i32, String, String) {
    run(&[
        "backup".as_ref(),
        copy.as_os_str(),
        "--data-dir".as_ref(),
        data.as_os_str(),
    ])
}

fn count_messages(db: &Path) -> i64 {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    conn.query_row(
        "SELECT coalesce(sum(count), 0) FROM message_blocks",
        [],
        |row| row.get(0),
    )
    .unwrap()
}

#[test]
fn print_config_never_shows_the_password() {
    let (code, stdout, _) = run(&[
        "--password".as_ref(),
        "hunter2".as_ref(),
        "--print-config".as_ref(),
    ]);
    assert_eq!(code, 0);
    assert!(!stdout.contains("hunter2"), "{stdout}");
    assert!(
        stdout.contains("# server.password is set but not shown"),
        "{stdout}"
    );
}

#[test]
fn busy_port_is_named_before_anything_is_created() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("fresh");
    let (code, _, stderr) = run(&[
        "--bind".as_ref(),
        address.to_string().as_ref(),
        "--data-dir".as_ref(),
        data.as_os_str(),
    ]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "cannot listen on {address}: port {} is already in use",
            address.port()
        )),
        "{stderr}"
    );
    #[cfg(target_os = "linux")]
    assert!(
        stderr.contains(&format!("(pid {})", std::process::id())),
        "{stderr}"
    );
    assert!(!data.exists(), "the data dir was created");
}

#[test]
fn a_busy_port_is_named_with_the_flag_that_moves_it() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let busy = taken.local_addr().unwrap();
    let next = format!("127.0.0.1:{}", busy.port() + 1);
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run(&[
        "--bind".as_ref(),
        busy.to_string().as_ref(),
        "--data-dir".as_ref(),
        dir.path().as_os_str(),
    ]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains(&format!("e.g. --bind {next}\n")),
        "{stderr}"
    );
    // The TLS port is the one taken: the advice is --tls-bind, not --bind.
    let (code, _, stderr) = run(&[
        "--bind".as_ref(),
        "127.0.0.1:0".as_ref(),
        "--tls-bind".as_ref(),
        busy.to_string().as_ref(),
        "--data-dir".as_ref(),
        dir.path().as_os_str(),
    ]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "cannot listen on {busy}: port {} is already in use",
            busy.port()
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("e.g. --tls-bind {next}\n")),
        "{stderr}"
    );
}

#[test]
fn config_is_found_in_the_platform_config_dir_and_named() {
    if Path::new("/etc/natter/natterd.toml").exists() {
        eprintln!("skipped: /etc/natter/natterd.toml exists on this machine and comes first");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("natter/natterd.toml");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, "[server]\nname = \"found.lan\"\n").unwrap();
    let output = natterd()
        .arg("--print-config")
        .env("RUST_LOG", "info")
        .env("XDG_CONFIG_HOME", dir.path())
        .env_remove("NATTERD_CONFIG")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stdout.contains("name = \"found.lan\""), "{stdout}");
    assert!(
        stderr.contains("using config file") && stderr.contains(&file.display().to_string()),
        "{stderr}"
    );

    let empty = tempfile::tempdir().unwrap();
    let output = natterd()
        .arg("--print-config")
        .env("RUST_LOG", "info")
        .env("XDG_CONFIG_HOME", empty.path())
        .env_remove("NATTERD_CONFIG")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("no config file: using the defaults"),
        "{stderr}"
    );
    assert!(stderr.contains("/etc/natter/natterd.toml"), "{stderr}");
}

#[test]
fn a_clean_stop_leaves_a_self_contained_history_db() {
    let dir = tempfile::tempdir().unwrap();
    let (mut server, address) = start_durable(dir.path());
    let _clients = chat(&address, 25);
    signal(&server.child, "TERM");
    assert!(wait_exit(&mut server.child).success());
    let data = dir.path().join("data");
    let wal = data.join("history.db-wal");
    assert!(
        !wal.exists() || std::fs::metadata(&wal).unwrap().len() == 0,
        "history still in the WAL"
    );
    // history.db alone, copied elsewhere, has everything.
    let alone = dir.path().join("alone.db");
    std::fs::copy(data.join("history.db"), &alone).unwrap();
    assert_eq!(count_messages(&alone), 25);
}

/// The default store (batched commits, SQLite's rollback journal): a backup
/// beside the running server has every committed message, and after a
/// clean stop history.db alone has them all, the journal empty.
#[test]
fn a_batched_store_backs_up_while_running_and_is_whole_after_a_stop() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("natterd.toml");
    std::fs::write(&config, "[history]\ncommit_interval = \"10ms\"\n").unwrap();
    let data = dir.path().join("data");
    let (mut server, address, _log) =
        spawn_logged(process::config_args(&config, &data), "warn", &[]);
    let _clients = chat(&address, 30);
    // Well past the 10 ms commit interval: all 30 are committed.
    std::thread::sleep(std::time::Duration::from_millis(1000));
    let copy = dir.path().join("backup.db");
    let (code, _, stderr) = backup(&copy, &data);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(count_messages(&copy), 30);
    signal(&server.child, "TERM");
    assert!(wait_exit(&mut server.child).success());
    for leftover in ["history.db-journal", "history.db-wal"] {
        let path = data.join(leftover);
        assert!(
            !path.exists() || std::fs::metadata(&path).unwrap().len() == 0,
            "{leftover} still holds something"
        );
    }
    let alone = dir.path().join("alone.db");
    std::fs::copy(data.join("history.db"), &alone).unwrap();
    assert_eq!(count_messages(&alone), 30);
}

#[test]
fn backup_of_a_running_server_has_every_message() {
    let dir = tempfile::tempdir().unwrap();
    let (mut server, address) = start_durable(dir.path());
    let _clients = chat(&address, 40);
    let data = dir.path().join("data");
    let copy = dir.path().join("backup.db");
    let (code, _, stderr) = backup(&copy, &data);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("backup of 40 messages written to"),
        "{stderr}"
    );
    assert_eq!(count_messages(&copy), 40);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&copy).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    // Never overwrites.
    let (code, _, stderr) = backup(&copy, &data);
    assert_eq!(code, 1);
    assert!(stderr.contains("exists already"), "{stderr}");
    // The server is unaffected.
    signal(&server.child, "TERM");
    assert!(wait_exit(&mut server.child).success());
}

#[test]
fn backup_without_history_says_where_it_looked() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run(&[
        "backup".as_ref(),
        dir.path().join("copy.db").as_os_str(),
        "--data-dir".as_ref(),
        dir.path().as_os_str(),
    ]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains(&format!(
            "no history database at {}",
            dir.path().join("history.db").display()
        )),
        "{stderr}"
    );
}

/// `channel forget` with a mistyped --data-dir refuses as `channel list`
/// and `backup` do, instead of creating an empty history.db there and
/// reporting the channel forgotten.
#[test]
fn channel_forget_without_history_says_where_it_looked_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("mistyped");
    let (code, _, stderr) = run(&[
        "channel".as_ref(),
        "forget".as_ref(),
        "#club".as_ref(),
        "--data-dir".as_ref(),
        data.as_os_str(),
    ]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "no history database at {}",
            data.join("history.db").display()
        )),
        "{stderr}"
    );
    assert!(!data.exists(), "{} was created", data.display());
}

#[test]
fn export_prints_a_channel_as_text_or_json_lines() {
    let dir = tempfile::tempdir().unwrap();
    let (mut server, address) = start_durable(dir.path());
    let (mut alice, _bob) = chat(&address, 3);
    alice.send("PRIVMSG bob :a private word");
    alice.send("PING :done");
    alice.until(|line| line.contains("PONG"));
    let data = dir.path().join("data");
    let (code, text, stderr) = run(&[
        "export".as_ref(),
        "--channel".as_ref(),
        "#LOBBY".as_ref(),
        "--data-dir".as_ref(),
        data.as_os_str(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].ends_with("] <alice> line 0"), "{text}");
    assert!(!text.contains("private"), "{text}");

    let (code, json, _) = run(&[
        "export".as_ref(),
        "--channel".as_ref(),
        "#lobby".as_ref(),
        "--format".as_ref(),
        "json".as_ref(),
        "--since".as_ref(),
        "1h".as_ref(),
        "--data-dir".as_ref(),
        data.as_os_str(),
    ]);
    assert_eq!(code, 0);
    let texts: Vec<String> = json
        .lines()
        .map(|line| {
            serde_json::from_str::<serde_json::Value>(line).unwrap()["text"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(texts, ["line 0", "line 1", "line 2"]);
    let (_, future, _) = run(&[
        "export".as_ref(),
        "--channel".as_ref(),
        "#lobby".as_ref(),
        "--since".as_ref(),
        "2999-01-01".as_ref(),
        "--data-dir".as_ref(),
        data.as_os_str(),
    ]);
    assert_eq!(future, "");
    signal(&server.child, "TERM");
    assert!(wait_exit(&mut server.child).success());
}

#[test]
fn channel_list_shows_registered_channels_and_forget_needs_the_server_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let (mut server, address) = start_durable(dir.path());
    let (mut alice, _) = Irc::register(&address, "alice");
    alice.send("PRIVMSG NickServ :REGISTER sesame123");
    alice.until(|line| line.contains(" 900 "));
    alice.send("JOIN #Club");
    alice.until(|line| line.contains(" 366 "));
    alice.send("PRIVMSG ChanServ :REGISTER #Club");
    alice.until(|line| line.contains("is now registered to alice"));
    alice.send("MODE #Club +i");
    alice.send("PRIVMSG #Club :members only");
    alice.send("QUIT");
    alice.until(|line| line.starts_with("ERROR"));
    let data = dir.path().join("data");
    let list = [
        "channel".as_ref(),
        "list".as_ref(),
        "--data-dir".as_ref(),
        data.as_os_str(),
    ];
    // Channel state is written behind the hub by the store's own thread:
    // read until that write is in (or patience runs out).
    let expected = "#Club\t+int\tfounder:alice\tbans:0\toperators:alice\n";
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let (code, stdout, stderr) = loop {
        let listed = run(&list);
        if listed.1 == expected || std::time::Instant::now() > deadline {
            break listed;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, expected);
    assert!(stderr.contains("1 stored channels"), "{stderr}");

    let forget = [
        "channel".as_ref(),
        "forget".as_ref(),
        "#CLUB".as_ref(),
        "--data-dir".as_ref(),
        data.as_os_str(),
    ];
    let (code, _, stderr) = run(&forget);
    assert_eq!(code, 1);
    assert!(stderr.contains("stop natterd first"), "{stderr}");
    signal(&server.child, "TERM");
    assert!(wait_exit(&mut server.child).success());

    let (code, _, stderr) = run(&forget);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("#CLUB: forgot its stored state (#Club +int founder:alice bans:0 operators:alice); deleted 1 messages of its history"),
        "{stderr}"
    );
    let (code, stdout, _) = run(&list);
    assert_eq!((code, stdout.as_str()), (0, ""));
    assert_eq!(count_messages(&data.join("history.db")), 0);
    let (code, _, stderr) = run(&forget);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("#CLUB: it had no stored state; deleted 0 messages"),
        "{stderr}"
    );
}

#[test]
fn completions_and_man_page_come_from_the_flags() {
    let (code, bash, _) = run(&["completions".as_ref(), "bash".as_ref()]);
    assert_eq!(code, 0);
    assert!(
        bash.contains("_natterd()") && bash.contains("--data-dir") && bash.contains("backup"),
        "{bash}"
    );
    let (code, zsh, _) = run(&["completions".as_ref(), "zsh".as_ref()]);
    assert_eq!(code, 0);
    assert!(zsh.starts_with("#compdef natterd"), "{zsh}");
    let (code, man, _) = run(&["man".as_ref()]);
    assert_eq!(code, 0);
    assert!(man.contains(".TH natterd 1"), "{man}");
    assert!(
        man.contains("print\\-config") && man.contains("backup"),
        "{man}"
    );
}
