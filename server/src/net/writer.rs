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
use bytes::BytesMut;
use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use tokio::io::AsyncWrite;

/// How a writer ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriterEnd {
    /// The queue was closed, everything in it written and the socket shut down.
    Closed,
    /// Writing failed; the queue is closed and what is left in it is dropped.
    Failed(String),
}

/// The write side of one connection (see the module docs).
#[derive(Debug)]
pub struct Writer<W> {
    io: W,
    /// The batch being written; unallocated while there is none.
    buffer: BytesMut,
    /// How much of `buffer` the socket has taken.
    written: usize,
    /// The batch in `buffer` is the last: shut the socket down after it.
    closing: bool,
    end: Option<WriterEnd>,
}

impl<W: AsyncWrite + Unpin> Writer<W> {
    /// A writer onto `io`.
    pub fn new(io: W) -> Writer<W> {
        Writer {
            io,
            buffer: BytesMut::new(),
            written: 0,
            closing: false,
            end: None,
        }
    }

    /// How it ended, once it has.
    pub fn end(&self) -> Option<&WriterEnd> {
        self.end.as_ref()
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
        if let Some(end) = &self.end {
            return Poll::Ready(end.clone());
        }
        match ready!(self.poll_progress(cx, outbound)) {
            Ok(()) => self.end = Some(WriterEnd::Closed),
            Err(error) => {
                tracing::debug!(%error, "write failed");
                outbound.close(None);
                self.buffer = BytesMut::new();
                self.end = Some(WriterEnd::Failed(error.to_string()));
            }
        }
        Poll::Ready(self.end.clone().unwrap_or(WriterEnd::Closed))
    }

    /// Ready with `Ok` once closed and shut down, with `Err` when the socket fails.
    fn poll_progress(&mut self, cx: &mut Context<'_>, outbound: &Outbound) -> Poll<io::Result<()>> {
        let mut io = Pin::new(&mut self.io);
        loop {
            if self.written < self.buffer.len() {
                let wrote = ready!(io.as_mut().poll_write(cx, &self.buffer[self.written..]))?;
                if wrote == 0 {
                    return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
                }
                self.written += wrote;
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
            self.closing = outbound.take_batch(&mut self.buffer);
            if self.buffer.is_empty() && !self.closing {
                if self.buffer.capacity() > 0 {
                    self.buffer = BytesMut::new();
                }
                outbound.register_writer(cx.waker());
                // A push between the look above and the registration woke nobody.
                self.closing = outbound.take_batch(&mut self.buffer);
                if self.buffer.is_empty() && !self.closing {
                    return Poll::Pending;
                }
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
        assert!(matches!(writer.end(), Some(WriterEnd::Failed(_))));
    }
}
