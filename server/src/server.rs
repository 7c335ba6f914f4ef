//! The listener: accepts connections within the configured limits and runs a
//! session task for each, until shutdown.

use crate::config::Config;
use crate::context::Context;
use crate::history::History;
use crate::session;
use bytes::Bytes;
use natter_protocol::Message;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Why the server could not start or run.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The listening address could not be bound.
    #[error(
        "cannot listen on {address}: {source} (is another server using the port? try --bind 127.0.0.1:6668)"
    )]
    Bind {
        /// The address.
        address: SocketAddr,
        /// What the OS said.
        source: std::io::Error,
    },
}

/// How long sessions get to say goodbye at shutdown.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// A bound, not yet running server.
pub struct Server {
    listener: TcpListener,
    context: Arc<Context>,
}

/// Counts connections per IP address; a guard gives its place back when dropped.
#[derive(Debug, Default)]
struct PerIp {
    counts: Mutex<HashMap<IpAddr, usize>>,
}

struct PerIpGuard {
    table: Arc<PerIp>,
    ip: IpAddr,
}

impl PerIp {
    fn try_enter(table: &Arc<PerIp>, ip: IpAddr, limit: usize) -> Option<PerIpGuard> {
        let mut counts = table.counts.lock().unwrap_or_else(|p| p.into_inner());
        let count = counts.entry(ip).or_insert(0);
        if *count >= limit {
            return None;
        }
        *count += 1;
        Some(PerIpGuard {
            table: table.clone(),
            ip,
        })
    }
}

impl Drop for PerIpGuard {
    fn drop(&mut self) {
        let mut counts = self.table.counts.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(count) = counts.get_mut(&self.ip) {
            *count -= 1;
            if *count == 0 {
                counts.remove(&self.ip);
            }
        }
    }
}

impl Server {
    /// Binds the configured address. `motd` is the MOTD text, `history` the opened store.
    pub async fn bind(
        config: Config,
        motd: Option<String>,
        history: Option<History>,
    ) -> Result<Server, ServerError> {
        let address = config.server.bind;
        let listener = TcpListener::bind(address)
            .await
            .map_err(|source| ServerError::Bind { address, source })?;
        Ok(Server {
            listener,
            context: Arc::new(Context::new(config, motd, history)),
        })
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
        let limits = self.context.config.limits.clone();
        let slots = Arc::new(Semaphore::new(limits.max_clients));
        let per_ip = Arc::new(PerIp::default());
        let tasks = TaskTracker::new();
        tracing::info!(address = %self.local_addr(), "natterd listening");
        loop {
            let (stream, peer) = tokio::select! {
                _ = shutdown.cancelled() => break,
                accepted = self.listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    Err(error) => {
                        // Typically EMFILE: back off instead of spinning.
                        tracing::warn!(%error, "accept failed");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                },
            };
            let Ok(permit) = slots.clone().try_acquire_owned() else {
                tracing::warn!(%peer, "refused: server full");
                tasks.spawn(refuse(
                    stream,
                    format!(
                        "Server is full ({} clients); try again later",
                        limits.max_clients
                    ),
                ));
                continue;
            };
            let Some(ip_guard) = PerIp::try_enter(&per_ip, peer.ip(), limits.max_clients_per_ip)
            else {
                tracing::warn!(%peer, "refused: too many connections from this address");
                tasks.spawn(refuse(
                    stream,
                    format!(
                        "Too many connections from your address (limit {})",
                        limits.max_clients_per_ip
                    ),
                ));
                continue;
            };
            tracing::info!(%peer, "connection accepted");
            configure_socket(&stream);
            let context = self.context.clone();
            let shutdown = shutdown.clone();
            tasks.spawn(serve(context, stream, peer, shutdown, permit, ip_guard));
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
}

async fn serve(
    context: Arc<Context>,
    stream: TcpStream,
    peer: SocketAddr,
    shutdown: CancellationToken,
    _permit: OwnedSemaphorePermit,
    _ip_guard: PerIpGuard,
) {
    session::run(context, stream, peer, shutdown).await;
}

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
