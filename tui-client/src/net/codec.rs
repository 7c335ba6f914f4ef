//! Splitting the server's byte stream into lines: CRLF or LF, invalid UTF-8
//! replaced rather than fatal, overlong lines dropped instead of buffered
//! without bound.

use tokio_util::bytes::{Buf, BytesMut};
use tokio_util::codec::Decoder;

/// Longest line accepted: 8191 bytes of tags plus 512 of message.
pub const MAX_LINE_BYTES: usize = 8191 + 512;

/// What the decoder yields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Incoming {
    /// A complete line without its line ending.
    Line(String),
    /// A line longer than `MAX_LINE_BYTES` was skipped.
    Overlong,
    /// The server's first bytes are a TLS record (a handshake or an alert):
    /// this is a TLS port spoken to in clear.
    Tls,
}

/// Line decoder for IRC.
#[derive(Debug, Default)]
pub struct LineDecoder {
    discarding: bool,
    /// Whether any byte has been decoded yet (TLS shows in the first two).
    started: bool,
}

/// Whether `bytes` begin like a TLS record: content type handshake (22) or
/// alert (21), then major version 3. No IRC line starts with either.
fn looks_like_tls(bytes: &[u8]) -> bool {
    matches!(bytes, [0x15 | 0x16, 0x03, ..])
}

impl Decoder for LineDecoder {
    type Item = Incoming;
    type Error = std::io::Error;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Incoming>, std::io::Error> {
        if !self.started {
            if src.len() < 2 {
                return Ok(None);
            }
            self.started = true;
            if looks_like_tls(src) {
                src.clear();
                return Ok(Some(Incoming::Tls));
            }
        }
        loop {
            match src.iter().position(|b| *b == b'\n') {
                Some(end) => {
                    let line = src.split_to(end + 1);
                    if std::mem::take(&mut self.discarding) {
                        return Ok(Some(Incoming::Overlong));
                    }
                    if line.len() > MAX_LINE_BYTES {
                        return Ok(Some(Incoming::Overlong));
                    }
                    let text = String::from_utf8_lossy(&line);
                    let text = text.trim_end_matches(['\r', '\n']);
                    if text.is_empty() {
                        continue;
                    }
                    return Ok(Some(Incoming::Line(text.to_owned())));
                }
                None => {
                    if src.len() > MAX_LINE_BYTES {
                        self.discarding = true;
                        src.advance(src.len());
                    }
                    return Ok(None);
                }
            }
        }
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Incoming>, std::io::Error> {
        if let Some(item) = self.decode(src)? {
            return Ok(Some(item));
        }
        // The server closed mid-line: what it sent is still worth showing
        // (an unterminated ERROR), and never an error of ours.
        self.started = true;
        if src.is_empty() || std::mem::take(&mut self.discarding) {
            src.clear();
            return Ok(None);
        }
        let text = String::from_utf8_lossy(src)
            .trim_end_matches('\r')
            .to_owned();
        src.clear();
        Ok((!text.is_empty()).then_some(Incoming::Line(text)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(input: &[u8]) -> Vec<Incoming> {
        let mut decoder = LineDecoder::default();
        let mut buffer = BytesMut::from(input);
        let mut out = Vec::new();
        while let Some(item) = decoder.decode(&mut buffer).unwrap() {
            out.push(item);
        }
        out
    }

    #[test]
    fn a_tls_record_first_is_recognised() {
        assert_eq!(
            decode_all(b"\x15\x03\x03\x00\x02\x02\x32"),
            vec![Incoming::Tls]
        );
        assert_eq!(decode_all(b"\x16\x03\x01\x02\x00\x01"), vec![Incoming::Tls]);
        assert_eq!(
            decode_all(b":srv NOTICE * :hi\r\n\x16\x03\r\n"),
            vec![
                Incoming::Line(":srv NOTICE * :hi".into()),
                Incoming::Line("\u{16}\u{3}".into())
            ]
        );
    }

    #[test]
    fn splits_crlf_and_lf_and_skips_blank_lines() {
        assert_eq!(
            decode_all(b"PING a\r\n\r\nPING b\n"),
            vec![
                Incoming::Line("PING a".into()),
                Incoming::Line("PING b".into())
            ]
        );
    }

    #[test]
    fn invalid_utf8_is_replaced_not_fatal() {
        assert_eq!(
            decode_all(b"PRIVMSG #a :\xff\xfeok\r\n"),
            vec![Incoming::Line("PRIVMSG #a :\u{fffd}\u{fffd}ok".into())]
        );
    }

    #[test]
    fn overlong_lines_are_skipped_and_reading_goes_on() {
        let mut input = vec![b'x'; MAX_LINE_BYTES + 10];
        input.extend_from_slice(b"\r\nPING ok\r\n");
        let mut decoder = LineDecoder::default();
        let mut buffer = BytesMut::new();
        let mut out = Vec::new();
        for chunk in input.chunks(1000) {
            buffer.extend_from_slice(chunk);
            while let Some(item) = decoder.decode(&mut buffer).unwrap() {
                out.push(item);
            }
        }
        assert_eq!(
            out,
            vec![Incoming::Overlong, Incoming::Line("PING ok".into())]
        );
    }
}
