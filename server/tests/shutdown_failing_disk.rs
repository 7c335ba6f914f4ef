//! SIGTERM while the disk is failing: natterd gives up on what it cannot save
//! after `[history] shutdown_timeout`, says how many messages were lost, and
//! exits 0 (it was asked to stop), well within the systemd unit's stop timeout.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod process;

use process::{natterd_after_shell, signal, spawn_command, wait_exit};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::process::{Child, Command};
use std::sync::mpsc::Receiver;
use std::time::Duration;

/// natterd with writes beyond `blocks` × 512 bytes per file failing (EFBIG,
/// as on a full disk): `ulimit -f`, with SIGXFSZ ignored so writes fail
/// instead of killing the process.
fn natterd_on_a_small_disk(blocks: u32, args: &[&str]) -> Command {
    let mut command = natterd_after_shell(&format!("trap '' XFSZ; ulimit -f {blocks}"));
    command.args(args);
    command
}

/// natterd on a 1000 KiB "disk" (per file: room for a new database and
/// its first WAL, ~640 KiB with 16 KiB pages, not for all the messages below) with
/// `config`, and an IRC client in `#x` that talked until the history writer
/// reported the disk failing.
fn natterd_with_a_full_disk(config: &str) -> (Child, Receiver<String>, Irc, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let config_path = dir.path().join("natterd.toml");
    std::fs::write(&config_path, config).unwrap();
    let data = dir.path().join("data");
    let command = natterd_on_a_small_disk(
        2000,
        &[
            "--config",
            config_path.to_str().unwrap(),
            "--bind",
            "127.0.0.1:0",
            "--data-dir",
            data.to_str().unwrap(),
        ],
    );
    let (child, address, stderr) = spawn_command(command);
    let mut irc = Irc::connect(&address);
    irc.send("NICK a\r\nUSER a 0 * :a\r\nJOIN #x");
    // More than the "disk" has room for next to the first WAL, until the writer says it is failing.
    let text = "y".repeat(400);
    for n in 0..2000 {
        irc.send(&format!("PRIVMSG #x :{n} {text}"));
        if n % 100 == 99 {
            irc.sync(n);
            if stderr
                .try_iter()
                .any(|line| line.contains("cannot write history"))
            {
                return (child, stderr, irc, dir);
            }
        }
    }
    panic!("the small disk never filled");
}

struct Irc {
    writer: TcpStream,
    reader: BufReader<TcpStream>,
}

impl Irc {
    fn connect(address: &str) -> Irc {
        let writer = TcpStream::connect(address).unwrap();
        writer
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let reader = BufReader::new(writer.try_clone().unwrap());
        Irc { writer, reader }
    }

    fn send(&mut self, line: &str) {
        write!(self.writer, "{line}\r\n").unwrap();
    }

    /// A PING round trip: everything sent before has been handled.
    fn sync(&mut self, n: usize) {
        self.send(&format!("PING :sync{n}"));
        let wanted = format!("sync{n}");
        let mut line = String::new();
        while !(line.contains(" PONG ") && line.trim_end().ends_with(&wanted)) {
            line.clear();
            assert!(self.reader.read_line(&mut line).unwrap() > 0, "closed");
        }
    }
}

const FAST: &str = "[limits]\nflood_burst = 100000\nflood_rate = 100000.0\n";

#[test]
fn sigterm_on_a_full_disk_gives_up_after_the_timeout_and_exits_0() {
    let config =
        format!("[history]\nshutdown_timeout = \"1s\"\ncommit_interval = \"20ms\"\n\n{FAST}");
    let (mut child, stderr, _irc, _dir) = natterd_with_a_full_disk(&config);
    signal(&child, "TERM");
    let status = wait_exit(&mut child);
    assert!(status.success(), "{status:?}");
    let said: Vec<String> = stderr.try_iter().collect();
    assert!(
        said.iter()
            .any(|line| line.starts_with("natterd: history: ")
                && line.contains("messages could not be saved")
                && line.contains("gave up after 1 s")),
        "{said:#?}"
    );
}

#[test]
fn a_client_cannot_fill_the_log_while_the_disk_fails() {
    // With sync = "full" every message waits for its commit, and each failed
    // commit is a warning: one line per interval passes, the rest are counted.
    let config = format!("[history]\nsync = \"full\"\nshutdown_timeout = \"1s\"\n\n{FAST}");
    let (mut child, stderr, mut irc, _dir) = natterd_with_a_full_disk(&config);
    for n in 0..200 {
        irc.send(&format!("PRIVMSG #x :more {n}"));
    }
    irc.sync(9999);
    signal(&child, "TERM");
    assert!(wait_exit(&mut child).success());
    let warnings = stderr
        .try_iter()
        .filter(|line| line.contains("message delivered before it could be committed"))
        .count();
    assert!(
        warnings <= 2,
        "{warnings} warnings for one client's messages"
    );
}
