//! One connection from accept to close: choosing the dialect from the first
//! line, then driving that dialect's handler with flood control, registration
//! and ping timeouts, and shutdown.

mod close;
mod connection;
mod detect;
mod driver;
mod recvq;
mod wire;

pub use close::{Close, Flow};
pub use connection::Connection;
pub use detect::{FirstLine, classify};
pub use driver::{Driver, LineHandler};
pub use recvq::RecvQueue;
pub use wire::Wire;

use crate::context::Context;
use crate::net::admission::Slot;
use crate::net::codec::Inbound;
use crate::net::outbound::Outbound;
use crate::net::writer::WriterEnd;
use bytes::Bytes;
use futures::StreamExt;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_util::sync::CancellationToken;

/// How long to wait for a client to speak first before prompting for a
/// nickname. IRC clients and browsers speak at once; a person at `nc` does not.
const PROMPT_DELAY: Duration = Duration::from_millis(300);

/// How long a finished session waits for its last lines to be written before
/// giving up on a client that does not read.
const WRITER_GRACE: Duration = Duration::from_secs(3);

/// What a TLS connection's handshake told about its client.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TlsPeer {
    /// The SHA-256 fingerprint of the certificate it presented (SASL EXTERNAL).
    pub client_cert: Option<natter_protocol::Fingerprint>,
}

/// Runs one connection to completion, given its two halves (TCP's own split
/// halves, or a TLS stream's); `tls` is set for a TLS connection, `slot` is
/// its place in the listener's counts. Reading and writing both happen in the
/// caller's task (see [`Wire`]).
///
/// Not an `async fn`: the connection's state is built first and the returned
/// future holds only that state, not the arguments as well (an `async fn`
/// keeps its arguments beside the locals made from them, in the task of
/// every idle connection).
pub fn run<R, W>(
    context: Arc<Context>,
    (read_half, write_half): (R, W),
    peer: SocketAddr,
    tls: Option<TlsPeer>,
    shutdown: CancellationToken,
    slot: Option<Slot>,
) -> impl Future<Output = ()>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let limits = &context.config.limits;
    let outbound = Arc::new(Outbound::new(limits.sendq_bytes));
    let mut wire = Wire::new(read_half, write_half, limits);
    let mut connection = Connection::new(context.next_client_id(), peer, outbound, slot);
    connection.secure = tls.is_some();
    connection.set_client_cert(tls.and_then(|tls| tls.client_cert));
    let driver = Driver::new(context, shutdown);
    async move {
        // Everything but the connection's own state is boxed and lives only
        // while it is needed: the task every idle connection keeps stays small.
        {
            // The dialect's future is made before it is awaited, so that the
            // first line is not kept beside it (32 bytes of every idle task).
            let first = Box::pin(first_line(&driver, &mut wire, &mut connection));
            let dialect = match first.await {
                Some(Inbound::Line(line)) => Some(Box::pin(dispatch(
                    &driver,
                    &mut connection,
                    &mut wire,
                    line,
                ))),
                Some(Inbound::TooLong) => {
                    connection.send_error("Input line was too long");
                    None
                }
                None => None,
            };
            if let Some(dialect) = dialect {
                dialect.await;
            }
        }
        connection.outbound.close(None);
        // A client that stopped reading (e.g. dropped for SendQ) would leave the
        // last lines unwritten forever; it must not hold its connection and slot.
        let written = Box::pin(tokio::time::timeout(
            WRITER_GRACE,
            wire.write(&connection.outbound),
        ))
        .await;
        // The peer is read from the connection here, not copied before the
        // wait: a copy would be 32 more bytes in every idle connection's task.
        let peer = connection.peer;
        match written {
            Err(_) => tracing::info!(%peer, "client is not reading; closing its connection"),
            Ok(WriterEnd::Failed(error)) => {
                tracing::debug!(%peer, %error, "last lines not written")
            }
            Ok(WriterEnd::Closed) => {}
        }
        tracing::debug!(%peer, "connection closed");
    }
}

/// Waits for the first line, prompting for a nickname if the client is quiet.
async fn first_line<R: AsyncRead + Unpin, W: AsyncWrite + Unpin>(
    driver: &Driver,
    wire: &mut Wire<R, W>,
    connection: &mut Connection,
) -> Option<Inbound> {
    if let Ok(item) = tokio::time::timeout(PROMPT_DELAY, wire.lines.next()).await {
        return item.and_then(Result::ok);
    }
    connection.send_raw(crate::plain::nickname_prompt(&driver.context));
    loop {
        // The deadline shrinks as the server fills, so it is looked at again now and then.
        let deadline = driver.registration_deadline();
        let recheck = tokio::time::Instant::now() + Duration::from_secs(1);
        tokio::select! {
            // Only a failure ends writing before the first line; the session then ends.
            _ = wire.writer.drive(&connection.outbound), if wire.writing() => return None,
            item = tokio::time::timeout_at(deadline.min(recheck), wire.lines.next()) => match item {
                Ok(item) => return item.and_then(Result::ok),
                Err(_) if tokio::time::Instant::now() >= driver.registration_deadline() => {
                    connection.send_error("Registration timed out");
                    return None;
                }
                Err(_) => {}
            },
            _ = driver.shutdown.cancelled() => {
                connection.send_error("Server shutting down");
                return None;
            }
        }
    }
}

/// Runs the dialect the first line chose, to the end of the connection.
///
/// Not an `async fn`, for the reason [`run`] gives: the returned future holds
/// its arguments once, where an `async fn` would keep them twice. The first
/// line goes into the receive queue before the future is made: the future
/// keeps the queue (which the loop needs anyway), not the line as well.
// Deliberately not the `async fn` clippy suggests (see above).
#[allow(clippy::manual_async_fn)]
fn dispatch<'a, R: AsyncRead + Unpin, W: AsyncWrite + Unpin>(
    driver: &'a Driver,
    connection: &'a mut Connection,
    wire: &'a mut Wire<R, W>,
    line: Bytes,
) -> impl Future<Output = ()> + 'a {
    let first = classify(&line);
    let mut queued = RecvQueue::starting_with(line);
    async move {
        let context = &driver.context;
        let queued = &mut queued;
        match first {
            FirstLine::Irc => {
                let mut handler = crate::irc::IrcSession::new(context.clone(), connection);
                let close = driver
                    .run_loop(connection, wire, &mut handler, queued)
                    .await;
                driver.finish(connection, &handler, close);
            }
            FirstLine::Plain => {
                let mut handler = crate::plain::PlainSession::new(context.clone(), connection);
                let close = driver
                    .run_loop(connection, wire, &mut handler, queued)
                    .await;
                driver.finish(connection, &handler, close);
            }
            FirstLine::Http => {
                tracing::info!(peer = %connection.peer, "HTTP request on the chat port; answered 400");
                connection.close_with(Bytes::from_static(crate::plain::HTTP_REFUSAL.as_bytes()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

    /// The size of the future `make` returns for arguments `A..F`, without
    /// calling it.
    fn future_size<M, A, B, C, D, E, F, O>(_make: M) -> usize
    where
        M: FnOnce(A, B, C, D, E, F) -> O,
    {
        std::mem::size_of::<O>()
    }

    fn dispatch_size<M, A, B, C, D, O>(_make: M) -> usize
    where
        M: FnOnce(A, B, C, D) -> O,
    {
        std::mem::size_of::<O>()
    }

    /// Every idle connection keeps its task's future and the boxed dialect
    /// loop: memory per connection is mostly these two (README
    /// "Performance"). The budgets are what they measure now (debug build:
    /// 264 and 448 bytes), and they sit just under allocator size classes.
    /// tokio puts a task's future in a 128-byte aligned cell with 104 bytes
    /// of its own, the task tracker adds 8, and the task's stage 8 more (a
    /// future has no niche for it): a 264-byte future fits 384 bytes, one
    /// more byte takes 512. (mimalloc v2 serves the 128-aligned 384-byte
    /// cell from its 384 class: its blocks up to 128 KiB are aligned to their
    /// size. v3 did not, and charged it 512; see `allocator.rs`.) mimalloc's
    /// classes around the dialect loop are 384, 448 and 512 bytes. Crossing one costs 64 bytes of every
    /// idle connection at once, so a change that makes them grow (a future
    /// inlined where it used to be boxed, an `async fn` instead of a plain fn
    /// returning an async block, a new local kept across the loop's wait, a
    /// field in `Connection`, `Wire`, `IrcSession` or `PlainSession`) fails here.
    #[test]
    fn an_idle_connection_keeps_little_state() {
        type R = OwnedReadHalf;
        type W = OwnedWriteHalf;
        let task = future_size::<
            _,
            Arc<Context>,
            (R, W),
            SocketAddr,
            Option<TlsPeer>,
            CancellationToken,
            Option<Slot>,
            _,
        >(run::<R, W>);
        let dialect = dispatch_size::<
            _,
            &'static Driver,
            &'static mut Connection,
            &'static mut Wire<R, W>,
            Bytes,
            _,
        >(dispatch::<R, W>);
        assert!(task <= 264, "the connection's task future is {task} bytes");
        assert!(dialect <= 448, "the boxed dialect loop is {dialect} bytes");
    }
}
