//! Counting the bytes clients send, beneath the line codec.

use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, ReadBuf};

/// An `AsyncRead` that adds every byte read to [`super::RECEIVED_BYTES`].
#[derive(Debug)]
pub struct CountedRead<R> {
    inner: R,
}

impl<R> CountedRead<R> {
    /// Wraps `inner`.
    pub fn new(inner: R) -> CountedRead<R> {
        CountedRead { inner }
    }
}

impl<R: AsyncRead + Unpin> AsyncRead for CountedRead<R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let result = Pin::new(&mut self.inner).poll_read(cx, buf);
        let read = buf.filled().len() - before;
        if read > 0 {
            super::received(read);
        }
        result
    }
}
