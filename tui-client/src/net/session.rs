//! One live connection: registration replies written back, every server
//! line forwarded to the app, the app's lines written (paced), the server
//! PINGed when silent and given up on when dead, held registration lines
//! released when the server ignores CAP, and an STS request acted on.

use std::time::Duration;

use chrono::Utc;
use futures::StreamExt;
use natter_protocol::Message;
use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::codec::FramedRead;

use super::codec::{Incoming, LineDecoder};
use super::pacer::Pacer;
use super::registration::{Identity, Registration, StsRequest, Transport};
use super::sts_keeper::PolicyKeeper;
use super::{NetCommand, NetConfig, Outcome, Reader, Writer};
use crate::event::{AppEvent, NetEvent};

/// Silence after which we PING the server ourselves.
const IDLE_PING: Duration = Duration::from_secs(120);
/// Silence after which the connection counts as dead.
const IDLE_DEAD: Duration = Duration::from_secs(240);
/// How long a plaintext connection holds PASS/NICK/USER back waiting for
/// the server's capability list (a server that ignores CAP never sends one).
const CAP_LS_PATIENCE: Duration = Duration::from_secs(5);

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
            Some(Err(error)) => return Err(self.lost(read_failure(&error))),
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

/// Runs one connection from its first line to its end.
pub(super) async fn session(
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

/// Why reading from the server failed, in words for the status line. A
/// connection cut without TLS's goodbye (the server was killed, crashed or
/// lost its network) is said as such, not as rustls's message and manual link.
fn read_failure(error: &std::io::Error) -> String {
    if error.kind() == std::io::ErrorKind::UnexpectedEof {
        "the connection was cut without a goodbye (the server stopped or the network failed)"
            .to_owned()
    } else {
        format!("connection error: {error}")
    }
}

#[cfg(test)]
mod tests {
    use super::read_failure;
    use std::io::{Error, ErrorKind};

    #[test]
    fn a_cut_tls_connection_is_said_in_words() {
        // What rustls reports when the peer closes without close_notify.
        let cut = Error::new(
            ErrorKind::UnexpectedEof,
            "peer closed connection without sending TLS close_notify: https://docs.rs/rustls/",
        );
        assert_eq!(
            read_failure(&cut),
            "the connection was cut without a goodbye (the server stopped or the network failed)"
        );
        let reset = Error::new(ErrorKind::ConnectionReset, "Connection reset by peer");
        assert_eq!(
            read_failure(&reset),
            "connection error: Connection reset by peer"
        );
    }
}
