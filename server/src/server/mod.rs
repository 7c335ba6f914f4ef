//! The listener: accepts connections within the configured limits and runs a
//! session task for each, until shutdown.

mod descriptors;
mod error;

pub use error::ServerError;

use crate::cluster::{ClusterNode, Link};
use crate::config::Config;
use crate::context::Context;
use crate::history::History;
use crate::net::admission::{Admission, Slot};
use crate::refusal::{self, Refusals};
use crate::session::{self, TlsPeer};
use crate::tls::accept::{Transport, handshake, plaintext_refusal};
use crate::tls::{CertificateSource, Tls};
use descriptors::{
    Spare, SpareDescriptor, refuse_out_of_descriptors, refuse_while_out_of_descriptors,
};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

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
