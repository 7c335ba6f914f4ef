//! Both directions of one connection, driven by its session's one task.
//!
//! The session reads lines and, in the same task, writes what its outbound
//! queue holds: next to its reads in its `select!`, and alongside a command
//! still running (a command awaiting history must not stop the client's
//! output). One task per connection instead of a reader and a writer task
//! halves the per-connection task memory and wake-ups.

use super::{Close, RecvQueue};
use crate::config::LimitsConfig;
use crate::metrics::CountedRead;
use crate::net::codec::LineCodec;
use crate::net::outbound::Outbound;
use crate::net::reader::LineReader;
use crate::net::writer::{Writer, WriterEnd};
use futures::Stream;
use std::future::{Future, poll_fn};
use std::pin::{Pin, pin};
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

    /// Runs `work` (a command) to completion while writing whatever
    /// `outbound` queues meanwhile. A write failure does not interrupt it
    /// (see [`Wire::write_failure`]).
    ///
    /// When `abandon` is set (a JOIN waiting for its backlog, a history
    /// read: see [`super::LineHandler::may_abandon`]), the client's lines
    /// are read meanwhile into `queued`, for flood control to take after
    /// `work`, and `work` is dropped as soon as the lines beyond the
    /// `abandon` flood control still has tokens for go over `limits` (its
    /// output is then `None`, and the result says Excess Flood; the lines
    /// within the burst are bounded by its size and the line length): a
    /// flooder waiting for its backlog is cut off at once. Before, a burst
    /// of joins parked every joiner's reads, and when they all woke each
    /// flooder's burst was said to everyone at the same moment (hostile
    /// flood-registered, debug build, 256 clients: 42-47 MB peak, 30-32 MB
    /// without the backlog's wait; 31-38 MB with this). Other commands are not read alongside: a message
    /// waiting for a full history queue holds its sender back (the socket
    /// is not read), rather than cutting off a fast paste. Reading stops
    /// at the end of input (which the session's loop then reads again) or
    /// at a read error (said in the result).
    pub async fn alongside<F: Future>(
        &mut self,
        outbound: &Outbound,
        (queued, limits): (&mut RecvQueue, &LimitsConfig),
        abandon: Option<usize>,
        work: F,
    ) -> (Option<F::Output>, Heard) {
        let mut work = pin!(work);
        let mut heard = Heard::default();
        let mut reading = abandon.is_some();
        let passing = abandon.unwrap_or(0);
        let output = poll_fn(|cx| {
            if let Poll::Ready(output) = work.as_mut().poll(cx) {
                return Poll::Ready(Some(output));
            }
            // An end is kept in the writer; the session looks at it after `work`.
            let _ = self.writer.poll_drive(cx, outbound);
            while reading {
                match Pin::new(&mut self.lines).poll_next(cx) {
                    Poll::Ready(Some(Ok(inbound))) => {
                        heard.lines = true;
                        queued.push(inbound);
                        if queued.over_after(passing, limits) {
                            heard.end = Some(Close::ExcessFlood);
                            return Poll::Ready(None);
                        }
                    }
                    Poll::Ready(Some(Err(error))) => {
                        heard.end = Some(Close::ReadError(error.to_string()));
                        reading = false;
                    }
                    Poll::Ready(None) => reading = false,
                    Poll::Pending => break,
                }
            }
            Poll::Pending
        })
        .await;
        (output, heard)
    }
}

/// What [`Wire::alongside`] read while its command ran.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Heard {
    /// Whether any line came in (the client is alive).
    pub lines: bool,
    /// Why the connection must end: its receive queue overflowed (Excess
    /// Flood, the command dropped), or reading failed.
    pub end: Option<Close>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::codec::Inbound;
    use bytes::Bytes;
    use std::sync::Arc;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A wire whose client has already sent twice the receive queue's bound
    /// of 500-byte lines, there before any command starts; the client's ends
    /// are returned so that it stays connected.
    async fn flooded_wire(
        limits: &LimitsConfig,
    ) -> (
        Wire<tokio::io::DuplexStream, tokio::io::DuplexStream>,
        (tokio::io::DuplexStream, tokio::io::DuplexStream),
    ) {
        let (read, mut client_write) = tokio::io::duplex(64 * 1024);
        let (write, client_read) = tokio::io::duplex(64);
        let line = format!("PRIVMSG #a :{}\r\n", "A".repeat(494));
        let flood = line.repeat(2 * limits.recvq_bytes / line.len() + 1);
        client_write.write_all(flood.as_bytes()).await.unwrap();
        (Wire::new(read, write, limits), (client_write, client_read))
    }

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
        let mut queued = RecvQueue::default();
        let limits = LimitsConfig::default();
        let (received, heard) = wire
            .alongside(&outbound, (&mut queued, &limits), None, command)
            .await;
        assert_eq!(received.as_deref(), Some(&b"meanwhile\r\n"[..]));
        assert_eq!(heard, Heard::default());
        assert_eq!(wire.write_failure(), None);
    }

    #[tokio::test]
    async fn lines_sent_while_a_join_waits_are_read_and_queued_in_order() {
        // A pipe far smaller than what the client sends: the command (the
        // client's write) finishes only if the wire reads meanwhile.
        let (read, mut client_write) = tokio::io::duplex(64);
        let (write, _client_read) = tokio::io::duplex(64);
        let outbound = Arc::new(Outbound::new(1000));
        let mut wire = Wire::new(read, write, &LimitsConfig::default());
        let lines: String = (0..40).map(|n| format!("PRIVMSG #a :{n}\r\n")).collect();
        let command = async {
            client_write.write_all(lines.as_bytes()).await.unwrap();
        };
        let (mut queued, limits) = (RecvQueue::default(), LimitsConfig::default());
        // A hang guard: without reading alongside, the command never ends.
        let alongside = wire.alongside(&outbound, (&mut queued, &limits), Some(0), command);
        let (ended, heard) = tokio::time::timeout(std::time::Duration::from_secs(30), alongside)
            .await
            .expect("the command ended");
        assert_eq!(ended, Some(()));
        assert!(heard.lines);
        assert_eq!(heard.end, None, "40 short lines are within the bounds");
        let mut read = Vec::new();
        while let Some(Inbound::Line(line)) = queued.pop() {
            read.push(String::from_utf8(line.to_vec()).unwrap());
        }
        // What the pipe still held when the command ended is read later.
        assert!(read.len() >= 40 - 64 / 15, "{} read", read.len());
        let expected: Vec<String> = (0..read.len())
            .map(|n| format!("PRIVMSG #a :{n}"))
            .collect();
        assert_eq!(read, expected);
    }

    #[tokio::test]
    async fn lines_within_the_burst_sent_while_a_join_waits_are_not_held_against_the_client() {
        // 300 lines (~6 KiB) through a 64-byte pipe while the command runs,
        // against a queue bound of 64 lines: the first 250 would pass flood
        // control at once, so only 50 wait, and the client is not cut off.
        let (read, mut client_write) = tokio::io::duplex(64);
        let (write, _client_read) = tokio::io::duplex(64);
        let outbound = Arc::new(Outbound::new(1000));
        let limits = LimitsConfig::default();
        let mut wire = Wire::new(read, write, &limits);
        let lines: String = (0..300).map(|n| format!("PRIVMSG #a :{n}\r\n")).collect();
        let command = async {
            client_write.write_all(lines.as_bytes()).await.unwrap();
        };
        let mut queued = RecvQueue::default();
        let alongside = wire.alongside(&outbound, (&mut queued, &limits), Some(250), command);
        let (ended, heard) = tokio::time::timeout(std::time::Duration::from_secs(30), alongside)
            .await
            .expect("the command ended");
        assert_eq!((ended, heard.end), (Some(()), None));
        // With no burst left, the same lines are a flood.
        assert!(queued.over_after(0, &limits));
    }

    #[tokio::test]
    async fn a_client_is_not_read_while_another_command_waits() {
        let limits = LimitsConfig::default();
        let (mut wire, _client) = flooded_wire(&limits).await;
        let outbound = Arc::new(Outbound::new(1000));
        let mut queued = RecvQueue::default();
        // A command that waits once (as a message for a full history
        // queue) and then ends: its sender is held back, not cut off.
        let command = tokio::task::yield_now();
        let (ended, heard) = wire
            .alongside(&outbound, (&mut queued, &limits), None, command)
            .await;
        assert_eq!(ended, Some(()));
        assert_eq!(heard, Heard::default());
        assert!(queued.is_empty());
    }

    #[tokio::test]
    async fn a_command_that_may_be_abandoned_is_dropped_once_its_client_floods() {
        let limits = LimitsConfig::default();
        let (mut wire, _client) = flooded_wire(&limits).await;
        let outbound = Arc::new(Outbound::new(1000));
        let mut queued = RecvQueue::default();
        // A wait that never ends (a backlog stuck behind a busy store): the
        // flooder is cut off all the same. The timeout is a hang guard.
        let command = std::future::pending::<()>();
        let alongside = wire.alongside(&outbound, (&mut queued, &limits), Some(0), command);
        let (ended, heard) = tokio::time::timeout(std::time::Duration::from_secs(30), alongside)
            .await
            .expect("the command was dropped");
        assert_eq!(ended, None);
        assert_eq!(heard.end, Some(Close::ExcessFlood));
    }
}
