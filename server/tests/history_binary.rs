//! The real `natterd` binary and its history file: a `kill -9` loses nothing
//! older than the commit interval, one during commits leaves a whole store,
//! a program reading the file holds commits back without losing a message
//! (and the log says so), and a corrupt history.db stops it at start.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod process;

use process::{Log, Running, natterd, spawn_logged};
use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::Duration;

/// Starts natterd with `config` on 127.0.0.1:0 and returns it (killed when
/// dropped, so a failing test leaves no server behind) with its address and
/// its log (warnings and errors).
fn start(config: &Path, data_dir: &Path) -> (Running, String, Log) {
    let args: [&OsStr; 6] = [
        "--config".as_ref(),
        config.as_os_str(),
        "--bind".as_ref(),
        "127.0.0.1:0".as_ref(),
        "--data-dir".as_ref(),
        data_dir.as_os_str(),
    ];
    spawn_logged(args, "warn", &[])
}

struct Irc {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Irc {
    fn register(address: &str, nick: &str, caps: &str) -> Irc {
        let writer = TcpStream::connect(address).unwrap();
        writer
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut irc = Irc {
            reader: BufReader::new(writer.try_clone().unwrap()),
            writer,
        };
        if !caps.is_empty() {
            irc.send(&format!("CAP REQ :{caps}"));
            irc.send("CAP END");
        }
        irc.send(&format!("NICK {nick}"));
        irc.send(&format!("USER {nick} 0 * :{nick}"));
        irc.until(|line| line.contains(" 376 ") || line.contains(" 422 "));
        irc
    }

    fn send(&mut self, line: &str) {
        write!(self.writer, "{line}\r\n").unwrap();
    }

    /// Reads lines until one matches; returns the lines before it.
    fn until(&mut self, done: impl Fn(&str) -> bool) -> Vec<String> {
        let mut seen = Vec::new();
        loop {
            let mut line = String::new();
            assert!(
                self.reader.read_line(&mut line).unwrap() > 0,
                "closed; saw {seen:?}"
            );
            let line = line.trim_end().to_string();
            if done(&line) {
                return seen;
            }
            seen.push(line);
        }
    }
}

/// What a new member `nick` of `channel` is given on joining: the texts of
/// the backlog's messages, oldest first (read up to a PING's answer, so an
/// empty backlog is an empty list).
fn backlog(address: &str, nick: &str, channel: &str) -> Vec<String> {
    let mut member = Irc::register(address, nick, "batch server-time");
    member.send(&format!("JOIN {channel}"));
    member.until(|line| line.contains(" 366 "));
    member.send("PING :backlog");
    let said = format!(" PRIVMSG {channel} :");
    member
        .until(|line| line.contains("PONG") && line.ends_with("backlog"))
        .iter()
        .filter_map(|line| line.split_once(said.as_str()))
        .map(|(_, text)| text.to_string())
        .collect()
}

#[test]
fn kill_9_loses_nothing_older_than_the_commit_interval() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("natterd.toml");
    std::fs::write(&config, "[history]\ncommit_interval = \"100ms\"\n").unwrap();
    let data = dir.path().join("data");
    let (mut server, address, _log) = start(&config, &data);
    let mut alice = Irc::register(&address, "alice", "");
    alice.send("JOIN #k");
    alice.until(|line| line.contains(" 366 "));
    for n in 0..30 {
        alice.send(&format!("PRIVMSG #k :survivor {n}"));
    }
    alice.send("PING :done");
    alice.until(|line| line.contains("PONG") && line.ends_with("done"));
    // Well past the 100 ms bound: everything above must be on disk now.
    std::thread::sleep(Duration::from_millis(1500));
    server.child.kill().unwrap(); // SIGKILL: no shutdown, no final commit.
    server.child.wait().unwrap();

    let (mut server, address, _log) = start(&config, &data);
    let texts = backlog(&address, "bob", "#k");
    let wanted: Vec<String> = (0..30).map(|n| format!("survivor {n}")).collect();
    assert_eq!(texts, wanted);
    server.child.kill().unwrap();
    server.child.wait().unwrap();
}

/// Another program reading history.db (a backup, an export) holds the
/// rollback journal's commits back: the log names that, not a failing disk,
/// and once the reader is gone every message is stored.
#[test]
fn a_reader_holding_the_file_delays_commits_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("natterd.toml");
    std::fs::write(&config, "[history]\ncommit_interval = \"20ms\"\n").unwrap();
    let data = dir.path().join("data");
    let (mut server, address, log) = start(&config, &data);
    let mut alice = Irc::register(&address, "alice", "");
    alice.send("JOIN #r");
    alice.until(|line| line.contains(" 366 "));

    // A read transaction that stays open, as a backup's copy does.
    let reader = rusqlite::Connection::open(data.join("history.db")).unwrap();
    reader
        .execute_batch("BEGIN; SELECT count(*) FROM sqlite_master;")
        .unwrap();
    for n in 0..20 {
        alice.send(&format!("PRIVMSG #r :held {n}"));
    }
    let said = log.wait_for("history commit waits");
    assert!(said.contains("another program"), "{said}");
    assert!(!said.contains("disk"), "{said}");
    reader.execute_batch("COMMIT").unwrap();
    drop(reader);

    // The retry stores them; a new member's backlog reads them from the file.
    let wanted: Vec<String> = (0..20).map(|n| format!("held {n}")).collect();
    let mut texts = Vec::new();
    for attempt in 0..100 {
        texts = backlog(&address, &format!("bob{attempt}"), "#r");
        if texts == wanted {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(texts, wanted);
    server.child.kill().unwrap();
    server.child.wait().unwrap();
}

/// A `kill -9` while commits are being written (the rollback journal
/// holding the pages a commit changes) leaves a store that opens: the
/// next natterd rolls the unfinished commit back, the file is whole, and
/// what is stored is the messages in order up to some point.
#[test]
fn kill_9_during_commits_leaves_a_whole_store() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("natterd.toml");
    // Flood control off: alice sends as fast as the server reads.
    std::fs::write(
        &config,
        "[history]\ncommit_interval = \"10ms\"\n\
         [limits]\nflood_burst = 1000000\nflood_rate = 1000000.0\nflood_max_queued = 1000000\n",
    )
    .unwrap();
    let data = dir.path().join("data");
    let (mut server, address, _log) = start(&config, &data);
    let mut alice = Irc::register(&address, "alice", "");
    alice.send("JOIN #k");
    alice.until(|line| line.contains(" 366 "));
    for n in 0..3000 {
        alice.send(&format!("PRIVMSG #k :flow {n} {}", "x".repeat(200)));
        if n == 99 {
            // Well past the 10 ms bound: the first 100 are committed.
            alice.send("PING :first");
            alice.until(|line| line.contains("PONG") && line.ends_with("first"));
            std::thread::sleep(Duration::from_millis(500));
        }
        if n == 2000 {
            alice.send("PING :mid");
            alice.until(|line| line.contains("PONG") && line.ends_with("mid"));
        }
    }
    server.child.kill().unwrap(); // mid-flow: the writer is committing (in most runs)
    server.child.wait().unwrap();

    let (mut server, address, _log) = start(&config, &data);
    let texts = backlog(&address, "bob", "#k");
    let numbers: Vec<usize> = texts
        .iter()
        .filter_map(|text| text.strip_prefix("flow "))
        .filter_map(|rest| rest.split(' ').next()?.parse().ok())
        .collect();
    assert_eq!(numbers.len(), 50, "{texts:?}");
    assert!(
        numbers.windows(2).all(|pair| pair[1] == pair[0] + 1),
        "{numbers:?}"
    );
    assert!(numbers[49] >= 99, "{numbers:?}");
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    let conn = rusqlite::Connection::open(data.join("history.db")).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .unwrap();
    assert_eq!(check, "ok");
}

#[test]
fn a_corrupt_history_file_stops_natterd_with_exit_2_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("history.db");
    // An SQLite header followed by garbage: a damaged database, not a foreign file.
    let mut bytes = b"SQLite format 3\0".to_vec();
    bytes.extend(std::iter::repeat_n(0xA5u8, 8192));
    std::fs::write(&database, &bytes).unwrap();
    let output = natterd()
        .args(["--bind", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .env("RUST_LOG", "off")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(&database.display().to_string()), "{stderr}");
    assert!(
        stderr.contains("corrupt") || stderr.contains("not a natter history database"),
        "{stderr}"
    );
}
