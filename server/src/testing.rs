//! An in-process server for tests: binds 127.0.0.1:0 with a temporary data
//! directory and runs on the caller's tokio runtime.

use crate::config::Config;
use crate::context::Context;
use crate::history::History;
use crate::server::Server;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// 127.0.0.1 on a port the system picks.
const LOOPBACK_ANY_PORT: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 0);

/// A running test server; shut it down with [`TestServer::shutdown`] (or let it drop).
pub struct TestServer {
    /// Where to connect.
    pub addr: SocketAddr,
    /// Where to connect with TLS, when the config enables it.
    pub tls_addr: Option<SocketAddr>,
    /// The server's shared state (its TLS certificate, for one).
    pub context: Arc<Context>,
    /// The data directory (removed on drop when the server made it).
    pub data_dir: PathBuf,
    /// Whether `data_dir` is a temporary directory of ours to remove.
    owns_data_dir: bool,
    shutdown: CancellationToken,
    task: Option<JoinHandle<()>>,
    history: Option<History>,
}

impl TestServer {
    /// Starts a server with the default config, on loopback, with history enabled.
    pub async fn start() -> TestServer {
        TestServer::start_with(Config::default()).await
    }

    /// Starts a server with `config`; its bind addresses are replaced by
    /// 127.0.0.1:0 (TLS stays off if the config turns it off) and its data
    /// directory by a fresh temporary one.
    pub async fn start_with(mut config: Config) -> TestServer {
        let data_dir = std::env::temp_dir().join(format!(
            "natterd-test-{}-{}",
            std::process::id(),
            crate::history::new_msgid()
        ));
        config.server.bind = LOOPBACK_ANY_PORT;
        if config.tls.bind.is_some() {
            config.tls.bind = Some(LOOPBACK_ANY_PORT);
        }
        config.server.data_dir = Some(data_dir.clone());
        let mut server = TestServer::start_exact(config, data_dir).await;
        server.owns_data_dir = true;
        server
    }

    /// Starts a server with `config` exactly as given (bind and data dir
    /// included), except that a TLS listener left on the default wildcard
    /// address moves to 127.0.0.1:0: tests talk over loopback only. The data
    /// dir is the caller's: it is kept after shutdown, so a test can start
    /// another server on it.
    pub async fn start_exact(mut config: Config, data_dir: PathBuf) -> TestServer {
        if let Some(tls) = config.tls.bind
            && tls.ip().is_unspecified()
        {
            config.tls.bind = Some(LOOPBACK_ANY_PORT);
        }
        let history = if config.history.enabled {
            Some(
                History::open(&data_dir, &config.history)
                    .unwrap_or_else(|error| panic!("test history: {error}")),
            )
        } else {
            None
        };
        let motd = config
            .read_motd()
            .unwrap_or_else(|error| panic!("test motd: {error}"));
        let server = Server::bind(config, motd, history.clone())
            .await
            .unwrap_or_else(|error| panic!("test server: {error}"));
        let addr = server.local_addr();
        let tls_addr = server.tls_addr();
        let context = server.context();
        let shutdown = CancellationToken::new();
        let task = tokio::spawn(server.run(shutdown.clone()));
        TestServer {
            addr,
            tls_addr,
            context,
            data_dir,
            owns_data_dir: false,
            shutdown,
            task: Some(task),
            history,
        }
    }

    /// Stops the server the way SIGTERM does and waits for it.
    pub async fn shutdown(mut self) {
        self.shutdown.cancel();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        if let Some(history) = self.history.take() {
            let _ = history.shutdown().await;
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.shutdown.cancel();
        if self.owns_data_dir {
            let _ = std::fs::remove_dir_all(&self.data_dir);
        }
    }
}
