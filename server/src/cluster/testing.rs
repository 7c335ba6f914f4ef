//! A real `nats-server` for tests: JetStream on, in a temporary directory,
//! on a free loopback port, killed on drop.
//!
//! A newcomer's `cargo test` needs only Rust, so where nats-server is missing
//! [`NatsServer::start`] prints how to install it and returns `None` (the
//! test skips). Under CI (`CI` set) or `.ci/run` (`NATTER_REQUIRE_TEST_TOOLS=1`)
//! a missing nats-server fails the test instead, so these tests can never
//! pass there without running.

use std::io::Write as _;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Where nats-server may be: the Debian package puts it in /usr/sbin.
const CANDIDATES: &[&str] = &[
    "nats-server",
    "/usr/sbin/nats-server",
    "/usr/bin/nats-server",
];

/// A running nats-server.
#[derive(Debug)]
pub struct NatsServer {
    child: Option<Child>,
    binary: PathBuf,
    /// Its client address (127.0.0.1).
    pub addr: SocketAddr,
    dir: PathBuf,
    extra: String,
}

impl NatsServer {
    /// Starts a nats-server with JetStream, or `None` (after a note) when it
    /// is not installed and tools are not required.
    pub fn start() -> Option<NatsServer> {
        NatsServer::start_with("")
    }

    /// Like [`NatsServer::start`], with `extra` appended to its config file
    /// (authorization blocks, TLS).
    pub fn start_with(extra: &str) -> Option<NatsServer> {
        let binary = find_binary()?;
        let dir = std::env::temp_dir().join(format!(
            "natterd-nats-{}-{}",
            std::process::id(),
            crate::history::new_msgid()
        ));
        std::fs::create_dir_all(&dir).unwrap_or_else(|error| panic!("{}: {error}", dir.display()));
        let mut server = NatsServer {
            child: None,
            binary,
            addr: free_port(),
            dir,
            extra: extra.to_string(),
        };
        server.launch();
        Some(server)
    }

    /// The URL to give natterd: `nats://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("nats://{}", self.addr)
    }

    /// The server's directory (config file, JetStream store), for test files.
    pub fn dir(&self) -> &Path {
        self.dir.as_path()
    }

    /// Kills the server (as a crash would: no goodbye to clients).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port with the same JetStream store.
    pub fn restart(&mut self) {
        self.stop();
        self.launch();
    }

    fn launch(&mut self) {
        let store = self.dir.as_path().join("jetstream");
        let config = self.dir.as_path().join("nats.conf");
        let text = format!(
            "listen: \"{}\"\njetstream {{\n  store_dir: \"{}\"\n}}\n{}\n",
            self.addr,
            store.display(),
            self.extra
        );
        std::fs::write(&config, text).unwrap_or_else(|error| panic!("nats.conf: {error}"));
        let log = std::fs::File::create(self.dir.as_path().join("nats.log"))
            .unwrap_or_else(|error| panic!("nats.log: {error}"));
        let child = Command::new(&self.binary)
            .arg("-c")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|error| panic!("cannot run {}: {error}", self.binary.display()));
        self.child = Some(child);
        self.wait_ready();
    }

    /// Waits until the port accepts (nats-server binds it once JetStream is up).
    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect_timeout(&self.addr, Duration::from_millis(200)).is_err() {
            if let Some(child) = &mut self.child
                && let Ok(Some(status)) = child.try_wait()
            {
                let log = std::fs::read_to_string(self.dir.as_path().join("nats.log"))
                    .unwrap_or_default();
                panic!("nats-server exited ({status}) at start:\n{log}");
            }
            assert!(
                Instant::now() < deadline,
                "nats-server did not listen on {} within 30 s",
                self.addr
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A port nothing listens on: bind 127.0.0.1:0, read the port, let it go.
fn free_port() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|error| panic!("bind: {error}"));
    listener
        .local_addr()
        .unwrap_or_else(|error| panic!("local_addr: {error}"))
}

fn find_binary() -> Option<PathBuf> {
    for candidate in CANDIDATES {
        let runs = Command::new(candidate)
            .arg("--version")
            .output()
            .is_ok_and(|output| output.status.success());
        if runs {
            return Some(PathBuf::from(candidate));
        }
    }
    let message = "nats-server is not installed; this test needs it: `apt-get install nats-server` (.ci/run installs it)";
    let required = std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false")
        || std::env::var_os("NATTER_REQUIRE_TEST_TOOLS").is_some_and(|v| v == "1");
    if required {
        panic!("{message}");
    }
    let _ = writeln!(std::io::stderr(), "skipped: {message}");
    None
}
