//! Running the real `natterd` binary in tests: start it on 127.0.0.1:0 and
//! learn the address it prints, send it signals, wait for it to exit.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// A `Command` for the natterd binary built with these tests.
pub fn natterd() -> Command {
    Command::new(env!("CARGO_BIN_EXE_natterd"))
}

/// Starts natterd with `args` (which must bind port 0 on loopback) and
/// returns it with the address it printed (`natterd: listening on ADDR`).
pub fn spawn<I, S>(args: I) -> (Child, String)
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut child = natterd()
        .args(args)
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
    std::thread::spawn(move || for _ in lines {});
    (child, address)
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
