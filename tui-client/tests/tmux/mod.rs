//! A private tmux server for end-to-end tests of the real `natter` binary:
//! start programs in sessions, type, and read the screen.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use super::tools;

/// How long to wait for something to show on a screen.
pub const PATIENCE: Duration = Duration::from_secs(20);
/// How often to look.
pub const POLL: Duration = Duration::from_millis(100);

/// A private tmux server (its socket in the test's temporary directory),
/// killed on drop, also when the test fails. Programs it starts get a home
/// of their own in that directory (HOME and the XDG directories), so nothing
/// in the user's home (a stored STS policy for 127.0.0.1, known servers, a
/// config) changes what a test sees, and tests write nothing there.
pub struct Tmux {
    socket: std::path::PathBuf,
    home: std::path::PathBuf,
}

impl Tmux {
    pub fn new(dir: &Path, config: &Path) -> Option<Tmux> {
        tools::require(
            &["tmux"],
            "-V",
            "apt-get install tmux, or brew install tmux",
        )?;
        let tmux = Tmux {
            socket: dir.join("tmux.sock"),
            home: dir.join("home"),
        };
        std::fs::create_dir_all(&tmux.home).unwrap();
        std::fs::write(config, "set -g remain-on-exit on\nset -g status off\n").unwrap();
        Some(tmux)
    }

    pub fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("running tmux")
    }

    pub fn start(&self, config: &Path, session: &str, command: &str) {
        let output = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .arg("-f")
            .arg(config)
            .args(["new-session", "-d", "-s", session, "-x", "100", "-y", "30"])
            .args(self.private_home())
            .arg(command)
            .output()
            .expect("running tmux");
        assert!(output.status.success(), "tmux new-session: {output:?}");
    }

    /// `-e NAME=VALUE` arguments pointing HOME and the XDG directories
    /// into the test's directory.
    fn private_home(&self) -> Vec<String> {
        let home = self.home.display();
        [
            format!("HOME={home}"),
            format!("XDG_CONFIG_HOME={home}/config"),
            format!("XDG_DATA_HOME={home}/data"),
            format!("XDG_STATE_HOME={home}/state"),
            format!("XDG_CACHE_HOME={home}/cache"),
        ]
        .into_iter()
        .flat_map(|pair| ["-e".to_owned(), pair])
        .collect()
    }

    pub fn keys(&self, session: &str, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", session];
        args.extend_from_slice(keys);
        let output = self.run(&args);
        assert!(output.status.success(), "tmux send-keys: {output:?}");
    }

    pub fn type_line(&self, session: &str, text: &str) {
        let output = self.run(&["send-keys", "-t", session, "-l", text]);
        assert!(output.status.success(), "tmux send-keys -l: {output:?}");
        self.keys(session, &["Enter"]);
    }

    pub fn screen(&self, session: &str) -> String {
        let output = self.run(&["capture-pane", "-p", "-t", session]);
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    pub async fn wait_for(&self, session: &str, what: &str, test: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen(session);
            if test(&screen) {
                return screen;
            }
            if start.elapsed() > PATIENCE {
                panic!(
                    "{session}'s screen never showed {what} within {PATIENCE:?}; it shows:\n{screen}"
                );
            }
            tokio::time::sleep(POLL).await;
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}
