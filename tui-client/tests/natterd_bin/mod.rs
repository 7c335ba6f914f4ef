//! The real `natterd` binary for client tests: built beside natter's if
//! needed, started on loopback, its TLS address and fingerprint read from
//! the line it prints at start, killed when dropped.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use natter_protocol::Fingerprint;

/// The natterd binary beside natter's, built now if needed (cargo builds
/// only this package's binaries for its tests).
pub fn natterd_binary() -> PathBuf {
    let natter = Path::new(env!("CARGO_BIN_EXE_natter"));
    let profile_dir = natter.parent().unwrap();
    let mut build = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    build.args([
        "build",
        "--quiet",
        "-p",
        "natterd",
        "--bin",
        "natterd",
        "--target-dir",
    ]);
    build.arg(profile_dir.parent().unwrap());
    if profile_dir.ends_with("release") {
        build.arg("--release");
    }
    let status = build.status().expect("running cargo build -p natterd");
    assert!(status.success(), "cargo build -p natterd failed");
    natter.with_file_name("natterd")
}

/// natterd on loopback, killed on drop.
pub struct Natterd {
    child: Child,
    /// Where its TLS listener is (`127.0.0.1:PORT`).
    pub tls_addr: String,
    /// Its certificate's fingerprint, as it printed it.
    pub fingerprint: Fingerprint,
}

impl Natterd {
    /// natterd without announcing itself (tests stay off the LAN).
    pub fn start(data_dir: &Path) -> Natterd {
        Natterd::start_with(data_dir, &["--no-discovery"])
    }

    /// natterd on loopback with `extra` arguments.
    pub fn start_with(data_dir: &Path, extra: &[&str]) -> Natterd {
        let mut child = Command::new(natterd_binary())
            .args(["--bind", "127.0.0.1:0", "--tls-bind", "127.0.0.1:0"])
            .args(["--no-history", "--data-dir"])
            .arg(data_dir)
            .args(extra)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let line = lines.next().unwrap().unwrap();
        let (tls_addr, fingerprint) = line
            .strip_prefix("natterd: TLS on ")
            .and_then(|rest| rest.split_once(", certificate SHA-256 fingerprint "))
            .unwrap_or_else(|| panic!("natterd printed {line:?}"));
        Natterd {
            tls_addr: tls_addr.to_owned(),
            fingerprint: fingerprint.parse().unwrap(),
            child,
        }
    }
}

impl Natterd {
    /// Stops it as an admin would (SIGTERM) and waits for it to exit.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(sent.success(), "kill -TERM {pid}");
        self.child.wait().unwrap()
    }
}

impl Drop for Natterd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
