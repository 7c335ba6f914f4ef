//! A real ngircd for tests that talk to a standard IRC server.

use std::process::{Child, Command, Stdio};

/// An ngircd on a free loopback port, killed on drop.
pub struct Ngircd {
    child: Child,
    /// Its port on 127.0.0.1.
    pub port: u16,
    _dir: tempfile::TempDir,
}

impl Ngircd {
    /// Starts one, or `None` (after a note) where ngircd is missing and
    /// tools are not required.
    pub fn start() -> Option<Ngircd> {
        let program = super::require(
            &["ngircd", "/usr/sbin/ngircd"],
            "--version",
            "apt-get install ngircd",
        )?;
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let config = dir.path().join("ngircd.conf");
        std::fs::write(
            &config,
            format!(
                "[Global]\nName = irc.test\nInfo = natter test\nListen = 127.0.0.1\nPorts = {port}\n\
                 PidFile = {}\n[Limits]\nMaxNickLength = 16\n[Options]\nPAM = no\nDNS = no\nIdent = no\n",
                dir.path().join("ngircd.pid").display()
            ),
        )
        .unwrap();
        let child = Command::new(program)
            .args(["-n", "-f"])
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting ngircd");
        Some(Ngircd {
            child,
            port,
            _dir: dir,
        })
    }
}

impl Drop for Ngircd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
