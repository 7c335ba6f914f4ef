//! The node's connection to NATS: built from `[cluster]`, reconnecting by
//! itself forever, and reporting when NATS goes away and comes back.
//!
//! natterd never waits for NATS to serve its own users: [`Link::connect`]
//! returns at once even when no NATS server answers yet (async-nats keeps
//! trying in the background), and every change of [`LinkState`] is logged
//! and published on a watch channel, which the cluster layer turns into
//! NOTICEs and a re-announce when the link comes back.

use super::ClusterError;
use super::config::{ClusterConfig, NatsAuth};
use async_nats::{ConnectOptions, Event};
use std::time::Duration;
use tokio::sync::watch;

/// Whether this node can reach NATS right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkState {
    /// Not connected yet since start.
    Connecting,
    /// Connected: the cluster works.
    Up,
    /// Lost; async-nats is reconnecting. Local users are still served.
    Down,
}

/// Longest wait between two reconnect attempts.
const MAX_RECONNECT_DELAY: Duration = Duration::from_secs(5);
/// Longest a TCP connect plus handshake to one NATS server may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A live (or reconnecting) NATS connection and its state.
#[derive(Debug, Clone)]
pub struct Link {
    client: async_nats::Client,
    jetstream: async_nats::jetstream::Context,
    state: watch::Receiver<LinkState>,
}

impl Link {
    /// Connects as `node` to the servers of `config` (which must be enabled).
    /// Returns without waiting for a server: see [`Link::wait_up`].
    pub async fn connect(config: &ClusterConfig, node: &str) -> Result<Link, ClusterError> {
        let urls = config.urls();
        if urls.is_empty() {
            return Err(ClusterError::Disabled);
        }
        let (report, state) = watch::channel(LinkState::Connecting);
        let options = options(config, node, report).await?;
        let addresses: Vec<async_nats::ServerAddr> = urls
            .iter()
            .map(|url| {
                url.parse().map_err(|error| ClusterError::Url {
                    url: url.clone(),
                    reason: format!("{error}"),
                })
            })
            .collect::<Result<_, _>>()?;
        let client = options
            .connect(addresses)
            .await
            .map_err(|error| ClusterError::Connect(error.to_string()))?;
        let jetstream = async_nats::jetstream::new(client.clone());
        Ok(Link {
            client,
            jetstream,
            state,
        })
    }

    /// The core NATS client (plain publish/subscribe).
    pub fn client(&self) -> &async_nats::Client {
        &self.client
    }

    /// The JetStream context (streams, key-value).
    pub fn jetstream(&self) -> &async_nats::jetstream::Context {
        &self.jetstream
    }

    /// The current state.
    pub fn state(&self) -> LinkState {
        *self.state.borrow()
    }

    /// A receiver that sees every change of state.
    pub fn watch(&self) -> watch::Receiver<LinkState> {
        self.state.clone()
    }

    /// Waits until the link is up (at most `timeout`); whether it is.
    pub async fn wait_up(&self, timeout: Duration) -> bool {
        let mut state = self.state.clone();
        tokio::time::timeout(timeout, state.wait_for(|state| *state == LinkState::Up))
            .await
            .is_ok_and(|result| result.is_ok())
    }

    /// Sends everything published so far and closes the connection.
    pub async fn close(self) {
        if let Err(error) = self.client.drain().await {
            tracing::debug!(%error, "cluster: draining the NATS connection failed");
        }
    }
}

async fn options(
    config: &ClusterConfig,
    node: &str,
    report: watch::Sender<LinkState>,
) -> Result<ConnectOptions, ClusterError> {
    let mut options = ConnectOptions::new()
        .name(format!("natterd {node}"))
        .retry_on_initial_connect()
        .max_reconnects(None)
        .connection_timeout(CONNECT_TIMEOUT)
        .ping_interval(config.heartbeat.max(Duration::from_secs(1)))
        .reconnect_delay_callback(reconnect_delay)
        .event_callback(move |event| {
            let report = report.clone();
            async move { on_event(&report, event) }
        });
    options = match config.auth() {
        NatsAuth::None => options,
        NatsAuth::UserPassword { user, password } => options.user_and_password(user, password),
        NatsAuth::Token(token) => options.token(token),
        NatsAuth::NkeySeedFile(path) => options.nkey(read_seed(&path)?),
    };
    if config.requires_tls() {
        options = options.require_tls(true);
    }
    if let Some(ca) = &config.ca_file {
        if !ca.is_file() {
            return Err(ClusterError::File {
                key: "cluster.ca_file",
                path: ca.clone(),
                reason: "no such file".into(),
            });
        }
        options = options.add_root_certificates(ca.clone());
    }
    Ok(options)
}

/// 100 ms, doubling, at most [`MAX_RECONNECT_DELAY`].
fn reconnect_delay(attempts: usize) -> Duration {
    let exponent = u32::try_from(attempts.min(16)).unwrap_or(16);
    (Duration::from_millis(100) * 2u32.saturating_pow(exponent)).min(MAX_RECONNECT_DELAY)
}

/// Reads an nkey seed file and checks it is a user seed, so a wrong file is
/// an error at start naming it rather than an endless reconnect loop.
fn read_seed(path: &std::path::Path) -> Result<String, ClusterError> {
    let refused = |reason: String| ClusterError::File {
        key: "cluster.nkey_seed_file",
        path: path.to_path_buf(),
        reason,
    };
    let text = std::fs::read_to_string(path).map_err(|error| refused(error.to_string()))?;
    let seed = text
        .lines()
        .map(str::trim)
        .find(|line| line.starts_with("SU"))
        .ok_or_else(|| refused("holds no user nkey seed (a line starting with SU)".into()))?;
    nkeys::KeyPair::from_seed(seed).map_err(|error| refused(format!("bad nkey seed: {error}")))?;
    Ok(seed.to_string())
}

fn on_event(report: &watch::Sender<LinkState>, event: Event) {
    match event {
        Event::Connected => {
            tracing::info!("cluster: connected to NATS");
            report.send_replace(LinkState::Up);
        }
        Event::Disconnected => {
            tracing::warn!(
                "cluster: lost NATS; serving local users only until it is back (reconnecting)"
            );
            report.send_replace(LinkState::Down);
        }
        Event::Closed => {
            report.send_replace(LinkState::Down);
        }
        Event::LameDuckMode => {
            tracing::warn!(
                "cluster: the NATS server is shutting down (lame duck mode); moving to another when it goes"
            );
        }
        Event::SlowConsumer(subscription) => {
            crate::warn_throttled!(
                subscription,
                "cluster: NATS dropped messages for a slow subscription"
            );
        }
        Event::ServerError(error) => {
            crate::warn_throttled!(%error, "cluster: NATS server error");
        }
        Event::ClientError(error) => {
            crate::warn_throttled!(%error, "cluster: NATS client error");
        }
        Event::Draining => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reconnect_backs_off_to_a_ceiling() {
        assert_eq!(reconnect_delay(0), Duration::from_millis(100));
        assert_eq!(reconnect_delay(1), Duration::from_millis(200));
        assert_eq!(reconnect_delay(5), Duration::from_millis(3200));
        assert_eq!(reconnect_delay(6), MAX_RECONNECT_DELAY);
        assert_eq!(reconnect_delay(usize::MAX), MAX_RECONNECT_DELAY);
    }

    #[test]
    fn seed_files_are_checked_up_front() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nats.nk");
        std::fs::write(&path, "not a seed\n").unwrap();
        let error = read_seed(&path).unwrap_err().to_string();
        assert!(
            error.contains("cluster.nkey_seed_file") && error.contains("nats.nk"),
            "{error}"
        );
        let pair = nkeys::KeyPair::new_user();
        std::fs::write(&path, format!("# comment\n{}\n", pair.seed().unwrap())).unwrap();
        assert_eq!(read_seed(&path).unwrap(), pair.seed().unwrap());
        let missing = read_seed(&dir.path().join("nope")).unwrap_err().to_string();
        assert!(missing.contains("nope"), "{missing}");
    }
}
