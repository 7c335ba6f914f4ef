//! Running the real `natterd` binary in tests: start it on 127.0.0.1:0 and
//! learn the address it prints, send it signals, wait for it to exit.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// A `Command` for the natterd binary built with these tests. TLS is off
/// unless a test turns it on with `--tls-bind 127.0.0.1:0` (the default,
/// 0.0.0.0:6697, is neither loopback nor free for parallel tests), and so
/// is LAN discovery (it would multicast on every interface).
pub fn natterd() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_natterd"));
    command.env("NATTERD_TLS_BIND", "");
    // Tests stay on loopback: no mDNS announcements on the machine's LAN.
    command.env("NATTERD_NO_DISCOVERY", "1");
    command
}

/// [`natterd`] started by `sh -c "<setup>; exec natterd ..."`, for limits
/// only a shell sets (`ulimit`, `trap`), with the same test environment.
/// Arguments added to the returned command go to natterd.
pub fn natterd_after_shell(setup: &str) -> Command {
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(format!("{setup}; exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_natterd"))
        .env("NATTERD_TLS_BIND", "")
        .env("NATTERD_NO_DISCOVERY", "1");
    command
}

/// Starts natterd with `args` (which must bind port 0 on loopback) and
/// returns it with the address it printed (`natterd: listening on ADDR`).
pub fn spawn<I, S>(args: I) -> (Child, String)
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut command = natterd();
    command.args(args);
    let (child, address, _stderr) = spawn_command(command);
    (child, address)
}

/// Starts `command` (natterd, perhaps wrapped) and returns it with the address
/// it printed and the rest of its stderr, line by line, as it comes.
pub fn spawn_command(mut command: Command) -> (Child, String, Receiver<String>) {
    let mut child = command
        .env("RUST_LOG", "warn")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let address = loop {
        let line = lines
            .next()
            .expect("natterd exited before listening")
            .unwrap();
        if let Some(rest) = line.strip_prefix("natterd: listening on ") {
            break rest.split_whitespace().next().unwrap().to_string();
        }
    };
    // Keep draining stderr so natterd never blocks on a full pipe.
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            let _ = sender.send(line);
        }
    });
    (child, address, receiver)
}

/// natterd's log (stderr), line by line, as a test reads it.
pub struct Log {
    lines: Receiver<String>,
}

impl Log {
    /// Reads log lines until one contains `needle`, and returns it. Panics
    /// (showing what was logged) if natterd exits or 20 s pass first.
    pub fn wait_for(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut seen = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return line,
                Ok(line) => seen.push(line),
                Err(RecvTimeoutError::Timeout) => {
                    panic!("no log line with {needle:?}; saw {seen:#?}")
                }
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("natterd closed its log without {needle:?}; saw {seen:#?}")
                }
            }
        }
    }

    /// Everything logged until natterd closes stderr (call after it exited).
    pub fn rest(&self) -> Vec<String> {
        self.lines.iter().collect()
    }
}

/// A natterd that is killed when the test ends, even when it fails, so no
/// server outlives its test (holding the test runner's output open).
pub struct Running {
    /// The process.
    pub child: Child,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Like [`spawn`], logging at `filter` (e.g. `info`), with the log kept for the test.
pub fn spawn_logged<I, S>(args: I, filter: &str, env: &[(&str, &OsStr)]) -> (Running, String, Log)
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut command = natterd();
    command
        .args(args)
        .env("RUST_LOG", filter)
        .stderr(Stdio::piped());
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command.spawn().unwrap();
    let stderr = child.stderr.take().unwrap();
    let child = Running { child };
    let (sender, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if sender.send(line).is_err() {
                // The test is done reading; keep draining so natterd never blocks.
                continue;
            }
        }
    });
    let log = Log { lines };
    let line = log.wait_for("natterd: listening on ");
    let address = line
        .split("listening on ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap()
        .to_string();
    (child, address, log)
}

/// Sends signal `name` (`TERM`, `INT`, `KILL`) to the process.
pub fn signal(child: &Child, name: &str) {
    // The shell's built-in kill: no procps needed on a bare machine.
    let status = Command::new("sh")
        .args(["-c", &format!("kill -s {name} {}", child.id())])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Waits (up to 20 s) for the process to exit.
pub fn wait_exit(child: &mut Child) -> ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "natterd did not exit");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A line-oriented IRC connection to the real binary.
pub struct Irc {
    reader: BufReader<std::net::TcpStream>,
    writer: std::net::TcpStream,
}

impl Irc {
    /// Connects without registering.
    pub fn connect(address: &str) -> Irc {
        let writer = std::net::TcpStream::connect(address).unwrap();
        writer
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        Irc {
            reader: BufReader::new(writer.try_clone().unwrap()),
            writer,
        }
    }

    /// Connects and registers as `nick`; returns the client and its welcome burst.
    pub fn register(address: &str, nick: &str) -> (Irc, Vec<String>) {
        let mut irc = Irc::connect(address);
        irc.send(&format!("NICK {nick}"));
        irc.send(&format!("USER {nick} 0 * :{nick}"));
        let burst = irc.until(|line| line.contains(" 376 ") || line.contains(" 422 "));
        (irc, burst)
    }

    /// Sends one line (CRLF added).
    pub fn send(&mut self, line: &str) {
        use std::io::Write;
        write!(self.writer, "{line}\r\n").unwrap();
    }

    /// Reads one line without its CRLF; `None` when the server closed.
    pub fn line(&mut self) -> Option<String> {
        let mut line = String::new();
        match self.reader.read_line(&mut line) {
            Ok(0) | Err(_) => None,
            Ok(_) => Some(line.trim_end().to_string()),
        }
    }

    /// Reads lines until one matches; returns them all, the matching one last.
    pub fn until(&mut self, done: impl Fn(&str) -> bool) -> Vec<String> {
        let mut seen = Vec::new();
        loop {
            let line = self
                .line()
                .unwrap_or_else(|| panic!("closed; saw {seen:#?}"));
            let last = done(&line);
            seen.push(line);
            if last {
                return seen;
            }
        }
    }
}

/// The arguments every spawned test natterd shares: `config`, loopback port 0
/// and history in `data`.
pub fn config_args<'a>(config: &'a Path, data: &'a Path) -> [&'a OsStr; 6] {
    [
        "--config".as_ref(),
        config.as_os_str(),
        "--bind".as_ref(),
        "127.0.0.1:0".as_ref(),
        "--data-dir".as_ref(),
        data.as_os_str(),
    ]
}
