//! One connection from accept to close: choosing the dialect from the first
//! line, then driving that dialect's handler with flood control, registration
//! and ping timeouts, and shutdown.

mod detect;
mod driver;

pub use detect::{FirstLine, classify};
pub use driver::{Close, Connection, Flow, LineHandler};

use crate::context::Context;
use crate::net::codec::{Inbound, LineCodec};
use crate::net::outbound::Outbound;
use bytes::Bytes;
use futures::StreamExt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_util::codec::FramedRead;
use tokio_util::sync::CancellationToken;

/// How long to wait for a client to speak first before prompting for a
/// nickname. IRC clients and browsers speak at once; a person at `nc` does not.
const PROMPT_DELAY: Duration = Duration::from_millis(300);

/// How long a finished session waits for its last lines to be written before
/// giving up on a client that does not read.
const WRITER_GRACE: Duration = Duration::from_secs(3);

/// Runs one connection to completion.
pub async fn run(
    context: Arc<Context>,
    stream: TcpStream,
    peer: SocketAddr,
    shutdown: CancellationToken,
) {
    let limits = &context.config.limits;
    let (read_half, write_half) = stream.into_split();
    let outbound = Arc::new(Outbound::new(limits.sendq_bytes));
    let writer = {
        let outbound = outbound.clone();
        tokio::spawn(async move { outbound.run_writer(write_half).await })
    };
    let mut lines = FramedRead::new(
        read_half,
        LineCodec::new(limits.line_length + limits.tags_length),
    );
    context.unregistered.fetch_add(1, Ordering::Relaxed);
    let mut connection = Connection::new(context.clone(), peer, outbound.clone(), shutdown);
    let first = first_line(&context, &mut lines, &mut connection).await;
    match first {
        Some(Inbound::Line(line)) => dispatch(&context, &mut connection, &mut lines, line).await,
        Some(Inbound::TooLong) => {
            connection.send_error("Input line was too long");
        }
        None => {}
    }
    // A session that never registered still holds its place in the counter.
    if !connection.counted_as_registered() {
        context.unregistered.fetch_sub(1, Ordering::Relaxed);
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
    tracing::info!(%peer, "connection closed");
}

/// Waits for the first line, prompting for a nickname if the client is quiet.
async fn first_line(
    context: &Context,
    lines: &mut FramedRead<tokio::net::tcp::OwnedReadHalf, LineCodec>,
    connection: &mut Connection,
) -> Option<Inbound> {
    if let Ok(item) = tokio::time::timeout(PROMPT_DELAY, lines.next()).await {
        return item.and_then(Result::ok);
    }
    connection.send_raw(crate::plain::nickname_prompt(context));
    let deadline = connection.connected_at + context.config.limits.registration_timeout;
    tokio::select! {
        item = tokio::time::timeout_at(deadline, lines.next()) => match item {
            Ok(item) => item.and_then(Result::ok),
            Err(_) => {
                connection.send_error("Registration timed out");
                None
            }
        },
        _ = connection.shutdown.cancelled() => {
            connection.send_error("Server shutting down");
            None
        }
    }
}

async fn dispatch(
    context: &Arc<Context>,
    connection: &mut Connection,
    lines: &mut FramedRead<tokio::net::tcp::OwnedReadHalf, LineCodec>,
    line: Bytes,
) {
    match classify(&line) {
        FirstLine::Http => {
            tracing::info!(peer = %connection.peer, "HTTP request on the chat port; answered 400");
            connection.send_raw(Bytes::from_static(crate::plain::HTTP_REFUSAL.as_bytes()));
        }
        FirstLine::Irc => {
            let mut handler = crate::irc::IrcSession::new(context.clone(), connection);
            connection.drive(lines, &mut handler, line).await;
        }
        FirstLine::Plain => {
            let mut handler = crate::plain::PlainSession::new(context.clone(), connection);
            connection.drive(lines, &mut handler, line).await;
        }
    }
}
