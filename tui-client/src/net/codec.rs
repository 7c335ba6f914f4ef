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
}

/// Line decoder for IRC.
#[derive(Debug, Default)]
pub struct LineDecoder {
    discarding: bool,
}

impl Decoder for LineDecoder {
    type Item = Incoming;
    type Error = std::io::Error;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Incoming>, std::io::Error> {
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
