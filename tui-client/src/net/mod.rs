//! The network task: connects, registers, forwards every server line to the
//! app channel, writes what the app sends (paced so a paste cannot flood),
//! answers PING, and reconnects with exponential backoff and jitter.
//! IRCv3 STS (see [`sts`]) moves a plaintext connection to TLS: when the
//! server asks, and at every attempt while a stored policy says so.
//!
//! One idea per file: this one is the reconnect loop and what the app
//! configures and commands; `backoff` the retry delays, `dial` dialling
//! (and the TLS handshake) up to a session, `session` one live
//! connection, `offline` obeying the app while not connected, and
//! `sts_keeper` a TLS connection's STS policy.

mod backoff;
pub mod client_cert;
pub mod codec;
mod dial;
pub mod handshake;
pub mod known_servers;
mod offline;
pub mod pacer;
pub mod registration;
mod session;
pub mod sts;
mod sts_keeper;
pub mod tls;

use std::time::Duration;

use chrono::Utc;
use natter_protocol::{Fingerprint, Message};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::mpsc;

use crate::event::{AppEvent, NetEvent, StsNews};
use dial::connect_and_serve;
use offline::{stop_until_resumed, while_offline};
use registration::Identity;

pub use backoff::backoff_delay;

/// Where to connect and as whom.
#[derive(Debug, Clone)]
pub struct NetConfig {
    /// Host name or address.
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// Registration details.
    pub identity: Identity,
    /// How long a server that accepted the connection may take to answer
    /// the registration before we give up on it ([`REGISTRATION_TIMEOUT`]).
    pub registration_timeout: Duration,
    /// TLS and how to trust the server's certificate; `None` for plaintext.
    pub tls: Option<tls::TlsSettings>,
    /// Where IRCv3 STS policies are kept and looked up; `None` keeps none
    /// (a server's request to upgrade is still followed for this run).
    pub sts: Option<sts::StsPolicies>,
}

/// The read half of a connection, plaintext or TLS.
type Reader = Box<dyn AsyncRead + Send + Unpin>;
/// The write half of a connection, plaintext or TLS.
type Writer = Box<dyn AsyncWrite + Send + Unpin>;

impl NetConfig {
    /// `host:port` for messages (IPv6 addresses in brackets).
    pub fn address(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// Switches to TLS on `port` (an STS upgrade); certificates are trusted
    /// as for any TLS connection, with known_servers beside the policies.
    fn upgrade_to_tls(&mut self, port: u16) {
        self.port = port;
        if self.tls.is_none() {
            let known = match &self.sts {
                Some(policies) => policies.known_servers(),
                None => known_servers::KnownServers::at(
                    known_servers::default_path()
                        .unwrap_or_else(|| std::path::PathBuf::from("known_servers")),
                ),
            };
            self.tls = Some(tls::TlsSettings {
                known,
                accept: None,
                once: None,
            });
        }
    }

    /// On plaintext with a live stored policy for the host: switches to
    /// TLS and says so. A policy file that cannot be read is an error:
    /// guessing could mean speaking in clear to a host that forbade it.
    fn apply_stored_policy(&mut self) -> Result<Option<StsNews>, String> {
        let Some(policies) = self.sts.as_ref().filter(|_| self.tls.is_none()) else {
            return Ok(None);
        };
        let policy = policies.lookup(&self.host, Utc::now()).map_err(|error| {
            format!(
                "cannot read the STS policies: {error} (fix or delete that line; natter will \
                 not guess whether the host must be reached over TLS)"
            )
        })?;
        let Some(policy) = policy else {
            return Ok(None);
        };
        let from = self.address();
        self.upgrade_to_tls(policy.port);
        Ok(Some(StsNews::Remembered {
            from,
            to: self.address(),
            until: policy.expires,
        }))
    }
}

/// What the app asks of the network task.
#[derive(Debug, Clone)]
pub enum NetCommand {
    /// Send a message (dropped while disconnected; the app checks first).
    Send(Message),
    /// Register with this nick after a reconnect.
    SetNick(String),
    /// Send QUIT with this reason and stop.
    Quit(String),
    /// Try again after a permanent failure (the user typed /reconnect).
    Reconnect,
    /// The user accepted the certificate it was shown: connect again
    /// trusting it, and keep it in known_servers when `remember`.
    Trust {
        /// SHA-256 of the accepted certificate.
        fingerprint: Fingerprint,
        /// Keep it for later runs too.
        remember: bool,
    },
}

/// How long a TCP connect may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a server that accepted the connection may take to register us.
pub const REGISTRATION_TIMEOUT: Duration = Duration::from_secs(30);

enum Outcome {
    /// The user quit: stop.
    Quit,
    /// The app is gone: stop.
    AppGone,
    /// The connection failed or dropped.
    Lost { reason: String, registered: bool },
    /// Retrying cannot help (unknown host, TLS spoken to in clear): wait
    /// for the user to ask.
    Failed { reason: String },
    /// A certificate nobody vouched for: wait for the user's verdict.
    Untrusted(Fingerprint),
    /// The plaintext server asked for TLS on this port (IRCv3 STS).
    Upgrade {
        /// The TLS port.
        port: u16,
    },
}

/// Runs until the user quits or the app goes away.
pub async fn run(
    mut config: NetConfig,
    app: mpsc::Sender<AppEvent>,
    mut commands: mpsc::Receiver<NetCommand>,
) {
    let mut address = config.address();
    let mut identity = config.identity.clone();
    let mut failures = 0;
    let mut attempt = 0;
    loop {
        let news = match config.apply_stored_policy() {
            Ok(news) => news,
            Err(reason) => {
                let event = NetEvent::Failed { reason };
                if !stop_until_resumed(event, &mut config, &app, &mut identity, &mut commands).await
                {
                    return;
                }
                continue;
            }
        };
        if let Some(news) = news {
            address = config.address();
            tracing::info!(%address, "STS policy: connecting with TLS");
            if app.send(AppEvent::Net(NetEvent::Sts(news))).await.is_err() {
                return;
            }
        }
        attempt += 1;
        tracing::info!(%address, attempt, "connecting");
        let event = NetEvent::Connecting {
            address: address.clone(),
            attempt,
        };
        if app.send(AppEvent::Net(event)).await.is_err() {
            return;
        }
        let Some(outcome) =
            connect_and_serve(&config, &address, &mut identity, &app, &mut commands).await
        else {
            return;
        };
        let reason = match outcome {
            Outcome::Quit | Outcome::AppGone => return,
            Outcome::Failed { reason } => {
                tracing::warn!(%reason, "cannot connect; waiting for /reconnect");
                let event = NetEvent::Failed { reason };
                if !stop_until_resumed(event, &mut config, &app, &mut identity, &mut commands).await
                {
                    return;
                }
                failures = 0;
                attempt = 0;
                continue;
            }
            Outcome::Untrusted(fingerprint) => {
                tracing::warn!(%address, %fingerprint, "certificate not trusted yet; asking");
                let event = untrusted(&config, &address, fingerprint);
                if !stop_until_resumed(event, &mut config, &app, &mut identity, &mut commands).await
                {
                    return;
                }
                failures = 0;
                attempt = 0;
                continue;
            }
            Outcome::Upgrade { port } => {
                let from = std::mem::take(&mut address);
                config.upgrade_to_tls(port);
                address = config.address();
                if !announce_upgrade(from, &address, &app).await {
                    return;
                }
                failures = 0;
                attempt = 0;
                continue;
            }
            Outcome::Lost { reason, registered } => {
                if registered {
                    failures = 0;
                    attempt = 0;
                }
                reason
            }
        };
        failures += 1;
        if !wait_to_retry(failures, reason, &app, &mut identity, &mut commands).await {
            return;
        }
    }
}

/// What to ask the user about a certificate of `address` nobody vouched for.
fn untrusted(config: &NetConfig, address: &str, fingerprint: Fingerprint) -> NetEvent {
    let known_file = config
        .tls
        .as_ref()
        .map(|tls| tls.known.path().to_path_buf())
        .unwrap_or_default();
    NetEvent::Untrusted {
        address: address.to_owned(),
        fingerprint,
        known_file,
    }
}

/// Tells the app that STS moved the connection from `from` to `to`; false
/// when the app is gone.
async fn announce_upgrade(from: String, to: &str, app: &mpsc::Sender<AppEvent>) -> bool {
    tracing::info!(%from, %to, "STS upgrade to TLS");
    let news = StsNews::Upgrade {
        from,
        to: to.to_owned(),
    };
    app.send(AppEvent::Net(NetEvent::Sts(news))).await.is_ok()
}

/// After the `failures`-th failure in a row: tells the app why and when the
/// next attempt is, and waits for it (serving the app's requests offline);
/// false when the app is gone or the user quit.
async fn wait_to_retry(
    failures: u32,
    reason: String,
    app: &mpsc::Sender<AppEvent>,
    identity: &mut Identity,
    commands: &mut mpsc::Receiver<NetCommand>,
) -> bool {
    let delay = backoff_delay(failures);
    tracing::info!(%reason, retry_in = ?delay, "disconnected");
    let retry_at = Utc::now() + chrono::Duration::from_std(delay).unwrap_or_default();
    let event = NetEvent::Disconnected { reason, retry_at };
    if app.send(AppEvent::Net(event)).await.is_err() {
        return false;
    }
    let wait = tokio::time::sleep(delay);
    while_offline(wait, identity, commands).await.is_some()
}
