//! Both directions of one connection, driven by its session's one task.
//!
//! The session reads lines and, in the same task, writes what its outbound
//! queue holds: next to its reads in its `select!`, and alongside a command
//! still running (a command awaiting history must not stop the client's
//! output). One task per connection instead of a reader and a writer task
//! halves the per-connection task memory and wake-ups.

use crate::config::LimitsConfig;
use crate::metrics::CountedRead;
use crate::net::codec::LineCodec;
use crate::net::outbound::Outbound;
use crate::net::reader::LineReader;
use crate::net::writer::{Writer, WriterEnd};
use std::future::{Future, poll_fn};
use std::pin::pin;
use std::task::Poll;
use tokio::io::{AsyncRead, AsyncWrite};

/// A connection's framed reads and its writer. The queue the writer drains
/// is the connection's [`Outbound`], handed to each call rather than kept
/// here a second time (a wire is in every idle connection's task).
#[derive(Debug)]
pub struct Wire<R, W> {
    /// The client's lines.
    pub lines: LineReader<CountedRead<R>>,
    /// The socket's write side.
    pub writer: Writer<W>,
}

impl<R: AsyncRead + Unpin, W: AsyncWrite + Unpin> Wire<R, W> {
    /// The two halves of a connection, framed for `limits`.
    pub fn new(read: R, write: W, limits: &LimitsConfig) -> Wire<R, W> {
        Wire {
            lines: LineReader::new(CountedRead::new(read), LineCodec::for_limits(limits)),
            writer: Writer::new(write),
        }
    }

    /// Writes `outbound` until the writer ends (cancel-safe; for a `select!` branch).
    pub async fn write(&mut self, outbound: &Outbound) -> WriterEnd {
        self.writer.drive(outbound).await
    }

    /// Whether the writer still has work to do (a `select!` precondition).
    pub fn writing(&self) -> bool {
        !self.writer.ended()
    }

    /// Why writing failed, once it has.
    pub fn write_failure(&self) -> Option<&str> {
        self.writer.failure()
    }

    /// Runs `work` to completion while writing whatever `outbound` queues
    /// meanwhile. A write failure does not interrupt it (see [`Wire::write_failure`]).
    pub async fn alongside<F: Future>(&mut self, outbound: &Outbound, work: F) -> F::Output {
        let mut work = pin!(work);
        poll_fn(|cx| {
            if let Poll::Ready(output) = work.as_mut().poll(cx) {
                return Poll::Ready(output);
            }
            // An end is kept in the writer; the session looks at it after `work`.
            let _ = self.writer.poll_drive(cx, outbound);
            Poll::Pending
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use std::sync::Arc;
    use tokio::io::AsyncReadExt;

    #[tokio::test]
    async fn output_queued_while_a_command_runs_is_written_before_it_ends() {
        let (read, _client_write) = tokio::io::duplex(64);
        let (write, mut client_read) = tokio::io::duplex(64);
        let outbound = Arc::new(Outbound::new(1000));
        let mut wire = Wire::new(read, write, &LimitsConfig::default());
        // The command finishes only once the client has read what was queued
        // while it ran: that can only happen if the wire writes meanwhile.
        let command = async {
            outbound.push(Bytes::from_static(b"meanwhile\r\n")).unwrap();
            let mut received = vec![0; 11];
            client_read.read_exact(&mut received).await.unwrap();
            received
        };
        assert_eq!(wire.alongside(&outbound, command).await, b"meanwhile\r\n");
        assert_eq!(wire.write_failure(), None);
    }
}
