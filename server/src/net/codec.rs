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

/// Frames lines of at most `max_length` bytes (terminator excluded).
#[derive(Debug)]
pub struct LineCodec {
    max_length: usize,
    /// True while the rest of an overlong line is being thrown away.
    discarding: bool,
    /// How far the buffer has already been searched for LF.
    scanned: usize,
}

impl LineCodec {
    /// A codec that accepts lines up to `max_length` bytes.
    pub fn new(max_length: usize) -> LineCodec {
        LineCodec {
            max_length,
            discarding: false,
            scanned: 0,
        }
    }
}

impl Decoder for LineCodec {
    type Item = Inbound;
    type Error = std::io::Error;

    fn decode(&mut self, buffer: &mut BytesMut) -> Result<Option<Inbound>, std::io::Error> {
        loop {
            let newline = buffer[self.scanned..].iter().position(|&b| b == b'\n');
            match (newline, self.discarding) {
                (Some(offset), true) => {
                    buffer.advance(self.scanned + offset + 1);
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
                    let end = self.scanned + offset;
                    self.scanned = 0;
                    let mut line = buffer.split_to(end + 1);
                    line.truncate(end);
                    if line.last() == Some(&b'\r') {
                        line.truncate(end - 1);
                    }
                    if line.len() > self.max_length {
                        return Ok(Some(Inbound::TooLong));
                    }
                    return Ok(Some(Inbound::Line(line.freeze())));
                }
                (None, false) => {
                    // A CR may still be followed by LF, so allow one extra byte.
                    if buffer.len() > self.max_length + 1 {
                        self.discarding = true;
                        self.scanned = 0;
                        continue;
                    }
                    self.scanned = buffer.len();
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
    fn unterminated_last_line_is_kept_at_eof() {
        let mut codec = LineCodec::new(100);
        let mut buffer = BytesMut::from(&b"bye"[..]);
        assert_eq!(codec.decode(&mut buffer).unwrap(), None);
        assert_eq!(codec.decode_eof(&mut buffer).unwrap(), Some(line("bye")));
    }
}
