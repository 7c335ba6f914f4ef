//! One connection from accept to close: choosing the dialect from the first
//! line, then driving that dialect's handler with flood control, registration
//! and ping timeouts, and shutdown.

mod connection;
mod detect;
mod driver;

pub use connection::Connection;
pub use detect::{FirstLine, classify};
pub use driver::{Close, Driver, Flow, LineHandler};

use crate::context::Context;
use crate::metrics::CountedRead;
use crate::net::admission::Slot;
use crate::net::codec::{Inbound, LineCodec};
use crate::net::outbound::Outbound;
use bytes::Bytes;
use futures::StreamExt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_util::codec::FramedRead;

/// Bytes of read buffer a new connection starts with.
const READ_BUFFER_START: usize = 1024;
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
/// its place in the listener's counts.
pub async fn run<R, W>(
    context: Arc<Context>,
    (read_half, write_half): (R, W),
    peer: SocketAddr,
    tls: Option<TlsPeer>,
    shutdown: CancellationToken,
    slot: Option<Slot>,
) where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let limits = &context.config.limits;
    let outbound = Arc::new(Outbound::new(limits.sendq_bytes));
    let writer = {
        let outbound = outbound.clone();
        tokio::spawn(async move { outbound.run_writer(write_half).await })
    };
    // Small to start (tokio-util's default is 8 KiB up front): most connections
    // are idle most of the time; a longer line grows the buffer as needed.
    let mut lines = FramedRead::with_capacity(
        CountedRead::new(read_half),
        LineCodec::for_limits(limits),
        READ_BUFFER_START,
    );
    let driver = Driver::new(context.clone(), shutdown);
    let mut connection = Connection::new(context.next_client_id(), peer, outbound.clone(), slot);
    connection.secure = tls.is_some();
    connection.client_cert = tls.and_then(|tls| tls.client_cert);
    let first = first_line(&context, &driver, &mut lines, &mut connection).await;
    match first {
        Some(Inbound::Line(line)) => dispatch(&driver, &mut connection, &mut lines, line).await,
        Some(Inbound::TooLong) => {
            connection.send_error("Input line was too long");
        }
        None => {}
    }
    outbound.close(None);
    // A client that stopped reading (e.g. dropped for SendQ) leaves the writer
    // blocked mid-write; it must not hold its connection and slot forever.
    let mut writer = writer;
    if tokio::time::timeout(WRITER_GRACE, &mut writer)
        .await
        .is_err()
    {
        tracing::info!(%peer, "client is not reading; closing its connection");
        writer.abort();
    }
    tracing::debug!(%peer, "connection closed");
}

/// Waits for the first line, prompting for a nickname if the client is quiet.
async fn first_line<R: AsyncRead + Unpin>(
    context: &Context,
    driver: &Driver,
    lines: &mut FramedRead<CountedRead<R>, LineCodec>,
    connection: &mut Connection,
) -> Option<Inbound> {
    if let Ok(item) = tokio::time::timeout(PROMPT_DELAY, lines.next()).await {
        return item.and_then(Result::ok);
    }
    connection.send_raw(crate::plain::nickname_prompt(context));
    loop {
        // The deadline shrinks as the server fills, so it is looked at again now and then.
        let deadline = driver.registration_deadline();
        let recheck = tokio::time::Instant::now() + Duration::from_secs(1);
        tokio::select! {
            item = tokio::time::timeout_at(deadline.min(recheck), lines.next()) => match item {
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

async fn dispatch<R: AsyncRead + Unpin>(
    driver: &Driver,
    connection: &mut Connection,
    lines: &mut FramedRead<CountedRead<R>, LineCodec>,
    line: Bytes,
) {
    let context = &driver.context;
    match classify(&line) {
        FirstLine::Http => {
            tracing::info!(peer = %connection.peer, "HTTP request on the chat port; answered 400");
            connection.close_with(Bytes::from_static(crate::plain::HTTP_REFUSAL.as_bytes()));
        }
        FirstLine::Irc => {
            let mut handler = crate::irc::IrcSession::new(context.clone(), connection);
            driver.drive(connection, lines, &mut handler, line).await;
        }
        FirstLine::Plain => {
            let mut handler = crate::plain::PlainSession::new(context.clone(), connection);
            driver.drive(connection, lines, &mut handler, line).await;
        }
    }
}
