//! Draining a client's outbound queue into its socket from the session's own task.
//!
//! A writer is not a task of its own: it is a state machine the session polls
//! next to its reads (in the same `select!`, and alongside a command that is
//! still running), so a connection costs one task, not two. Each poll writes
//! what it can without blocking and remembers how far it got, so dropping the
//! future that polled it loses nothing. Its buffer exists only while there is
//! something to write: allocated to the size of a batch and given back once
//! the queue is empty, so an idle connection holds none.

use super::outbound::Outbound;
use std::future::{Future, poll_fn};
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use tokio::io::AsyncWrite;

/// A writer woken for less than this puts its write off once, until the
/// runtime has looked for other ready sockets: in a channel fan-out the
/// first sender's line reaches every member's queue before the same
/// moment's other senders are read, and writing it at once cost each
/// member a second `sendto` for one or two lines. 2 KiB is about what one
/// member of a paced 100x10 fan-out gets per 1 ms burst (~15 lines): at
/// 512 bytes a writer woken for 4-14 lines still wrote them at once
/// (paced CPU per delivery 8-12% higher than at 2 KiB, p99 no lower).
const DEFER_BYTES: usize = 2048;

/// Wakes the running task only after the runtime has polled its I/O driver
/// (tokio's deferred wake, as `yield_now`): the sessions whose lines are
/// already in their sockets run first.
fn defer(cx: &mut Context<'_>) {
    let yielded = std::pin::pin!(tokio::task::yield_now()).poll(cx);
    debug_assert!(yielded.is_pending());
}

/// How a writer ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriterEnd {
    /// The queue was closed, everything in it written and the socket shut down.
    Closed,
    /// Writing failed; the queue is closed and what is left in it is dropped.
    /// (A `Box<str>`, not a `String`: the writer keeps its end in every idle
    /// connection's task, and a `String`'s capacity would be 8 bytes more.)
    Failed(Box<str>),
}

/// The write side of one connection (see the module docs).
///
/// Every field is in every idle connection's task: the buffer is a `Vec`
/// (24 bytes, where a `BytesMut` is 32) and the end is kept as a flag and a
/// boxed message behind one thin pointer (a `WriterEnd` in an `Option`
/// would be 24 bytes, a `Box<str>` 16).
#[derive(Debug)]
pub struct Writer<W> {
    io: W,
    /// The batch being written; unallocated while there is none.
    buffer: Vec<u8>,
    /// How much of `buffer` the socket has taken (a batch is about 64 KiB,
    /// at most the longest line longer: a `u32` keeps the writer small).
    written: u32,
    /// The batch in `buffer` is the last: shut the socket down after it.
    closing: bool,
    /// It ended: closed, or failed with `failure`.
    ended: bool,
    /// It put off taking a small batch once (see [`DEFER_BYTES`]).
    deferred: bool,
    /// Why writing failed, once it has.
    #[allow(clippy::box_collection)] // a thin pointer on purpose (see above)
    failure: Option<Box<String>>,
}

impl<W: AsyncWrite + Unpin> Writer<W> {
    /// A writer onto `io`.
    pub fn new(io: W) -> Writer<W> {
        Writer {
            io,
            buffer: Vec::new(),
            written: 0,
            closing: false,
            ended: false,
            deferred: false,
            failure: None,
        }
    }

    /// Whether it has ended (closed and written, or failed).
    pub fn ended(&self) -> bool {
        self.ended
    }

    /// Why writing failed, once it has.
    pub fn failure(&self) -> Option<&str> {
        self.failure.as_deref().map(String::as_str)
    }

    /// How it ended, once it has.
    fn end(&self) -> Option<WriterEnd> {
        self.ended.then(|| match &self.failure {
            Some(error) => WriterEnd::Failed(error.as_str().into()),
            None => WriterEnd::Closed,
        })
    }

    /// Bytes this writer holds allocated (for tests: 0 while idle).
    pub fn buffered_capacity(&self) -> usize {
        self.buffer.capacity()
    }

    /// Writes what `outbound` holds until it ends (closed and written, or
    /// failed); pending while there is nothing to write. Cancel-safe.
    pub async fn drive(&mut self, outbound: &Outbound) -> WriterEnd {
        poll_fn(|cx| self.poll_drive(cx, outbound)).await
    }

    /// One step of [`Writer::drive`]: makes all the progress it can now.
    pub fn poll_drive(&mut self, cx: &mut Context<'_>, outbound: &Outbound) -> Poll<WriterEnd> {
        if let Some(end) = self.end() {
            return Poll::Ready(end);
        }
        if let Err(error) = ready!(self.poll_progress(cx, outbound)) {
            tracing::debug!(%error, "write failed");
            outbound.close(None);
            self.buffer = Vec::new();
            self.failure = Some(Box::new(error.to_string()));
        }
        self.ended = true;
        Poll::Ready(self.end().unwrap_or(WriterEnd::Closed))
    }

    /// Ready with `Ok` once closed and shut down, with `Err` when the socket fails.
    fn poll_progress(&mut self, cx: &mut Context<'_>, outbound: &Outbound) -> Poll<io::Result<()>> {
        let mut io = Pin::new(&mut self.io);
        loop {
            let written = self.written as usize;
            if written < self.buffer.len() {
                let wrote = ready!(io.as_mut().poll_write(cx, &self.buffer[written..]))?;
                if wrote == 0 {
                    return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
                }
                // The buffer's length fits (see the field): so does the sum.
                self.written = u32::try_from(written + wrote).unwrap_or(u32::MAX);
                continue;
            }
            if !self.buffer.is_empty() {
                // Flushing matters for TLS: a TLS stream may accept the bytes
                // while the socket is full and send them only when flushed.
                ready!(io.as_mut().poll_flush(cx))?;
                crate::metrics::sent(self.buffer.len());
                self.buffer.clear();
                self.written = 0;
            }
            if self.closing {
                return io.as_mut().poll_shutdown(cx);
            }
            // Registered for the next push if there is nothing to take.
            let below = if self.deferred { 0 } else { DEFER_BYTES };
            let Some(closing) =
                outbound.take_batch_unless_little(&mut self.buffer, Some(cx.waker()), below)
            else {
                self.deferred = true;
                defer(cx);
                return Poll::Pending;
            };
            self.deferred = false;
            self.closing = closing;
            if self.buffer.is_empty() && !self.closing {
                if self.buffer.capacity() > 0 {
                    self.buffer = Vec::new();
                }
                return Poll::Pending;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use tokio::io::AsyncReadExt;

    #[tokio::test]
    async fn writes_in_order_releases_its_buffer_when_idle_and_ends_when_closed() {
        let outbound = Outbound::new(1000);
        let (client, mut server) = tokio::io::duplex(8);
        let mut writer = Writer::new(client);
        outbound
            .push(Bytes::from_static(b"first line\r\n"))
            .unwrap();
        let mut received = vec![0; 12];
        // The socket takes 8 bytes at a time: the writer is polled (and its
        // future dropped) between reads and loses nothing.
        tokio::select! {
            _ = writer.drive(&outbound) => panic!("the queue is open"),
            read = server.read_exact(&mut received) => { read.unwrap(); }
        }
        assert_eq!(received, b"first line\r\n");
        let pending = futures::poll!(std::pin::pin!(writer.drive(&outbound)));
        assert!(pending.is_pending());
        assert_eq!(writer.buffered_capacity(), 0, "nothing held while idle");
        outbound.push(Bytes::from_static(b"b\r\n")).unwrap();
        outbound.close(Some(Bytes::from_static(b"ERROR :bye\r\n")));
        let (end, rest) = tokio::join!(writer.drive(&outbound), async {
            let mut rest = Vec::new();
            server.read_to_end(&mut rest).await.unwrap();
            rest
        });
        assert_eq!(end, WriterEnd::Closed);
        assert_eq!(rest, b"b\r\nERROR :bye\r\n");
    }

    /// A socket that keeps every write call apart.
    #[derive(Default)]
    struct Writes(Vec<Vec<u8>>);

    impl AsyncWrite for Writes {
        fn poll_write(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            self.0.push(buf.to_vec());
            Poll::Ready(Ok(buf.len()))
        }

        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }

        fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    /// Woken for a channel's line or two, a writer waits once (the runtime
    /// reads the other ready sockets first), so the lines the channel's other
    /// senders said meanwhile share its write.
    #[tokio::test]
    async fn a_wake_for_a_channel_line_waits_once_for_more_lines() {
        let outbound = Outbound::new(10_000);
        let mut writer = Writer::new(Writes::default());
        outbound
            .push_channel_line(&Bytes::from_static(b"first\r\n"))
            .unwrap();
        let pending = futures::poll!(std::pin::pin!(writer.drive(&outbound)));
        assert!(pending.is_pending());
        assert!(writer.io.0.is_empty(), "not written at once");
        outbound
            .push_channel_line(&Bytes::from_static(b"second\r\n"))
            .unwrap();
        let pending = futures::poll!(std::pin::pin!(writer.drive(&outbound)));
        assert!(pending.is_pending());
        assert_eq!(writer.io.0, [b"first\r\nsecond\r\n".to_vec()]);
        // Nothing else comes: the deferred wake still brings it back.
        outbound
            .push_channel_line(&Bytes::from_static(b"third\r\n"))
            .unwrap();
        let drive = tokio::spawn(async move {
            let pending = futures::poll!(std::pin::pin!(writer.drive(&outbound)));
            assert!(pending.is_pending());
            tokio::task::yield_now().await;
            let pending = futures::poll!(std::pin::pin!(writer.drive(&outbound)));
            assert!(pending.is_pending());
            writer.io.0
        });
        assert_eq!(drive.await.unwrap().len(), 2, "written after one wait");
    }

    /// A whisper (no channel's line queued) and a batch of DEFER_BYTES or
    /// more are written at once.
    #[tokio::test]
    async fn a_whisper_or_a_full_batch_is_written_at_once() {
        let outbound = Outbound::new(10_000);
        let mut writer = Writer::new(Writes::default());
        outbound.push(Bytes::from_static(b"whisper\r\n")).unwrap();
        let pending = futures::poll!(std::pin::pin!(writer.drive(&outbound)));
        assert!(pending.is_pending());
        assert_eq!(writer.io.0, [b"whisper\r\n".to_vec()]);
        let line = Bytes::from(vec![b'x'; DEFER_BYTES]);
        outbound.push_channel_line(&line).unwrap();
        let pending = futures::poll!(std::pin::pin!(writer.drive(&outbound)));
        assert!(pending.is_pending());
        assert_eq!(writer.io.0[1], line.to_vec());
    }

    #[tokio::test]
    async fn a_failed_socket_ends_the_writer_and_closes_the_queue() {
        let outbound = Outbound::new(1000);
        let (client, server) = tokio::io::duplex(8);
        drop(server);
        let mut writer = Writer::new(client);
        outbound.push(Bytes::from_static(b"lost\r\n")).unwrap();
        assert!(matches!(
            writer.drive(&outbound).await,
            WriterEnd::Failed(_)
        ));
        assert!(outbound.is_closing());
        assert!(writer.ended() && writer.failure().is_some());
    }
}
