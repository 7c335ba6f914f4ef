//! The listener: accepts connections within the configured limits and runs a
//! session task for each, until shutdown.

use crate::config::Config;
use crate::context::Context;
use crate::history::History;
use crate::net::admission::Admission;
use crate::session;
use bytes::Bytes;
use futures::FutureExt;
use natter_protocol::Message;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Why the server could not start or run.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The listening address could not be bound.
    #[error("cannot listen on {address}: {reason}")]
    Bind {
        /// The address.
        address: SocketAddr,
        /// What to tell the operator: a busy port names its holder when it can.
        reason: String,
        /// What the OS said.
        source: std::io::Error,
    },
}

impl ServerError {
    fn bind(address: SocketAddr, source: std::io::Error) -> ServerError {
        let reason = if source.kind() == std::io::ErrorKind::AddrInUse {
            let port = address.port();
            let holder = crate::service::busy_port::holder(port)
                .map(|holder| format!("by {holder}"))
                .unwrap_or_else(|| format!("(`ss -ltnp 'sport = :{port}'` shows by what)"));
            format!(
                "port {port} is already in use {holder}; stop it or choose another port, e.g. --bind 127.0.0.1:6668"
            )
        } else {
            source.to_string()
        };
        ServerError::Bind {
            address,
            reason,
            source,
        }
    }
}

/// How long sessions get to say goodbye at shutdown.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// First and longest pause after a failed accept (e.g. out of file descriptors).
const ACCEPT_BACKOFF_FIRST: Duration = Duration::from_millis(10);
const ACCEPT_BACKOFF_MAX: Duration = Duration::from_secs(1);

/// A bound, not yet running server.
pub struct Server {
    listener: TcpListener,
    context: Arc<Context>,
}

impl Server {
    /// Binds the configured address. `motd` is the MOTD text, `history` the opened store.
    pub async fn bind(
        config: Config,
        motd: Option<String>,
        history: Option<History>,
    ) -> Result<Server, ServerError> {
        let listener = Server::listen(&config).await?;
        Ok(Server::with_listener(listener, config, motd, history))
    }

    /// Binds the configured address only, so a busy port is reported before
    /// anything else (history) is opened or created.
    pub async fn listen(config: &Config) -> Result<TcpListener, ServerError> {
        let address = config.server.bind;
        TcpListener::bind(address)
            .await
            .map_err(|source| ServerError::bind(address, source))
    }

    /// A server on a listener from [`Server::listen`].
    pub fn with_listener(
        listener: TcpListener,
        config: Config,
        motd: Option<String>,
        history: Option<History>,
    ) -> Server {
        Server {
            listener,
            context: Arc::new(Context::new(config, motd, history)),
        }
    }

    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or(self.context.config.server.bind)
    }

    /// The shared context (for tests and the binary's shutdown).
    pub fn context(&self) -> Arc<Context> {
        self.context.clone()
    }

    /// Accepts connections until `shutdown` is cancelled, then tells every
    /// client `ERROR :Server shutting down` and waits for the sessions to end.
    pub async fn run(self, shutdown: CancellationToken) {
        let tasks = TaskTracker::new();
        let mut spare = SpareDescriptor::open();
        let mut backoff = ACCEPT_BACKOFF_FIRST;
        tracing::info!(address = %self.local_addr(), "natterd listening");
        crate::net::fd_limit::warn_if_below(self.context.config.limits.max_clients);
        loop {
            let (stream, peer) = tokio::select! {
                _ = shutdown.cancelled() => break,
                accepted = self.listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    Err(error) => {
                        self.refuse_while_out_of_descriptors(&error, &mut spare, &tasks);
                        // Back off instead of spinning on an error that persists.
                        tokio::select! {
                            _ = shutdown.cancelled() => break,
                            _ = tokio::time::sleep(backoff) => {}
                        }
                        backoff = (backoff * 2).min(ACCEPT_BACKOFF_MAX);
                        continue;
                    }
                },
            };
            backoff = ACCEPT_BACKOFF_FIRST;
            let slot = match Admission::try_admit(&self.context.admission, peer.ip()) {
                Ok(slot) => slot,
                Err(refusal) => {
                    crate::warn_throttled!(%peer, %refusal, "connection refused");
                    crate::metrics::refused(refusal.label());
                    tasks.spawn(refuse(stream, refusal.to_string()));
                    continue;
                }
            };
            tracing::info!(%peer, "connection accepted");
            configure_socket(&stream);
            let context = self.context.clone();
            tasks.spawn(session::run(
                context,
                stream,
                peer,
                shutdown.clone(),
                Some(slot),
            ));
        }
        tasks.close();
        if tokio::time::timeout(SHUTDOWN_GRACE, tasks.wait())
            .await
            .is_err()
        {
            tracing::warn!("some connections did not close within {SHUTDOWN_GRACE:?}");
        }
        tracing::info!("all connections closed");
    }

    /// After a failed accept: when the process is out of file descriptors,
    /// gives up the spare one to accept the waiting client and tell it so,
    /// instead of leaving it hanging.
    fn refuse_while_out_of_descriptors(
        &self,
        error: &std::io::Error,
        spare: &mut SpareDescriptor,
        tasks: &TaskTracker,
    ) {
        let out_of_descriptors = matches!(error.raw_os_error(), Some(EMFILE | ENFILE));
        crate::warn_throttled!(%error, "accept failed");
        if !out_of_descriptors || !spare.release() {
            return;
        }
        if let Some(Ok((stream, peer))) = self.listener.accept().now_or_never() {
            crate::warn_throttled!(%peer, "refused: out of file descriptors");
            tasks.spawn(refuse(
                stream,
                "Server is out of connection slots (file descriptors); try again later".to_string(),
            ));
        }
        spare.reopen();
    }
}

/// `EMFILE` and `ENFILE`: the process's or the system's descriptor table is full.
const EMFILE: i32 = 24;
const ENFILE: i32 = 23;

/// One file descriptor held in reserve, so that a client can be told the
/// server is out of descriptors (it takes one to accept and answer it).
struct SpareDescriptor(Option<std::fs::File>);

impl SpareDescriptor {
    fn open() -> SpareDescriptor {
        SpareDescriptor(std::fs::File::open(NULL_DEVICE).ok())
    }

    /// Closes the spare descriptor; false when there was none.
    fn release(&mut self) -> bool {
        self.0.take().is_some()
    }

    fn reopen(&mut self) {
        if self.0.is_none() {
            self.0 = std::fs::File::open(NULL_DEVICE).ok();
        }
    }
}

#[cfg(unix)]
const NULL_DEVICE: &str = "/dev/null";
#[cfg(not(unix))]
const NULL_DEVICE: &str = "NUL";

/// Enables TCP keepalive, so half-open connections of clients that cannot
/// answer PING (plain users) are still noticed, and disables Nagle for chat latency.
fn configure_socket(stream: &TcpStream) {
    let _ = stream.set_nodelay(true);
    let socket = socket2::SockRef::from(stream);
    let keepalive = socket2::TcpKeepalive::new()
        .with_time(Duration::from_secs(60))
        .with_interval(Duration::from_secs(10))
        .with_retries(6);
    if let Err(error) = socket.set_tcp_keepalive(&keepalive) {
        tracing::debug!(%error, "could not enable TCP keepalive");
    }
}

async fn refuse(mut stream: TcpStream, reason: String) {
    let line = Bytes::from(Message::new("ERROR").with_param(reason).to_wire());
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        let _ = stream.write_all(&line).await;
        let _ = stream.shutdown().await;
    })
    .await;
}
