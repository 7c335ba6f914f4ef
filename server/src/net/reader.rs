//! Reading a client's lines without holding a buffer while it is idle.
//!
//! Most connections say nothing for minutes at a time, yet a framed reader
//! keeps its read buffer (tokio-util's starts at 8 KiB) for the connection's
//! whole life. Here each read goes into a scratch array on the stack of the
//! poll that makes it; only what is left over (the unfinished end of a line)
//! is copied into the connection's own buffer, and that buffer is given back
//! as soon as it is empty. An idle connection between lines holds nothing.

use super::codec::{Inbound, LineCodec};
use bytes::BytesMut;
use futures::Stream;
use std::io;
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use tokio::io::{AsyncRead, ReadBuf};
use tokio_util::codec::Decoder;

/// Bytes taken from the socket per read: one poll's stack scratch.
const SCRATCH: usize = 4096;

/// A stream of framed lines from `R` (see the module docs).
#[derive(Debug)]
pub struct LineReader<R> {
    inner: R,
    codec: LineCodec,
    /// The unfinished end of the last read; unallocated when empty.
    pending: BytesMut,
    /// The peer closed its side (or reading failed): what is pending is flushed out, then `None`.
    eof: bool,
}

impl<R: AsyncRead + Unpin> LineReader<R> {
    /// Frames the bytes of `inner` with `codec`.
    pub fn new(inner: R, codec: LineCodec) -> LineReader<R> {
        LineReader {
            inner,
            codec,
            pending: BytesMut::new(),
            eof: false,
        }
    }

    /// Bytes this reader holds allocated between lines (for tests: 0 while idle).
    pub fn buffered_capacity(&self) -> usize {
        self.pending.capacity()
    }

    /// The next complete line among the bytes already read, without reading
    /// the socket: a burst of lines that arrived in one read is taken line by
    /// line without going back to the event loop for each. `None` when no
    /// whole line is waiting (the end of input is left to the stream).
    pub fn next_buffered(&mut self) -> Option<io::Result<Inbound>> {
        if self.eof || self.pending.is_empty() {
            return None;
        }
        self.decode_pending().transpose()
    }

    /// The next complete line already read, releasing the buffer once it is drained.
    fn decode_pending(&mut self) -> io::Result<Option<Inbound>> {
        let item = if self.eof {
            self.codec.decode_eof(&mut self.pending)?
        } else {
            self.codec.decode(&mut self.pending)?
        };
        if self.pending.is_empty() && self.pending.capacity() > 0 {
            self.pending = BytesMut::new();
        }
        Ok(item)
    }
}

impl<R: AsyncRead + Unpin> Stream for LineReader<R> {
    type Item = io::Result<Inbound>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            match this.decode_pending() {
                Ok(Some(item)) => return Poll::Ready(Some(Ok(item))),
                Ok(None) if this.eof => return Poll::Ready(None),
                Ok(None) => {}
                Err(error) => return Poll::Ready(Some(Err(error))),
            }
            let mut scratch = [MaybeUninit::<u8>::uninit(); SCRATCH];
            let mut buffer = ReadBuf::uninit(&mut scratch);
            ready!(Pin::new(&mut this.inner).poll_read(cx, &mut buffer))?;
            if buffer.filled().is_empty() {
                this.eof = true;
            } else {
                this.pending.extend_from_slice(buffer.filled());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use futures::StreamExt;
    use tokio::io::AsyncWriteExt;

    fn line(text: &str) -> Inbound {
        Inbound::Line(Bytes::copy_from_slice(text.as_bytes()))
    }

    #[tokio::test]
    async fn lines_split_across_reads_are_joined_and_the_buffer_is_released_between_lines() {
        let (mut client, server) = tokio::io::duplex(64);
        let mut reader = LineReader::new(server, LineCodec::new(100));
        client.write_all(b"NICK a\r\nUSER a 0 ").await.unwrap();
        assert_eq!(reader.next().await.unwrap().unwrap(), line("NICK a"));
        assert!(reader.buffered_capacity() > 0, "the half line is kept");
        client.write_all(b"* :A\r\n").await.unwrap();
        assert_eq!(reader.next().await.unwrap().unwrap(), line("USER a 0 * :A"));
        assert_eq!(reader.buffered_capacity(), 0, "nothing held while idle");
    }

    #[tokio::test]
    async fn a_read_bigger_than_the_scratch_yields_every_line_in_order() {
        let (mut client, server) = tokio::io::duplex(3 * SCRATCH);
        let mut reader = LineReader::new(server, LineCodec::new(100));
        let input: String = (0..1000).map(|n| format!("PRIVMSG #a :{n}\r\n")).collect();
        let writer = tokio::spawn(async move {
            client.write_all(input.as_bytes()).await.unwrap();
        });
        for n in 0..1000 {
            let expected = format!("PRIVMSG #a :{n}");
            assert_eq!(reader.next().await.unwrap().unwrap(), line(&expected));
        }
        writer.await.unwrap();
        assert!(reader.next().await.is_none(), "the writer closed");
        assert_eq!(reader.buffered_capacity(), 0);
    }

    #[tokio::test]
    async fn lines_of_one_read_are_taken_without_reading_again() {
        let (mut client, server) = tokio::io::duplex(256);
        let mut reader = LineReader::new(server, LineCodec::new(100));
        assert!(reader.next_buffered().is_none(), "nothing read yet");
        client.write_all(b"A\r\nB\r\nC").await.unwrap();
        assert_eq!(reader.next().await.unwrap().unwrap(), line("A"));
        assert_eq!(reader.next_buffered().unwrap().unwrap(), line("B"));
        // "C" is not a whole line yet: it waits for the next read.
        assert!(reader.next_buffered().is_none());
        client.write_all(b"\r\n").await.unwrap();
        drop(client);
        assert_eq!(reader.next().await.unwrap().unwrap(), line("C"));
        assert!(reader.next_buffered().is_none());
        assert!(reader.next().await.is_none());
    }

    #[tokio::test]
    async fn an_unterminated_last_line_counts_and_an_overlong_one_is_reported() {
        let (mut client, server) = tokio::io::duplex(256);
        let mut reader = LineReader::new(server, LineCodec::new(10));
        client
            .write_all(b"01234567890123456789\r\nok\r\nbye")
            .await
            .unwrap();
        drop(client);
        assert_eq!(reader.next().await.unwrap().unwrap(), Inbound::TooLong);
        assert_eq!(reader.next().await.unwrap().unwrap(), line("ok"));
        assert_eq!(reader.next().await.unwrap().unwrap(), line("bye"));
        assert!(reader.next().await.is_none());
    }
}
