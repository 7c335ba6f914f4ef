//! The per-connection loop shared by both dialects: read framed lines, pace
//! them through flood control, enforce registration and ping timeouts, stop on
//! shutdown, and leave the hub cleanly whatever ends the connection.

use super::{Close, Connection, Flow, RecvQueue, Wire};
use crate::context::Context;
use crate::net::codec::Inbound;
use crate::net::flood::{Refill, TokenBucket};
use crate::net::outbound::{Outbound, Stop};
use crate::net::writer::WriterEnd;
use bytes::Bytes;
use futures::StreamExt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::{Instant, sleep_until};
use tokio_util::sync::{CancellationToken, WaitForCancellationFuture};

/// A dialect's side of a connection.
// Implemented only by this crate's two dialects and used with concrete types,
// so the futures' auto traits are known where they are spawned.
#[allow(async_fn_in_trait)]
pub trait LineHandler {
    /// Handles one complete line (raw bytes; UTF-8 is the handler's to check).
    /// Async so a command may wait for history without blocking other clients.
    async fn handle_line(&mut self, connection: &mut Connection, line: &[u8]) -> Flow;
    /// Handles the line at once if it needs no waiting (the hot messages),
    /// sparing it a command future; `None`, with nothing done, hands it to
    /// [`LineHandler::handle_line`]. `batch` is when the loop started on the
    /// batch of lines this one came in (its one clock reading per batch; a
    /// message's time can be shared by the batch, see `hub::clock`).
    fn handle_line_now(
        &mut self,
        _connection: &mut Connection,
        _line: &[u8],
        _batch: std::time::Instant,
    ) -> Option<Flow> {
        None
    }
    /// Tells the client its line was too long (IRC 417); the connection lives on.
    fn handle_too_long(&mut self, connection: &mut Connection);
    /// Whether the client has registered (chosen a nickname).
    fn is_registered(&self) -> bool;
    /// Whether the client can answer PING (IRC can; a person at nc cannot).
    fn answers_ping(&self) -> bool;
    /// Sends a PING.
    fn send_ping(&mut self, connection: &mut Connection);
    /// The last line the client gets when the connection ends for `close`
    /// (`host` is its address as others see it).
    fn farewell(&self, close: &Close, host: &str) -> Bytes;
    /// Whether the command of `line` may be dropped while it waits, when
    /// the client's receive queue overflows meanwhile (it is then cut off
    /// for Excess Flood at once, not after the wait): only for a command
    /// that, once it waits, has nothing left to do that anyone but this
    /// client would miss (a join's backlog, a history read).
    fn may_abandon(&self, _line: &[u8]) -> bool {
        false
    }
}

/// The loop's side of a connection: what it shares with the server and what can stop it.
#[derive(Debug)]
pub struct Driver {
    /// Shared server state.
    pub context: Arc<Context>,
    /// Server shutdown.
    pub shutdown: CancellationToken,
    /// When the connection was accepted: registration must finish within the timeout from here.
    pub connected_at: Instant,
}

/// A time far enough away to mean "never".
fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(86400 * 365)
}

/// Why the loop must stop, once it must: the hub killed the client, or the
/// server is shutting down (said by the client's queue once it registered,
/// by the server's token through `registering` before).
fn poll_stop(
    cx: &mut std::task::Context<'_>,
    outbound: &Outbound,
    registering: &mut Option<Pin<Box<WaitForCancellationFuture<'_>>>>,
) -> Poll<Close> {
    if let Poll::Ready(stop) = outbound.poll_stop(cx) {
        return Poll::Ready(match stop {
            Stop::Killed => Close::Killed,
            Stop::ShutDown => Close::Shutdown,
        });
    }
    match registering.as_mut().map(|wait| wait.as_mut().poll(cx)) {
        Some(Poll::Ready(())) => Poll::Ready(Close::Shutdown),
        _ => Poll::Pending,
    }
}

/// How often a registering connection re-checks its (shrinking) deadline.
const REGISTRATION_RECHECK: Duration = Duration::from_secs(1);

impl Driver {
    /// The loop for a connection accepted now.
    pub fn new(context: Arc<Context>, shutdown: CancellationToken) -> Driver {
        Driver {
            context,
            shutdown,
            connected_at: Instant::now(),
        }
    }

    /// The server's limits. Looked up where used rather than kept in a
    /// local: every local the loop keeps is in every idle connection's state.
    fn limits(&self) -> &crate::config::LimitsConfig {
        &self.context.config.limits
    }

    /// How flood control refills (the same for every connection).
    fn refill(&self) -> Refill {
        Refill::new(self.limits().flood_burst, self.limits().flood_rate)
    }

    /// When an unregistered connection must have registered, as things stand now.
    pub fn registration_deadline(&self) -> Instant {
        self.connected_at + self.context.admission.registration_timeout()
    }

    /// Runs `handler` over the connection's lines until something ends it,
    /// and says why; then call [`finish`](Self::finish). (Two calls rather
    /// than one `async fn` around both: a wrapper would keep a second copy of
    /// the arguments in every idle connection's state.) Not an `async fn`
    /// itself for the same reason: an `async fn` keeps its arguments and the
    /// locals bound from them side by side.
    // Deliberately not the `async fn` clippy suggests (see above).
    #[allow(clippy::manual_async_fn)]
    pub fn run_loop<'a, R, W, H>(
        &'a self,
        connection: &'a mut Connection,
        wire: &'a mut Wire<R, W>,
        handler: &'a mut H,
        queued: &'a mut RecvQueue,
    ) -> impl Future<Output = Close> + 'a
    where
        R: AsyncRead + Unpin,
        W: AsyncWrite + Unpin,
        H: LineHandler,
    {
        async move {
            // Its own handle on the queue, for writing while a command (which
            // borrows the connection) runs; kept here rather than in the wire,
            // which is in the task whether or not a dialect runs.
            let outbound = connection.outbound.clone();
            let mut bucket = TokenBucket::new(self.refill());
            let mut last_heard = Instant::now();
            // The wait on the server's shutdown while the client registers,
            // boxed and dropped at registration: a registered client is told
            // through its queue instead (the hub's `shut_down`), and this
            // wait (72 bytes) is not in every idle connection's state.
            let mut registering: Option<Pin<Box<WaitForCancellationFuture<'a>>>> = None;
            // Whether a PING went out since the client was last heard: it
            // was sent at `last_heard + ping_interval` (the timer's deadline),
            // so a flag is enough and no second time is kept.
            let mut pinged = false;
            loop {
                // One clock read per batch of lines already read (not per
                // line: `clock_gettime` was ~4% of the whisper path with
                // three reads per message): those lines came in by then.
                // Read again after a command that waited (`'batch`), and
                // never kept across a wait (see the idle-connection budget).
                'batch: loop {
                    let now = Instant::now();
                    loop {
                        // Lines that came in the same read are taken here rather
                        // than one per turn of the `select!` below (each turn sets up
                        // the shutdown wait and the timer again); flood control
                        // still passes them one token at a time. Such a line goes
                        // through the queue only if flood control holds it back
                        // (queuing each one allocated and freed the queue per
                        // line), and the batch's clock reading serves liveness and
                        // flood control. A block, so that none of it is kept across
                        // the command's wait (see the idle-connection budget).
                        let next = {
                            let mut fresh = None;
                            if queued.is_empty() {
                                match wire.lines.next_buffered() {
                                    Some(Ok(inbound)) => {
                                        last_heard = now;
                                        pinged = false;
                                        fresh = Some(inbound);
                                    }
                                    Some(Err(error)) => return Close::ReadError(error.to_string()),
                                    None => break 'batch,
                                }
                            }
                            if !bucket.try_take(self.refill(), now) {
                                queued.extend(fresh);
                                break 'batch;
                            }
                            fresh.or_else(|| queued.pop())
                        };
                        // Whether the line's command waited: known after the
                        // wait, so that nothing more is kept across it.
                        let (flow, waited) = match next {
                            Some(Inbound::Line(line)) => {
                                tracing::trace!(client = connection.id, line = %String::from_utf8_lossy(&line).escape_debug(), "<-");
                                match handler.handle_line_now(connection, &line, now.into_std()) {
                                    Some(flow) => (flow, false),
                                    None => {
                                        // Boxed, with the reads and writes alongside it: a
                                        // command's future (the largest state of a session)
                                        // exists only while it runs, not in the task every
                                        // idle connection keeps.
                                        // Lines its client may send meanwhile that flood
                                        // control would pass at once: not held against it.
                                        let abandon = handler.may_abandon(&line).then(|| {
                                            bucket.available(self.refill(), Instant::now())
                                        });
                                        let command = handler.handle_line(connection, &line);
                                        let (flow, heard) = Box::pin(wire.alongside(
                                            &outbound,
                                            (queued, self.limits()),
                                            abandon,
                                            command,
                                        ))
                                        .await;
                                        if heard.lines {
                                            last_heard = Instant::now();
                                            pinged = false;
                                        }
                                        match (flow, heard.end) {
                                            (Some(Flow::Continue), Some(close)) => {
                                                (Flow::Close(close), true)
                                            }
                                            (Some(flow), _) => (flow, true),
                                            (None, end) => {
                                                // Dropped while a labelled response held
                                                // the queue back: the farewell still goes.
                                                let _ = outbound.release(Vec::new());
                                                (
                                                    Flow::Close(end.unwrap_or(Close::ExcessFlood)),
                                                    true,
                                                )
                                            }
                                        }
                                    }
                                }
                            }
                            Some(Inbound::TooLong) => {
                                handler.handle_too_long(connection);
                                (Flow::Continue, false)
                            }
                            None => (Flow::Continue, false),
                        };
                        if let Flow::Close(close) = flow {
                            return close;
                        }
                        let (killed, overflowed) = connection.outbound.killed_or_overflowed();
                        if killed {
                            return Close::Killed;
                        }
                        if overflowed {
                            return Close::SendQExceeded;
                        }
                        if let Some(error) = wire.write_failure() {
                            return Close::WriteError(error.to_string());
                        }
                        if waited {
                            continue 'batch;
                        }
                    }
                }
                let flood_wake = (!queued.is_empty())
                    .then(|| Instant::now() + bucket.wait_time(self.refill(), Instant::now()));
                let liveness = self.liveness(&*handler, last_heard, pinged);
                if handler.is_registered() {
                    registering = None;
                } else if registering.is_none() {
                    registering = Some(Box::pin(self.shutdown.cancelled()));
                }
                let Wire { lines, writer } = &mut *wire;
                tokio::select! {
                    stop = std::future::poll_fn(|cx| poll_stop(cx, &connection.outbound, &mut registering)) => return stop,
                    // The writer polled in place (not through `Writer::drive`,
                    // an async fn that would keep its arguments a second time).
                    end = std::future::poll_fn(|cx| writer.poll_drive(cx, &outbound)), if !writer.ended() => match end {
                        WriterEnd::Failed(error) => return Close::WriteError(error.into()),
                        // Closed by whoever ends this client (it is killed, or
                        // says goodbye): what follows decides how it ends.
                        WriterEnd::Closed => {}
                    },
                    item = lines.next() => match item {
                        Some(Ok(inbound)) => {
                            last_heard = Instant::now();
                            pinged = false;
                            queued.push(inbound);
                            if queued.over(self.limits()) {
                                return Close::ExcessFlood;
                            }
                        }
                        Some(Err(error)) => return Close::ReadError(error.to_string()),
                        // Whatever it sent but flood control still held back goes
                        // with it: nothing is said in the name of a client that left.
                        None => return Close::ConnectionClosed,
                    },
                    // One timer for both: flood control's next token and liveness.
                    _ = sleep_until(flood_wake.map_or(liveness, |flood| flood.min(liveness))) => {
                        if !handler.is_registered() {
                            if Instant::now() >= self.registration_deadline() {
                                return Close::RegistrationTimeout;
                            }
                            continue;
                        }
                        // Worked out again rather than kept across the wait:
                        // every value kept there is in every idle connection.
                        if Instant::now() < self.liveness(&*handler, last_heard, pinged) {
                            // Flood control's wait is over: the loop takes the next line.
                            continue;
                        }
                        if pinged {
                            return Close::PingTimeout(last_heard.elapsed());
                        }
                        handler.send_ping(connection);
                        pinged = true;
                    }
                }
            }
        }
    }

    /// When the loop must next look at the client's liveness: the
    /// registration deadline (re-checked now and then, as it shrinks while
    /// the server fills), when to PING, or when an unanswered PING times out.
    fn liveness<H: LineHandler>(&self, handler: &H, last_heard: Instant, pinged: bool) -> Instant {
        if !handler.is_registered() {
            self.registration_deadline()
                .min(Instant::now() + REGISTRATION_RECHECK)
        } else if !handler.answers_ping() {
            far_future()
        } else if pinged {
            last_heard + self.limits().ping_interval + self.limits().ping_timeout
        } else {
            last_heard + self.limits().ping_interval
        }
    }

    /// Leaves the hub (freeing the nickname at once) and sends the final line.
    pub fn finish<H: LineHandler>(&self, connection: &mut Connection, handler: &H, close: Close) {
        let reason = close.quit_reason();
        crate::metrics::disconnected(close.label());
        // The reason as a fixed label: a QUIT's text is the user's and is never logged.
        let nick = (self.context.hub).read(|hub| hub.client(connection.id).map(|c| c.nick.clone()));
        tracing::info!(
            peer = %connection.peer,
            client = connection.id,
            nick = %nick.as_deref().unwrap_or("*"),
            reason = %close.label(),
            "disconnected"
        );
        if close == Close::Killed {
            return;
        }
        if handler.is_registered() {
            let id = connection.id;
            self.context.hub.with(|hub| hub.quit(id, &reason));
        }
        let last = handler.farewell(&close, &connection.host());
        connection.close_with(last);
    }
}
