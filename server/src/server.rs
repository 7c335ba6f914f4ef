//! The listener: accepts connections within the configured limits and runs a
//! session task for each, until shutdown.

use crate::cluster::{ClusterNode, Link};
use crate::config::{Config, ConfigError};
use crate::context::Context;
use crate::history::History;
use crate::net::admission::{Admission, Slot};
use crate::refusal::{self, Refusals};
use crate::session::{self, TlsPeer};
use crate::tls::accept::{Transport, handshake, plaintext_refusal};
use crate::tls::{CertificateSource, Tls, TlsError};
use futures::FutureExt;
use natter_protocol::Message;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
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
    /// The TLS certificate or key cannot be used.
    #[error("{0}")]
    Tls(#[from] TlsError),
    /// No data directory for the self-signed certificate.
    #[error("{0} (it holds the self-signed TLS certificate; or pass --tls-cert and --tls-key)")]
    DataDir(#[from] ConfigError),
    /// `[cluster]` cannot be used (a bad URL, credentials file or CA).
    #[error("{0}")]
    Cluster(#[from] crate::cluster::ClusterError),
}

impl ServerError {
    /// Whether the operator's configuration is at fault (exit code 2), not the system.
    pub fn is_config_error(&self) -> bool {
        matches!(
            self,
            ServerError::Tls(_) | ServerError::DataDir(_) | ServerError::Cluster(_)
        )
    }
}

impl ServerError {
    /// `address` could not be bound; `flag` is the option that chooses it
    /// (`--bind` or `--tls-bind`), which the advice for a busy port names.
    fn bind(address: SocketAddr, flag: &str, source: std::io::Error) -> ServerError {
        let reason = if source.kind() == std::io::ErrorKind::AddrInUse {
            let port = address.port();
            let holder = crate::service::busy_port::holder(port)
                .map(|holder| format!("by {holder}"))
                .unwrap_or_else(|| format!("(`ss -ltnp 'sport = :{port}'` shows by what)"));
            let other = SocketAddr::new(address.ip(), port.checked_add(1).unwrap_or(port - 1));
            format!(
                "port {port} is already in use {holder}; stop it or choose another port, e.g. {flag} {other}"
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
    tls_listener: Option<TcpListener>,
    context: Arc<Context>,
    refusals: Refusals,
}

/// The bound ports, the TLS certificate ready to serve on the TLS one, and
/// the connection to the cluster when `[cluster] nats` is set.
pub struct Listeners {
    plain: TcpListener,
    tls: Option<(TcpListener, Arc<Tls>)>,
    cluster: Option<Link>,
}

impl Server {
    /// Binds the configured addresses. `motd` is the MOTD text, `history` the opened store.
    pub async fn bind(
        config: Config,
        motd: Option<String>,
        history: Option<History>,
    ) -> Result<Server, ServerError> {
        let listeners = Server::listen(&config).await?;
        Ok(Server::with_listener(listeners, config, motd, history))
    }

    /// Binds the configured addresses (plaintext, then TLS) before anything
    /// else, so a busy port is reported before anything (history, the
    /// self-signed certificate) is opened or created; then loads, or on first
    /// start creates, the TLS certificate, so a bad one stops start-up.
    pub async fn listen(config: &Config) -> Result<Listeners, ServerError> {
        let plain = bind(config.server.bind, "--bind").await?;
        let tls = match config.tls.bind {
            Some(tls_address) => {
                let tls_listener = bind(tls_address, "--tls-bind").await?;
                let source = CertificateSource::from_config(
                    &config.tls,
                    &config.data_dir()?,
                    &config.server.name,
                );
                Some((tls_listener, Arc::new(Tls::load(source)?)))
            }
            None => None,
        };
        // Never waits for NATS: a node serves its own users while NATS is away.
        let cluster = if config.cluster.enabled() {
            Some(Link::connect(&config.cluster, &config.cluster.node_name()).await?)
        } else {
            None
        };
        Ok(Listeners {
            plain,
            tls,
            cluster,
        })
    }

    /// A server on the listeners from [`Server::listen`].
    pub fn with_listener(
        listeners: Listeners,
        config: Config,
        motd: Option<String>,
        history: Option<History>,
    ) -> Server {
        let mut context = Context::new(config, motd, history);
        let (tls_listener, tls) = listeners.tls.unzip();
        if let Some(tls) = &tls {
            let hook = crate::tls::CertificateReload::new(tls.clone());
            context.reload.register(Arc::new(hook));
        }
        context.tls_port = tls_listener
            .as_ref()
            .and_then(|listener| listener.local_addr().ok())
            .map(|address| address.port());
        context.tls = tls;
        context.cluster = listeners.cluster.map(|link| {
            let casemapping = context.hub.read(|hub| hub.settings.casemapping);
            ClusterNode::new(link, &context.config, casemapping)
        });
        // A node changes accounts only through the cluster's store.
        if let (Some(_), Some(accounts)) = (&context.cluster, &context.accounts) {
            accounts.expect_shared();
        }
        Server {
            listener: listeners.plain,
            tls_listener,
            context: Arc::new(context),
            refusals: Refusals::default(),
        }
    }

    /// The TLS address actually bound, when TLS is enabled.
    pub fn tls_addr(&self) -> Option<SocketAddr> {
        self.tls_listener
            .as_ref()
            .and_then(|listener| listener.local_addr().ok())
    }

    /// The plaintext address actually bound (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or(self.context.config.server.bind)
    }

    /// The shared context (for tests and the binary's shutdown).
    pub fn context(&self) -> Arc<Context> {
        self.context.clone()
    }

    /// Accepts connections on both listeners until `shutdown` is cancelled,
    /// then tells every client `ERROR :Server shutting down` and waits for the
    /// sessions to end.
    pub async fn run(self, shutdown: CancellationToken) {
        let tasks = TaskTracker::new();
        tracing::info!(address = %self.local_addr(), "natterd listening");
        crate::net::fd_limit::warn_if_below(self.context.config.limits.max_clients);
        if let Some(cluster) = &self.context.cluster {
            tracing::info!(node = %cluster.me(), "joining the cluster");
            cluster.start(&self.context);
        }
        let plain = self.accept_loop(&self.listener, Transport::Plain, &tasks, &shutdown);
        let tls = async {
            if let (Some(listener), Some(tls)) = (&self.tls_listener, &self.context.tls) {
                let address = self.tls_addr().unwrap_or(self.context.config.server.bind);
                tracing::info!(%address, fingerprint = %tls.fingerprint(), "natterd listening for TLS");
                let transport = Transport::Tls(tls.clone());
                self.accept_loop(listener, transport, &tasks, &shutdown)
                    .await;
            }
        };
        tokio::join!(plain, tls);
        // Registered sessions hear of the shutdown through their queues
        // (unregistered ones wait on the token itself).
        self.context.hub.with(|hub| hub.shut_down());
        tasks.close();
        if tokio::time::timeout(SHUTDOWN_GRACE, tasks.wait())
            .await
            .is_err()
        {
            tracing::warn!("some connections did not close within {SHUTDOWN_GRACE:?}");
        }
        if let Some(cluster) = &self.context.cluster {
            // After the sessions: their quits reach the other nodes first.
            cluster.stop().await;
        }
        tracing::info!("all connections closed");
    }

    /// Accepts on one listener until shutdown; both share the admission counts.
    async fn accept_loop(
        &self,
        listener: &TcpListener,
        transport: Transport,
        tasks: &TaskTracker,
        shutdown: &CancellationToken,
    ) {
        let mut spare = SpareDescriptor::open();
        let mut backoff = ACCEPT_BACKOFF_FIRST;
        loop {
            let (stream, peer) = tokio::select! {
                _ = shutdown.cancelled() => break,
                accepted = listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    Err(error) => {
                        refuse_while_out_of_descriptors(listener, &transport, &error, &mut spare, (&self.refusals, tasks));
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
            if spare.reopen() == Spare::OutOfDescriptors {
                // This client took the last descriptor, the one the spare
                // needs: it is told so, as the next would have been.
                refuse_out_of_descriptors(stream, peer, &transport, (&self.refusals, tasks));
                spare.reopen();
                continue;
            }
            let slot = match Admission::try_admit(&self.context.admission, peer.ip()) {
                Ok(slot) => slot,
                Err(refusal) => {
                    crate::warn_throttled!(%peer, %refusal, "connection refused");
                    crate::metrics::refused(refusal.label());
                    self.refusals
                        .refuse(stream, &transport, refusal.to_string(), tasks);
                    continue;
                }
            };
            tracing::info!(%peer, tls = transport.is_tls(), "connection accepted");
            crate::net::socket::configure(&stream);
            let context = self.context.clone();
            serve(
                (context, stream, peer),
                transport.clone(),
                shutdown.clone(),
                slot,
                tasks,
            );
        }
    }
}

async fn bind(address: SocketAddr, flag: &str) -> Result<TcpListener, ServerError> {
    TcpListener::bind(address)
        .await
        .map_err(|source| ServerError::bind(address, flag, source))
}

/// Starts one admitted connection's task: the session itself for plaintext
/// (if the policy lets it in), the TLS handshake and then the session for TLS.
///
/// Each case is spawned as a future of its own rather than behind one
/// `async fn` choosing between them: such a wrapper keeps its arguments (and
/// its own state) next to the session's in the task of every connection,
/// about 220 bytes of every idle connection.
fn serve(
    (context, stream, peer): (Arc<Context>, TcpStream, SocketAddr),
    transport: Transport,
    shutdown: CancellationToken,
    slot: Slot,
    tasks: &TaskTracker,
) {
    match transport {
        Transport::Plain => match plaintext_refusal(&context, &stream, peer) {
            Some(reason) => {
                tracing::info!(%peer, "plaintext refused by [tls] plaintext");
                tasks.spawn(async move {
                    // The connection counts until the refusal is written.
                    let _slot = slot;
                    refusal::answer(stream, Transport::Plain, reason).await;
                });
            }
            None => {
                let halves = stream.into_split();
                tasks.spawn(session::run(
                    context,
                    halves,
                    peer,
                    None,
                    shutdown,
                    Some(slot),
                ));
            }
        },
        Transport::Tls(tls) => {
            tasks.spawn(serve_tls(context, tls, stream, peer, shutdown, slot));
        }
    }
}

/// The TLS side of [`serve`]: the handshake, then the session.
async fn serve_tls(
    context: Arc<Context>,
    tls: Arc<Tls>,
    stream: TcpStream,
    peer: SocketAddr,
    shutdown: CancellationToken,
    slot: Slot,
) {
    let Some(stream) = handshake(&tls, stream, peer).await else {
        return;
    };
    let tls = TlsPeer {
        client_cert: crate::tls::client_cert::fingerprint_of(stream.get_ref().1),
    };
    let halves = tokio::io::split(stream);
    session::run(context, halves, peer, Some(tls), shutdown, Some(slot)).await;
}

/// After a failed accept: when the process is out of file descriptors,
/// gives up the spare one to accept the waiting client and tell it so,
/// instead of leaving it hanging.
fn refuse_while_out_of_descriptors(
    listener: &TcpListener,
    transport: &Transport,
    error: &std::io::Error,
    spare: &mut SpareDescriptor,
    answering: (&Refusals, &TaskTracker),
) {
    crate::warn_throttled!(%error, "accept failed");
    if !is_out_of_descriptors(error) {
        return;
    }
    // A TLS refusal holding the descriptor may have finished since.
    spare.reopen();
    if !spare.release() {
        return;
    }
    if let Some(Ok((stream, peer))) = listener.accept().now_or_never() {
        refuse_out_of_descriptors(stream, peer, transport, answering);
    }
    spare.reopen();
}

/// Tells a client accepted on the last descriptor that the server is out of
/// them. On the plaintext port the line is written at once (a new socket's
/// send buffer is empty) and the socket closed, so the descriptor is free
/// again for the spare before the next accept; on the TLS port the handshake
/// comes first, so a task answers and the spare comes back once it is done.
fn refuse_out_of_descriptors(
    stream: TcpStream,
    peer: SocketAddr,
    transport: &Transport,
    (refusals, tasks): (&Refusals, &TaskTracker),
) {
    crate::warn_throttled!(%peer, "connection refused: out of file descriptors");
    crate::metrics::refused("file_descriptors");
    match transport {
        Transport::Plain => {
            let line = Message::new("ERROR")
                .with_param(OUT_OF_DESCRIPTORS)
                .to_wire();
            // What the client already sent is read first: closing a socket
            // with unread input resets it, and a reset can discard the
            // ERROR line before the client reads it.
            let mut unread = [0u8; 1024];
            for _ in 0..4 {
                if !matches!(stream.try_read(&mut unread), Ok(1..)) {
                    break;
                }
            }
            let _ = stream.try_write(line.as_bytes());
            drop(stream);
        }
        Transport::Tls(_) => {
            refusals.refuse(stream, transport, OUT_OF_DESCRIPTORS.to_string(), tasks);
        }
    }
}

/// What a client accepted with the spare descriptor is told.
const OUT_OF_DESCRIPTORS: &str =
    "Server is out of connection slots (file descriptors); try again later";

/// `EMFILE` and `ENFILE`: the process's or the system's descriptor table is full.
fn is_out_of_descriptors(error: &std::io::Error) -> bool {
    matches!(error.raw_os_error(), Some(EMFILE | ENFILE))
}

const EMFILE: i32 = 24;
const ENFILE: i32 = 23;

/// One file descriptor held in reserve, so that a client can be told the
/// server is out of descriptors (it takes one to accept and answer it).
struct SpareDescriptor(Option<std::fs::File>);

/// Whether the spare descriptor is held after [`SpareDescriptor::reopen`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Spare {
    /// It is held.
    Held,
    /// It cannot be opened for another reason (no null device): clients
    /// are served without one.
    Unavailable,
    /// It could not be reopened because every descriptor is in use.
    OutOfDescriptors,
}

impl SpareDescriptor {
    fn open() -> SpareDescriptor {
        SpareDescriptor(std::fs::File::open(NULL_DEVICE).ok())
    }

    /// Closes the spare descriptor; false when there was none.
    fn release(&mut self) -> bool {
        self.0.take().is_some()
    }

    /// Takes the spare descriptor back if it was given up.
    fn reopen(&mut self) -> Spare {
        if self.0.is_some() {
            return Spare::Held;
        }
        match std::fs::File::open(NULL_DEVICE) {
            Ok(file) => {
                self.0 = Some(file);
                Spare::Held
            }
            Err(error) if is_out_of_descriptors(&error) => Spare::OutOfDescriptors,
            Err(_) => Spare::Unavailable,
        }
    }
}

#[cfg(unix)]
const NULL_DEVICE: &str = "/dev/null";
#[cfg(not(unix))]
const NULL_DEVICE: &str = "NUL";
