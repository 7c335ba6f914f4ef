//! The measured lines: what senders write and how receivers recognise them.
//!
//! A measured message is `PRIVMSG <target> :nb <sender> <seq> <sent_ns> xxx…`,
//! padded with `x` to the requested text size. `sent_ns` is nanoseconds since
//! the run's common epoch (one process, one monotonic clock), so latency needs
//! no clock synchronisation. Everything else a server sends (numerics, JOINs,
//! NOTICEs) is not a delivery and is ignored.

use std::io::Write;

/// The text every measured message starts with.
const MARK: &[u8] = b"nb ";

/// One measured message as a receiver saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivery {
    /// Which sender wrote it (index into the run's senders).
    pub sender: u32,
    /// The sender's sequence number, from 1, one per message.
    pub seq: u64,
    /// When it was written, in nanoseconds since the run's epoch.
    pub sent_ns: u64,
}

/// Appends one measured `PRIVMSG` line (with CRLF) to `buffer`. The text is
/// padded with `x` to `text_size` bytes when the header is shorter.
pub fn write_privmsg(buffer: &mut Vec<u8>, target: &str, message: Delivery, text_size: usize) {
    let start = buffer.len();
    // Writing into a Vec cannot fail.
    let _ = write!(
        buffer,
        "PRIVMSG {target} :nb {} {} {}",
        message.sender, message.seq, message.sent_ns
    );
    let header = "PRIVMSG ".len() + target.len() + 2;
    let text_len = buffer.len() - start - header;
    if text_len < text_size {
        buffer.push(b' ');
        buffer.resize(buffer.len() + text_size - text_len - 1, b'x');
    }
    buffer.extend_from_slice(b"\r\n");
}

/// The measured message in one line received from a server (without its
/// line ending), or `None` when the line is anything else.
///
/// Accepts the forms servers send: an optional `@tags` part, a `:prefix`,
/// then `PRIVMSG <target> :nb …`.
pub fn parse_delivery(line: &[u8]) -> Option<Delivery> {
    let mut rest = line;
    if rest.first() == Some(&b'@') {
        rest = after_space(rest)?;
    }
    if rest.first() == Some(&b':') {
        rest = after_space(rest)?;
    }
    rest = rest.strip_prefix(b"PRIVMSG ")?;
    rest = after_space(rest)?;
    rest = rest.strip_prefix(b":")?.strip_prefix(MARK)?;
    let mut fields = rest.split(|&byte| byte == b' ');
    let sender = number(fields.next()?)?;
    let seq = number(fields.next()?)?;
    let sent_ns = number(fields.next()?)?;
    Some(Delivery {
        sender: u32::try_from(sender).ok()?,
        seq,
        sent_ns,
    })
}

/// What follows the first space (and any further spaces).
fn after_space(bytes: &[u8]) -> Option<&[u8]> {
    let at = bytes.iter().position(|&byte| byte == b' ')?;
    let mut rest = &bytes[at..];
    while let Some(stripped) = rest.strip_prefix(b" ") {
        rest = stripped;
    }
    Some(rest)
}

/// A decimal number of at most 19 digits.
fn number(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() || digits.len() > 19 {
        return None;
    }
    digits.iter().try_fold(0u64, |value, &byte| {
        byte.is_ascii_digit()
            .then(|| value * 10 + u64::from(byte - b'0'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MESSAGE: Delivery = Delivery {
        sender: 7,
        seq: 42,
        sent_ns: 123_456_789,
    };

    #[test]
    fn written_lines_are_padded_to_the_text_size() {
        let mut buffer = Vec::new();
        write_privmsg(&mut buffer, "#bench", MESSAGE, 100);
        let line = std::str::from_utf8(&buffer).unwrap();
        assert!(
            line.starts_with("PRIVMSG #bench :nb 7 42 123456789 xxx"),
            "{line}"
        );
        assert!(line.ends_with("x\r\n"));
        let text = line.trim_end().split_once(" :").unwrap().1;
        assert_eq!(text.len(), 100);
    }

    #[test]
    fn a_header_longer_than_the_size_is_not_padded() {
        let mut buffer = Vec::new();
        write_privmsg(&mut buffer, "bob", MESSAGE, 3);
        assert_eq!(buffer, b"PRIVMSG bob :nb 7 42 123456789\r\n");
    }

    #[test]
    fn deliveries_are_recognised_with_prefix_and_tags() {
        let plain = b":alice!a@127.0.0.1 PRIVMSG #bench :nb 7 42 123456789 xxxx";
        assert_eq!(parse_delivery(plain), Some(MESSAGE));
        let tagged =
            b"@time=2026-01-01T00:00:00.000Z;msgid=abc :alice!a@h PRIVMSG bob :nb 7 42 123456789";
        assert_eq!(parse_delivery(tagged), Some(MESSAGE));
        let no_prefix = b"PRIVMSG bob :nb 7 42 123456789";
        assert_eq!(parse_delivery(no_prefix), Some(MESSAGE));
    }

    #[test]
    fn a_written_line_parses_back() {
        let mut buffer = b":a!b@c ".to_vec();
        write_privmsg(&mut buffer, "#x", MESSAGE, 50);
        let line = buffer.strip_suffix(b"\r\n").unwrap();
        assert_eq!(parse_delivery(line), Some(MESSAGE));
    }

    #[test]
    fn other_lines_are_not_deliveries() {
        for line in [
            &b":srv 001 nick :Welcome"[..],
            b":alice!a@h NOTICE #bench :nb 1 2 3",
            b":alice!a@h PRIVMSG #bench :hello there",
            b":alice!a@h PRIVMSG #bench :nb 1 x 3",
            b":alice!a@h PRIVMSG #bench :nb 1 2",
            b":alice!a@h PRIVMSG #bench :nb 99999999999 2 3",
            b":alice!a@h PRIVMSG #bench :nb 1 99999999999999999999 3",
            b"PING :srv",
            b"",
            b"@",
        ] {
            assert_eq!(
                parse_delivery(line),
                None,
                "{}",
                String::from_utf8_lossy(line)
            );
        }
    }
}
