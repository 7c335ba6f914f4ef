//! The network task: connects, registers, forwards every server line to the
//! app channel, writes what the app sends (paced so a paste cannot flood),
//! answers PING, and reconnects with exponential backoff and jitter.
//! IRCv3 STS (see [`sts`]) moves a plaintext connection to TLS: when the
//! server asks, and at every attempt while a stored policy says so.

pub mod client_cert;
pub mod codec;
pub mod handshake;
pub mod known_servers;
pub mod pacer;
pub mod registration;
pub mod sts;
pub mod tls;

use std::time::Duration;

use chrono::Utc;
use futures::StreamExt;
use natter_protocol::{Fingerprint, Message};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::codec::FramedRead;

use crate::event::{AppEvent, NetEvent, StsNews};
use codec::{Incoming, LineDecoder};
use handshake::HandshakeError;
use pacer::Pacer;
use registration::{Identity, Registration, StsRequest, Transport};

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

/// First retry delay.
const BACKOFF_START: Duration = Duration::from_secs(1);
/// Longest retry delay.
const BACKOFF_MAX: Duration = Duration::from_secs(60);
/// How long a TCP connect may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a server that accepted the connection may take to register us.
pub const REGISTRATION_TIMEOUT: Duration = Duration::from_secs(30);
/// Silence after which we PING the server ourselves.
const IDLE_PING: Duration = Duration::from_secs(120);
/// Silence after which the connection counts as dead.
const IDLE_DEAD: Duration = Duration::from_secs(240);
/// How long a plaintext connection holds PASS/NICK/USER back waiting for
/// the server's capability list (a server that ignores CAP never sends one).
const CAP_LS_PATIENCE: Duration = Duration::from_secs(5);

/// Delay before retry number `failures` (1 = first retry): doubling from
/// about 1 s, capped near 60 s, with ±20% jitter so clients of a restarted
/// server do not all come back in the same instant.
pub fn backoff_delay(failures: u32) -> Duration {
    let exponent = failures.saturating_sub(1).min(16);
    let base = BACKOFF_START
        .saturating_mul(1u32 << exponent)
        .min(BACKOFF_MAX);
    let jitter = 0.8 + fastrand::f64() * 0.4;
    base.mul_f64(jitter)
}

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

/// How the user lets a stopped network task go on.
enum Resume {
    /// /reconnect: try again as before.
    Retry,
    /// Trust this certificate (and keep it when `remember`).
    Trust {
        fingerprint: Fingerprint,
        remember: bool,
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
                let known_file = config
                    .tls
                    .as_ref()
                    .map(|tls| tls.known.path().to_path_buf())
                    .unwrap_or_default();
                let event = NetEvent::Untrusted {
                    address: address.clone(),
                    fingerprint,
                    known_file,
                };
                if !stop_until_resumed(event, &mut config, &app, &mut identity, &mut commands).await
                {
                    return;
                }
                failures = 0;
                attempt = 0;
                continue;
            }
            Outcome::Upgrade { port } => {
                let from = address.clone();
                config.upgrade_to_tls(port);
                address = config.address();
                tracing::info!(%from, to = %address, "STS upgrade to TLS");
                let news = StsNews::Upgrade {
                    from,
                    to: address.clone(),
                };
                if app.send(AppEvent::Net(NetEvent::Sts(news))).await.is_err() {
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
        let delay = backoff_delay(failures);
        tracing::info!(%reason, retry_in = ?delay, "disconnected");
        let retry_at = Utc::now() + chrono::Duration::from_std(delay).unwrap_or_default();
        let event = NetEvent::Disconnected { reason, retry_at };
        if app.send(AppEvent::Net(event)).await.is_err() {
            return;
        }
        let wait = tokio::time::sleep(delay);
        if while_offline(wait, &mut identity, &mut commands)
            .await
            .is_none()
        {
            return;
        }
    }
}

/// Dials the server and, once connected, runs one session until it ends;
/// `None` when the user quit or the app went away while dialling.
async fn connect_and_serve(
    config: &NetConfig,
    address: &str,
    identity: &mut Identity,
    app: &mpsc::Sender<AppEvent>,
    commands: &mut mpsc::Receiver<NetCommand>,
) -> Option<Outcome> {
    let connect = tokio::time::timeout(CONNECT_TIMEOUT, dial(&config.host, config.port));
    let connected = while_offline(connect, identity, commands).await?;
    let outcome = match connected {
        Ok(Err(Dial::UnknownHost(error))) => Outcome::Failed {
            reason: format!(
                "cannot find the host {} ({error}): check the name, or pass an address",
                config.host
            ),
        },
        Ok(Err(Dial::Connect(error))) => Outcome::Lost {
            reason: describe_connect_error(&error, address),
            registered: false,
        },
        Ok(Ok(stream)) => {
            let _ = stream.set_nodelay(true);
            let halves = match &config.tls {
                None => {
                    let (reader, writer) = stream.into_split();
                    (Box::new(reader) as Reader, Box::new(writer) as Writer)
                }
                Some(settings) => {
                    let client_cert = identity.client_cert.clone();
                    let handshake = handshake::secure(
                        stream,
                        &config.host,
                        address,
                        settings,
                        client_cert.as_ref(),
                    );
                    match while_offline(handshake, identity, commands).await? {
                        Ok(halves) => halves,
                        Err(HandshakeError::Untrusted(fingerprint)) => {
                            return Some(Outcome::Untrusted(fingerprint));
                        }
                        Err(HandshakeError::Permanent(reason)) => {
                            return Some(Outcome::Failed { reason });
                        }
                        Err(HandshakeError::Transient(reason)) => {
                            return Some(Outcome::Lost {
                                reason,
                                registered: false,
                            });
                        }
                    }
                }
            };
            tracing::info!(%address, tls = config.tls.is_some(), "connected; registering");
            let event = NetEvent::Connected {
                address: address.to_owned(),
            };
            if app.send(AppEvent::Net(event)).await.is_err() {
                return None;
            }
            session(halves, config, identity, app, commands).await
        }
        Err(_) => Outcome::Lost {
            reason: format!(
                "no answer from {address} within {} s",
                CONNECT_TIMEOUT.as_secs()
            ),
            registered: false,
        },
    };
    Some(outcome)
}

/// Runs `work` (dialling or waiting to retry) while still obeying the app:
/// a nick change is remembered, lines to send are dropped (the app does not
/// send while offline), and quitting returns `None` at once.
async fn while_offline<F: std::future::Future>(
    work: F,
    identity: &mut Identity,
    commands: &mut mpsc::Receiver<NetCommand>,
) -> Option<F::Output> {
    tokio::pin!(work);
    loop {
        tokio::select! {
            output = &mut work => return Some(output),
            command = commands.recv() => match command {
                None | Some(NetCommand::Quit(_)) => return None,
                Some(NetCommand::SetNick(nick)) => identity.nick = nick,
                Some(NetCommand::Send(_) | NetCommand::Reconnect | NetCommand::Trust { .. }) => {}
            },
        }
    }
}

/// Why dialling failed: a name that does not resolve is the user's to fix;
/// a refused or unreachable address may come back.
enum Dial {
    UnknownHost(std::io::Error),
    Connect(std::io::Error),
}

async fn dial(host: &str, port: u16) -> Result<TcpStream, Dial> {
    let addresses: Vec<std::net::SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(Dial::UnknownHost)?
        .collect();
    TcpStream::connect(&addresses[..])
        .await
        .map_err(Dial::Connect)
}

/// Reports `event` (a permanent failure or an untrusted certificate) and
/// waits for the user: true to connect again (with a trusted certificate
/// applied to `config`), false when the user quit or the app is gone.
async fn stop_until_resumed(
    event: NetEvent,
    config: &mut NetConfig,
    app: &mpsc::Sender<AppEvent>,
    identity: &mut Identity,
    commands: &mut mpsc::Receiver<NetCommand>,
) -> bool {
    if app.send(AppEvent::Net(event)).await.is_err() {
        return false;
    }
    loop {
        match until_resumed(identity, commands).await {
            None => return false,
            Some(Resume::Retry) => return true,
            Some(Resume::Trust {
                fingerprint,
                remember,
            }) => {
                let address = config.address();
                let Some(tls) = config.tls.as_mut() else {
                    return true;
                };
                tls.once = Some(fingerprint);
                if !remember {
                    return true;
                }
                match tls.known.remember(&address, &fingerprint) {
                    Ok(()) => {
                        tracing::info!(%address, %fingerprint, "certificate fingerprint remembered");
                        return true;
                    }
                    Err(error) => {
                        let reason = format!(
                            "cannot keep the certificate fingerprint: {error}. Fix that, or \
                             accept the certificate for this session only"
                        );
                        tls.once = None;
                        let event = NetEvent::Failed { reason };
                        if app.send(AppEvent::Net(event)).await.is_err() {
                            return false;
                        }
                    }
                }
            }
        }
    }
}

/// After a permanent failure: waits until the user asks to go on, or
/// quits (`None`), remembering nick changes meanwhile.
async fn until_resumed(
    identity: &mut Identity,
    commands: &mut mpsc::Receiver<NetCommand>,
) -> Option<Resume> {
    loop {
        match commands.recv().await {
            None | Some(NetCommand::Quit(_)) => return None,
            Some(NetCommand::Reconnect) => return Some(Resume::Retry),
            Some(NetCommand::Trust {
                fingerprint,
                remember,
            }) => {
                return Some(Resume::Trust {
                    fingerprint,
                    remember,
                });
            }
            Some(NetCommand::SetNick(nick)) => identity.nick = nick,
            Some(NetCommand::Send(_)) => {}
        }
    }
}

fn describe_connect_error(error: &std::io::Error, address: &str) -> String {
    match error.kind() {
        std::io::ErrorKind::ConnectionRefused => {
            format!("connection to {address} refused (no server listening there)")
        }
        _ => format!("cannot connect to {address}: {error}"),
    }
}

async fn write_all(writer: &mut Writer, messages: &[Message]) -> std::io::Result<()> {
    if messages.is_empty() {
        return Ok(());
    }
    let mut bytes = String::new();
    for message in messages {
        bytes.push_str(&message.to_wire());
    }
    writer.write_all(bytes.as_bytes()).await?;
    // A TLS stream may hold written bytes until flushed.
    writer.flush().await
}

/// One live connection: the write half, registration progress, pacing and
/// liveness bookkeeping.
struct Connection {
    writer: Writer,
    registration: Registration,
    pacer: Pacer,
    last_heard: Instant,
    pinged: bool,
    server_error: Option<String>,
}

/// What a step of the connection loop decided.
type Step = Result<(), Outcome>;

impl Connection {
    fn lost(&self, reason: String) -> Outcome {
        Outcome::Lost {
            reason,
            registered: self.registration.registered,
        }
    }

    async fn write(&mut self, messages: &[Message]) -> Step {
        match write_all(&mut self.writer, messages).await {
            Ok(()) => Ok(()),
            Err(error) => Err(self.lost(format!("write failed: {error}"))),
        }
    }

    /// A line from the server: registration replies go out, the rest goes to the app.
    async fn on_line(
        &mut self,
        line: Option<std::io::Result<Incoming>>,
        app: &mpsc::Sender<AppEvent>,
    ) -> Step {
        let text = match line {
            Some(Ok(Incoming::Line(text))) => text,
            Some(Ok(Incoming::Overlong)) => return Ok(()),
            Some(Ok(Incoming::Tls)) => {
                return Err(Outcome::Failed {
                    reason: "the server answered in TLS: this port expects an encrypted \
                             connection, not plain IRC"
                        .to_owned(),
                });
            }
            Some(Err(error)) => return Err(self.lost(format!("connection error: {error}"))),
            None => {
                let reason = match self.server_error.take() {
                    Some(error) => format!("the server closed the connection: {error}"),
                    None => "the server closed the connection".to_owned(),
                };
                return Err(self.lost(reason));
            }
        };
        self.last_heard = Instant::now();
        self.pinged = false;
        let Ok(message) = Message::parse(&text) else {
            return Ok(());
        };
        tracing::debug!(command = %message.command, "received");
        let was_registered = self.registration.registered;
        let replies = self.registration.on_message(&message);
        if self.registration.registered && !was_registered {
            tracing::info!("registered");
        }
        self.write(&replies).await?;
        for note in self.registration.take_notes() {
            app.send(AppEvent::Net(NetEvent::LoginNote(note)))
                .await
                .map_err(|_| Outcome::AppGone)?;
        }
        match message.command.as_str() {
            "PING" => return Ok(()),
            "ERROR" => self.server_error = message.params.last().cloned(),
            _ => {}
        }
        let event = NetEvent::Line {
            message,
            received_at: Utc::now(),
        };
        app.send(AppEvent::Net(event))
            .await
            .map_err(|_| Outcome::AppGone)
    }

    /// A request from the app.
    async fn on_command(
        &mut self,
        command: Option<NetCommand>,
        identity: &mut Identity,
        lines: &mut FramedRead<Reader, LineDecoder>,
    ) -> Step {
        match command {
            None => Err(Outcome::AppGone),
            Some(NetCommand::Send(message)) => {
                tracing::debug!(command = %message.command, "sending");
                self.pacer.take(Instant::now());
                self.write(&[message]).await
            }
            Some(NetCommand::SetNick(nick)) => {
                identity.nick.clone_from(&nick);
                self.registration.set_nick(&nick);
                Ok(())
            }
            Some(NetCommand::Reconnect | NetCommand::Trust { .. }) => Ok(()),
            Some(NetCommand::Quit(reason)) => {
                let quit = Message::new("QUIT").with_param(reason);
                if self.write(&[quit]).await.is_ok() {
                    let _ = self.writer.flush().await;
                    // Give the server a moment to close so the QUIT reason is seen.
                    let drain = async { while lines.next().await.is_some() {} };
                    let _ = tokio::time::timeout(Duration::from_secs(1), drain).await;
                }
                Err(Outcome::Quit)
            }
        }
    }

    /// Notices a silent server: PING it, then give up on it.
    async fn on_keepalive(&mut self) -> Step {
        let silent = self.last_heard.elapsed();
        if silent >= IDLE_DEAD {
            return Err(self.lost(format!(
                "no data from the server for {} s (ping timeout)",
                silent.as_secs()
            )));
        }
        if silent >= IDLE_PING && !self.pinged {
            self.pinged = true;
            let ping = Message::new("PING").with_param("natter-keepalive");
            self.write(&[ping]).await?;
        }
        Ok(())
    }
}

async fn session(
    (reader, writer): (Reader, Writer),
    config: &NetConfig,
    identity: &mut Identity,
    app: &mpsc::Sender<AppEvent>,
    commands: &mut mpsc::Receiver<NetCommand>,
) -> Outcome {
    let transport = match config.tls {
        Some(_) => Transport::Tls,
        None => Transport::Plaintext,
    };
    let mut lines = FramedRead::new(reader, LineDecoder::default());
    let mut connection = Connection {
        writer,
        registration: Registration::new(identity.clone(), transport),
        pacer: Pacer::new(),
        last_heard: Instant::now(),
        pinged: false,
        server_error: None,
    };
    let mut policy = PolicyKeeper::default();
    let start = connection.registration.start();
    if let Err(outcome) = connection.write(&start).await {
        return outcome;
    }
    let mut keepalive = tokio::time::interval(Duration::from_secs(10));
    let registration_timeout = config.registration_timeout;
    let registration_deadline = Instant::now() + registration_timeout;
    let cap_ls_deadline = Instant::now() + CAP_LS_PATIENCE;
    let outcome = loop {
        let ready = connection.pacer.ready(Instant::now());
        let next_token = connection.pacer.next_token(Instant::now());
        let step = tokio::select! {
            line = lines.next() => connection.on_line(line, app).await,
            command = commands.recv(), if ready => {
                connection.on_command(command, identity, &mut lines).await
            }
            () = tokio::time::sleep_until(next_token), if !ready => Ok(()),
            _ = keepalive.tick() => connection.on_keepalive().await,
            () = tokio::time::sleep_until(cap_ls_deadline),
                if connection.registration.holding() =>
            {
                tracing::info!("no CAP LS answer; registering without capabilities");
                let held = connection.registration.release();
                connection.write(&held).await
            }
            () = tokio::time::sleep_until(registration_deadline),
                if !connection.registration.registered =>
            {
                Err(connection.lost(format!(
                    "the server accepted the connection but did not answer the registration \
                     within {} s (is it an IRC server? a TLS port needs an encrypted connection)",
                    registration_timeout.as_secs()
                )))
            }
        };
        if let Err(outcome) = step {
            break outcome;
        }
        match connection.registration.take_sts() {
            Some(StsRequest::Upgrade(port)) => break Outcome::Upgrade { port },
            Some(StsRequest::Persist(duration)) => {
                if let Some(news) = policy.keep(config, duration)
                    && app.send(AppEvent::Net(NetEvent::Sts(news))).await.is_err()
                {
                    break Outcome::AppGone;
                }
            }
            None => {}
        }
    };
    policy.reschedule(config);
    outcome
}

/// The persistence policy of one TLS connection: stored when the server
/// states it, and its expiry moved to "duration from now" again when the
/// connection ends, as the specification asks (a connection can outlive
/// the duration it was given).
#[derive(Default)]
struct PolicyKeeper {
    duration: Option<u64>,
}

impl PolicyKeeper {
    /// Stores `duration` for this connection's host; the news for the user
    /// when there is any (a first policy, a removal, a failure).
    fn keep(&mut self, config: &NetConfig, duration: u64) -> Option<StsNews> {
        self.duration = Some(duration);
        let policies = config.sts.as_ref()?;
        match policies.store(&config.host, config.port, duration, Utc::now()) {
            Ok(sts::Stored::New) => {
                let policy = policies.lookup(&config.host, Utc::now()).ok().flatten()?;
                tracing::info!(host = %config.host, duration, "STS policy kept");
                Some(StsNews::Kept {
                    host: config.host.clone(),
                    port: policy.port,
                    until: policy.expires,
                    file: policies.path().to_path_buf(),
                })
            }
            Ok(sts::Stored::Removed) => {
                tracing::info!(host = %config.host, "STS policy removed (duration=0)");
                Some(StsNews::Removed {
                    host: config.host.clone(),
                })
            }
            Ok(sts::Stored::Refreshed | sts::Stored::Nothing) => None,
            Err(error) => {
                tracing::warn!(%error, "cannot keep the STS policy");
                Some(StsNews::NotKept {
                    reason: error.to_string(),
                })
            }
        }
    }

    /// The connection ended: the policy runs `duration` from now.
    fn reschedule(&self, config: &NetConfig) {
        let (Some(duration), Some(policies)) = (self.duration.filter(|d| *d > 0), &config.sts)
        else {
            return;
        };
        if let Err(error) = policies.store(&config.host, config.port, duration, Utc::now()) {
            tracing::warn!(%error, "cannot reschedule the STS policy");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_one_second_and_caps_near_a_minute() {
        for _ in 0..50 {
            let first = backoff_delay(1).as_secs_f64();
            assert!((0.8..=1.2).contains(&first), "{first}");
            let third = backoff_delay(3).as_secs_f64();
            assert!((3.2..=4.8).contains(&third), "{third}");
            let late = backoff_delay(30).as_secs_f64();
            assert!((48.0..=72.0).contains(&late), "{late}");
        }
    }

    #[test]
    fn backoff_has_jitter() {
        let delays: std::collections::HashSet<u128> =
            (0..20).map(|_| backoff_delay(5).as_millis()).collect();
        assert!(delays.len() > 1);
    }
}
