//! The per-connection loop shared by both dialects: read framed lines, pace
//! them through flood control, enforce registration and ping timeouts, stop on
//! shutdown, and leave the hub cleanly whatever ends the connection.

use crate::context::Context;
use crate::hub::client::ClientId;
use crate::net::codec::{Inbound, LineCodec};
use crate::net::flood::TokenBucket;
use crate::net::outbound::Outbound;
use bytes::Bytes;
use futures::StreamExt;
use natter_protocol::Message;
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::io::AsyncRead;
use tokio::time::{Instant, sleep_until};
use tokio_util::codec::FramedRead;
use tokio_util::sync::CancellationToken;

/// What a handler wants after a line.
#[derive(Debug)]
pub enum Flow {
    /// Keep going.
    Continue,
    /// End the connection.
    Close(Close),
}

/// Why a connection ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Close {
    /// The client said goodbye (QUIT, `exit`), with its message.
    Quit(String),
    /// The client closed the connection.
    ConnectionClosed,
    /// Reading failed.
    ReadError(String),
    /// No answer to our PING.
    PingTimeout(Duration),
    /// Never registered in time.
    RegistrationTimeout,
    /// Flood control's queue overflowed.
    ExcessFlood,
    /// The server is stopping.
    Shutdown,
    /// A wrong server password.
    BadPassword,
    /// The hub already dropped this client (e.g. SendQ exceeded) and sent its ERROR.
    Killed,
}

impl Close {
    /// The reason other users see in the QUIT.
    pub fn quit_reason(&self) -> String {
        match self {
            Close::Quit(message) if message.is_empty() => "Quit".to_string(),
            Close::Quit(message) => format!("Quit: {message}"),
            Close::ConnectionClosed => "Connection closed".to_string(),
            Close::ReadError(error) => format!("Read error: {error}"),
            Close::PingTimeout(waited) => format!("Ping timeout: {} seconds", waited.as_secs()),
            Close::RegistrationTimeout => "Registration timed out".to_string(),
            Close::ExcessFlood => "Excess Flood".to_string(),
            Close::Shutdown => "Server shutting down".to_string(),
            Close::BadPassword => "Bad password".to_string(),
            Close::Killed => "Killed".to_string(),
        }
    }
}

/// A dialect's side of a connection.
// Implemented only by this crate's two dialects and used with concrete types,
// so the futures' auto traits are known where they are spawned.
#[allow(async_fn_in_trait)]
pub trait LineHandler {
    /// Handles one complete line (raw bytes; UTF-8 is the handler's to check).
    /// Async so a command may wait for history without blocking other clients.
    async fn handle_line(&mut self, connection: &mut Connection, line: &[u8]) -> Flow;
    /// Tells the client its line was too long (IRC 417); the connection lives on.
    fn handle_too_long(&mut self, connection: &mut Connection);
    /// Whether the client has registered (chosen a nickname).
    fn is_registered(&self) -> bool;
    /// Whether the client can answer PING (IRC can; a person at nc cannot).
    fn answers_ping(&self) -> bool;
    /// Sends a PING.
    fn send_ping(&mut self, connection: &mut Connection);
}

/// One client connection: where to write, who it is, and what can stop it.
#[derive(Debug)]
pub struct Connection {
    /// Shared server state.
    pub context: Arc<Context>,
    /// The peer's address.
    pub peer: SocketAddr,
    /// This connection's client id (used once registered).
    pub id: ClientId,
    /// The outbound queue.
    pub outbound: Arc<Outbound>,
    /// Server shutdown.
    pub shutdown: CancellationToken,
    /// Cancelled by the hub when it drops this client.
    pub kill: CancellationToken,
    /// When the connection was accepted: registration must finish within the timeout from here.
    pub connected_at: Instant,
    registered: bool,
}

/// A time far enough away to mean "never".
fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(86400 * 365)
}

impl Connection {
    /// A new, unregistered connection.
    pub fn new(
        context: Arc<Context>,
        peer: SocketAddr,
        outbound: Arc<Outbound>,
        shutdown: CancellationToken,
    ) -> Connection {
        let id = context.next_client_id();
        Connection {
            context,
            peer,
            id,
            outbound,
            shutdown,
            kill: CancellationToken::new(),
            connected_at: Instant::now(),
            registered: false,
        }
    }

    /// The host other users see: the peer's IP address.
    pub fn host(&self) -> String {
        let ip = self.peer.ip().to_canonical().to_string();
        // A leading ':' would break the IRC prefix syntax.
        if ip.starts_with(':') {
            format!("0{ip}")
        } else {
            ip
        }
    }

    /// Queues bytes for the client; a client that overflows its own queue is dropped.
    pub fn send_raw(&mut self, bytes: Bytes) {
        if self.outbound.push(bytes).is_err() {
            if self.registered {
                let id = self.id;
                self.context
                    .hub
                    .with(|hub| hub.drop_client(id, "SendQ exceeded"));
            } else {
                let error = Message::new("ERROR").with_param("SendQ exceeded");
                self.outbound.close(Some(Bytes::from(error.to_wire())));
                self.kill.cancel();
            }
        }
    }

    /// Queues one IRC message.
    pub fn send(&mut self, message: &Message) {
        self.send_raw(Bytes::from(message.to_wire()));
    }

    /// Sends `ERROR :<reason>` as the last line and closes.
    pub fn send_error(&mut self, reason: &str) {
        let error = Message::new("ERROR").with_param(reason);
        self.outbound.close(Some(Bytes::from(error.to_wire())));
    }

    /// Records that the client registered: it is now in the hub.
    pub fn mark_registered(&mut self) {
        if !self.registered {
            self.registered = true;
            self.context.unregistered.fetch_sub(1, Ordering::Relaxed);
        }
    }

    /// Whether [`Connection::mark_registered`] was called.
    pub fn counted_as_registered(&self) -> bool {
        self.registered
    }

    /// Runs `handler` over the connection's lines until something ends it.
    pub async fn drive<R, H>(
        &mut self,
        lines: &mut FramedRead<R, LineCodec>,
        handler: &mut H,
        first: Bytes,
    ) where
        R: AsyncRead + Unpin,
        H: LineHandler,
    {
        let close = self.run_loop(lines, handler, first).await;
        self.finish(handler, close);
    }

    async fn run_loop<R, H>(
        &mut self,
        lines: &mut FramedRead<R, LineCodec>,
        handler: &mut H,
        first: Bytes,
    ) -> Close
    where
        R: AsyncRead + Unpin,
        H: LineHandler,
    {
        let limits = self.context.config.limits.clone();
        let mut bucket = TokenBucket::new(limits.flood_burst, limits.flood_rate);
        let mut queued: VecDeque<Inbound> = VecDeque::from([Inbound::Line(first)]);
        let registration_deadline = self.connected_at + limits.registration_timeout;
        let mut last_heard = Instant::now();
        let mut ping_sent_at: Option<Instant> = None;
        let mut at_eof = false;
        loop {
            while !queued.is_empty() && bucket.try_take(Instant::now()) {
                let flow = match queued.pop_front() {
                    Some(Inbound::Line(line)) => handler.handle_line(self, &line).await,
                    Some(Inbound::TooLong) => {
                        handler.handle_too_long(self);
                        Flow::Continue
                    }
                    None => Flow::Continue,
                };
                if let Flow::Close(close) = flow {
                    return close;
                }
                if self.kill.is_cancelled() {
                    return Close::Killed;
                }
            }
            if at_eof && queued.is_empty() {
                return Close::ConnectionClosed;
            }
            let flood_wake =
                (!queued.is_empty()).then(|| Instant::now() + bucket.wait_time(Instant::now()));
            let liveness = if !handler.is_registered() {
                registration_deadline
            } else if !handler.answers_ping() {
                far_future()
            } else if let Some(sent) = ping_sent_at {
                sent + limits.ping_timeout
            } else {
                last_heard + limits.ping_interval
            };
            tokio::select! {
                _ = self.shutdown.cancelled() => return Close::Shutdown,
                _ = self.kill.cancelled() => return Close::Killed,
                item = lines.next(), if !at_eof => match item {
                    Some(Ok(inbound)) => {
                        last_heard = Instant::now();
                        ping_sent_at = None;
                        queued.push_back(inbound);
                        if queued.len() > limits.flood_max_queued {
                            return Close::ExcessFlood;
                        }
                    }
                    Some(Err(error)) => return Close::ReadError(error.to_string()),
                    None => at_eof = true,
                },
                _ = sleep_until(flood_wake.unwrap_or_else(far_future)), if flood_wake.is_some() => {}
                _ = sleep_until(liveness) => {
                    if !handler.is_registered() {
                        return Close::RegistrationTimeout;
                    }
                    match ping_sent_at {
                        None => {
                            handler.send_ping(self);
                            ping_sent_at = Some(Instant::now());
                        }
                        Some(_) => return Close::PingTimeout(last_heard.elapsed()),
                    }
                }
            }
        }
    }

    /// Leaves the hub and sends the final ERROR line.
    fn finish<H: LineHandler>(&mut self, handler: &H, close: Close) {
        tracing::info!(peer = %self.peer, client = self.id, reason = %close.quit_reason(), "disconnecting");
        if close == Close::Killed {
            return;
        }
        let reason = close.quit_reason();
        if handler.is_registered() {
            let id = self.id;
            self.context.hub.with(|hub| hub.quit(id, &reason));
        }
        let error = match &close {
            Close::Quit(_) => format!("Closing Link: {} ({reason})", self.host()),
            _ => reason,
        };
        self.send_error(&error);
    }
}
