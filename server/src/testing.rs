//! An in-process server for tests: binds 127.0.0.1:0 with a temporary data
//! directory and runs on the caller's tokio runtime.

use crate::config::Config;
use crate::history::History;
use crate::server::Server;
use std::net::SocketAddr;
use std::path::PathBuf;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// A running test server; shut it down with [`TestServer::shutdown`] (or let it drop).
pub struct TestServer {
    /// Where to connect.
    pub addr: SocketAddr,
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

    /// Starts a server with `config`; its bind address is replaced by 127.0.0.1:0
    /// and its data directory by a fresh temporary one.
    pub async fn start_with(mut config: Config) -> TestServer {
        let data_dir = std::env::temp_dir().join(format!(
            "natterd-test-{}-{}",
            std::process::id(),
            crate::history::new_msgid()
        ));
        config.server.bind = SocketAddr::from(([127, 0, 0, 1], 0));
        config.server.data_dir = Some(data_dir.clone());
        let mut server = TestServer::start_exact(config, data_dir).await;
        server.owns_data_dir = true;
        server
    }

    /// Starts a server with `config` exactly as given (bind and data dir
    /// included). The data dir is the caller's: it is kept after shutdown, so a
    /// test can start another server on it.
    pub async fn start_exact(config: Config, data_dir: PathBuf) -> TestServer {
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
        let shutdown = CancellationToken::new();
        let task = tokio::spawn(server.run(shutdown.clone()));
        TestServer {
            addr,
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
