//! Splits the byte stream into lines with a hard length limit.
//!
//! Lines end in LF, optionally preceded by CR. A line longer than the limit is
//! not an error that closes the connection: the rest of it is discarded up to
//! the next LF and the caller is told, so it can answer `417` and go on.

use bytes::{Buf, Bytes, BytesMut};
use tokio_util::codec::Decoder;

/// One framed unit read from a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inbound {
    /// A complete line without its CR/LF; may be any bytes (UTF-8 is checked later).
    Line(Bytes),
    /// A line that exceeded the limit; its bytes were discarded.
    TooLong,
}

/// The most tag bytes a client line may carry, with the leading `@` and the space after:
/// IRCv3 message-tags allows clients 4094 bytes of tag data and says to answer more with 417.
pub const CLIENT_TAGS_MAX: usize = 4096;

/// Frames lines within IRC's limits: a tag section (`@...` and its space) of at
/// most `max_tags` bytes, and the rest of at most `max_body` bytes (CR/LF
/// excluded). A line is refused as soon as it is known to be too long, so at
/// most one line's worth of bytes is ever buffered; a framed line is copied
/// out of the read buffer, so queued lines hold exactly their own bytes.
///
/// Its numbers are narrow (a line and the buffer behind it are far shorter;
/// a tag section is at most [`CLIENT_TAGS_MAX`] bytes on a server, more
/// counts as 65 535): a codec is in every idle connection's task, where
/// 16 bytes fewer count (`session::tests::an_idle_connection_keeps_little_state`).
#[derive(Debug)]
pub struct LineCodec {
    max_tags: u16,
    max_body: u32,
    /// How far the buffer has already been searched for LF.
    scanned: u32,
    /// True while the rest of an overlong line is being thrown away.
    discarding: bool,
}

/// `n` as a `u32`, saturating (limits and offsets beyond 4 GiB do not occur).
fn narrow(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl LineCodec {
    /// A codec that accepts lines up to `max_length` bytes, tags included.
    pub fn new(max_length: usize) -> LineCodec {
        LineCodec::with_limits(max_length, max_length)
    }

    /// A codec for tag sections up to `max_tags` bytes and the rest up to `max_body` bytes.
    pub fn with_limits(max_tags: usize, max_body: usize) -> LineCodec {
        LineCodec {
            max_tags: u16::try_from(max_tags).unwrap_or(u16::MAX),
            max_body: narrow(max_body),
            scanned: 0,
            discarding: false,
        }
    }

    /// The codec for the `[limits]` table: `line_length` includes CRLF, and
    /// client tags are held to IRCv3's limit whatever `tags_length` says.
    pub fn for_limits(limits: &crate::config::LimitsConfig) -> LineCodec {
        LineCodec::with_limits(
            limits.tags_length.min(CLIENT_TAGS_MAX),
            limits.line_length.saturating_sub(2),
        )
    }

    /// Whether `bytes` (a whole line, or the start of one when `partial`) is
    /// within the limits. A partial line may still end in CR, so one more byte is allowed.
    fn fits(&self, bytes: &[u8], partial: bool) -> bool {
        let slack = usize::from(partial);
        let (max_tags, max_body) = (usize::from(self.max_tags), self.max_body as usize);
        match bytes.first() {
            Some(b'@') => match bytes.iter().position(|&b| b == b' ') {
                Some(space) => space < max_tags && bytes.len() - space - 1 <= max_body + slack,
                None => bytes.len() <= max_tags + slack,
            },
            _ => bytes.len() <= max_body + slack,
        }
    }
}

impl Decoder for LineCodec {
    type Item = Inbound;
    type Error = std::io::Error;

    fn decode(&mut self, buffer: &mut BytesMut) -> Result<Option<Inbound>, std::io::Error> {
        loop {
            let scanned = (self.scanned as usize).min(buffer.len());
            // Vectorised: a byte-at-a-time search was most of this function's CPU.
            let newline = memchr::memchr(b'\n', &buffer[scanned..]);
            match (newline, self.discarding) {
                (Some(offset), true) => {
                    buffer.advance(scanned + offset + 1);
                    self.scanned = 0;
                    self.discarding = false;
                    return Ok(Some(Inbound::TooLong));
                }
                (None, true) => {
                    buffer.clear();
                    self.scanned = 0;
                    return Ok(None);
                }
                (Some(offset), false) => {
                    let end = scanned + offset;
                    self.scanned = 0;
                    let mut line = &buffer[..end];
                    if line.last() == Some(&b'\r') {
                        line = &line[..end - 1];
                    }
                    let item = if self.fits(line, false) {
                        Inbound::Line(Bytes::copy_from_slice(line))
                    } else {
                        Inbound::TooLong
                    };
                    buffer.advance(end + 1);
                    return Ok(Some(item));
                }
                (None, false) => {
                    if !self.fits(buffer, true) {
                        self.discarding = true;
                        self.scanned = 0;
                        continue;
                    }
                    self.scanned = narrow(buffer.len());
                    return Ok(None);
                }
            }
        }
    }

    fn decode_eof(&mut self, buffer: &mut BytesMut) -> Result<Option<Inbound>, std::io::Error> {
        if let Some(item) = self.decode(buffer)? {
            return Ok(Some(item));
        }
        // A last line without a terminator still counts, as with nc -N or a closed pipe.
        if buffer.is_empty() || self.discarding {
            buffer.clear();
            return Ok(None);
        }
        self.scanned = 0;
        let mut line = buffer.split();
        if line.last() == Some(&b'\r') {
            line.truncate(line.len() - 1);
        }
        if !self.fits(&line, false) {
            return Ok(Some(Inbound::TooLong));
        }
        Ok(Some(Inbound::Line(line.freeze())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(codec: &mut LineCodec, input: &[u8]) -> Vec<Inbound> {
        let mut buffer = BytesMut::from(input);
        let mut out = Vec::new();
        while let Some(item) = codec.decode(&mut buffer).unwrap() {
            out.push(item);
        }
        out
    }

    fn line(text: &str) -> Inbound {
        Inbound::Line(Bytes::copy_from_slice(text.as_bytes()))
    }

    #[test]
    fn splits_on_crlf_and_bare_lf() {
        let mut codec = LineCodec::new(100);
        let items = decode_all(&mut codec, b"NICK a\r\nUSER a 0 * :A\nPING x\r\n");
        assert_eq!(
            items,
            vec![line("NICK a"), line("USER a 0 * :A"), line("PING x")]
        );
    }

    #[test]
    fn overlong_line_is_reported_once_and_the_next_line_survives() {
        let mut codec = LineCodec::new(10);
        let mut input = vec![b'x'; 50];
        input.extend_from_slice(b"\r\nok\r\n");
        let items = decode_all(&mut codec, &input);
        assert_eq!(items, vec![Inbound::TooLong, line("ok")]);
    }

    #[test]
    fn overlong_line_split_across_reads_is_discarded() {
        let mut codec = LineCodec::new(10);
        let mut buffer = BytesMut::from(&[b'y'; 30][..]);
        assert_eq!(codec.decode(&mut buffer).unwrap(), None);
        assert!(buffer.is_empty(), "discarded bytes must not pile up");
        buffer.extend_from_slice(b"yyyy\nnext\n");
        assert_eq!(codec.decode(&mut buffer).unwrap(), Some(Inbound::TooLong));
        assert_eq!(codec.decode(&mut buffer).unwrap(), Some(line("next")));
    }

    #[test]
    fn line_of_exactly_the_limit_passes() {
        let mut codec = LineCodec::new(5);
        assert_eq!(decode_all(&mut codec, b"12345\r\n"), vec![line("12345")]);
        assert_eq!(
            decode_all(&mut codec, b"123456\r\n"),
            vec![Inbound::TooLong]
        );
    }

    #[test]
    fn tags_and_the_rest_have_separate_limits() {
        let mut codec = LineCodec::with_limits(10, 5);
        assert_eq!(
            decode_all(
                &mut codec,
                b"@a=1;b=2 12345
"
            ),
            vec![line("@a=1;b=2 12345")]
        );
        assert_eq!(
            decode_all(
                &mut codec,
                b"@a=1;b=2 123456
"
            ),
            vec![Inbound::TooLong]
        );
        assert_eq!(
            decode_all(
                &mut codec,
                b"@a=1;b=2;c=3 1
"
            ),
            vec![Inbound::TooLong]
        );
    }

    #[test]
    fn an_overlong_line_is_refused_before_it_is_buffered_whole() {
        let mut codec = LineCodec::with_limits(10, 5);
        let mut buffer = BytesMut::from(&b"1234567"[..]);
        assert_eq!(codec.decode(&mut buffer).unwrap(), None);
        assert!(buffer.is_empty(), "nothing of it is kept");
        let mut buffer = BytesMut::from(&b"@t 1234567"[..]);
        assert_eq!(codec.decode(&mut buffer).unwrap(), None);
        assert!(buffer.is_empty(), "nothing of it is kept");
    }

    #[test]
    fn unterminated_last_line_is_kept_at_eof() {
        let mut codec = LineCodec::new(100);
        let mut buffer = BytesMut::from(&b"bye"[..]);
        assert_eq!(codec.decode(&mut buffer).unwrap(), None);
        assert_eq!(codec.decode_eof(&mut buffer).unwrap(), Some(line("bye")));
    }
}
