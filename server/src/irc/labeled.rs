//! IRCv3 `labeled-response`: a command sent with a `label` tag gets its whole
//! response tagged with that label, as one logical message.
//!
//! The command runs inside [`crate::net::capture::capture`], which sets aside
//! everything it queues for this connection, wherever it comes from (numeric
//! replies, the hub's delivery of the client's own JOIN or echo-message copy,
//! a chathistory batch). Afterwards the lines are sent as:
//! - none: `@label=… :server ACK`;
//! - one line, or exactly one batch: the label on that line / on its `BATCH +`;
//! - several: inside `BATCH +id labeled-response`, each top-level line tagged
//!   `batch=id` (lines already in a nested batch keep their own tag).
//!
//! Labels are honoured only when the client negotiated both `labeled-response`
//! and `batch` (the spec makes batch a requirement), and only when the label is
//! at most 64 bytes; otherwise the command runs unlabelled.

use super::IrcSession;
use crate::net::capture::capture;
use crate::session::{Connection, Flow};
use bytes::{Bytes, BytesMut};
use natter_protocol::Message;
use natter_protocol::tags::escaped_tag_value;

/// The longest label the spec allows.
const MAX_LABEL: usize = 64;

impl IrcSession {
    /// The label to answer `message` with, if any.
    pub(crate) fn label_for(&self, message: &Message) -> Option<String> {
        if !(self.caps.has("labeled-response") && self.caps.has("batch")) {
            return None;
        }
        message
            .tag_value("label")
            .filter(|label| !label.is_empty() && label.len() <= MAX_LABEL)
            .map(str::to_string)
    }

    /// Runs a labelled command and sends its response as one labelled unit.
    pub(crate) async fn dispatch_labelled(
        &mut self,
        connection: &mut Connection,
        message: &Message,
        label: &str,
    ) -> Flow {
        let outbound = connection.outbound.clone();
        let limit = self.context.config.limits.sendq_bytes;
        let batch_id = self.new_batch_id();
        let server = self.context.server_name().to_string();
        let respond = |lines| labelled(label, lines, &server, &batch_id);
        let id = connection.id;
        let context = self.context.clone();
        match capture(outbound, limit, self.dispatch(connection, message), respond).await {
            Ok(flow) => flow,
            Err(_overflow) => {
                // As for any reply that overflows the client's own queue.
                if self.registered {
                    context
                        .hub
                        .with(|hub| hub.drop_client(id, "SendQ exceeded"));
                }
                Flow::Close(crate::session::Close::Killed)
            }
        }
    }
}

/// The response lines with the label applied (see the module docs).
fn labelled(label: &str, lines: Vec<Bytes>, server: &str, batch_id: &str) -> Vec<Bytes> {
    let label_tag = format!("label={}", escaped_tag_value(label));
    match lines.len() {
        0 => vec![Bytes::from(format!("@{label_tag} :{server} ACK\r\n"))],
        1 => lines
            .iter()
            .map(|line| with_tag(line, &label_tag))
            .collect(),
        _ if is_one_batch(&lines) => {
            let mut out = lines;
            out[0] = with_tag(&out[0], &label_tag);
            out
        }
        _ => {
            let batch_tag = format!("batch={batch_id}");
            let mut out = Vec::with_capacity(lines.len() + 2);
            out.push(Bytes::from(format!(
                "@{label_tag} :{server} BATCH +{batch_id} labeled-response\r\n"
            )));
            for line in &lines {
                if has_tag(line, "batch") {
                    out.push(line.clone());
                } else {
                    out.push(with_tag(line, &batch_tag));
                }
            }
            out.push(Bytes::from(format!(":{server} BATCH -{batch_id}\r\n")));
            out
        }
    }
}

/// Whether the lines are exactly one batch: `BATCH +id …` first, `BATCH -id` last.
fn is_one_batch(lines: &[Bytes]) -> bool {
    let parse = |line: &Bytes| {
        std::str::from_utf8(line)
            .ok()
            .and_then(|text| Message::parse(text.trim_end()).ok())
    };
    let (Some(first), Some(last)) = (lines.first().and_then(parse), lines.last().and_then(parse))
    else {
        return false;
    };
    let opened = (first.command == "BATCH" && first.tag("batch").is_none())
        .then(|| first.arg(0).and_then(|id| id.strip_prefix('+')))
        .flatten();
    let closed = (last.command == "BATCH")
        .then(|| last.arg(0).and_then(|id| id.strip_prefix('-')))
        .flatten();
    opened.is_some() && opened == closed
}

/// The tag section of a wire line (without the `@`), if any.
fn tag_section(line: &[u8]) -> Option<&[u8]> {
    let rest = line.strip_prefix(b"@")?;
    let end = rest.iter().position(|&b| b == b' ').unwrap_or(rest.len());
    Some(&rest[..end])
}

fn has_tag(line: &[u8], key: &str) -> bool {
    tag_section(line).is_some_and(|tags| {
        tags.split(|&b| b == b';')
            .any(|tag| tag.split(|&b| b == b'=').next() == Some(key.as_bytes()))
    })
}

/// `line` with `tag` (already `key=escaped value`) first in its tag section.
fn with_tag(line: &[u8], tag: &str) -> Bytes {
    let mut out = BytesMut::with_capacity(line.len() + tag.len() + 2);
    out.extend_from_slice(b"@");
    out.extend_from_slice(tag.as_bytes());
    match line.strip_prefix(b"@") {
        Some(rest) => {
            out.extend_from_slice(b";");
            out.extend_from_slice(rest);
        }
        None => {
            out.extend_from_slice(b" ");
            out.extend_from_slice(line);
        }
    }
    out.freeze()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(texts: &[&str]) -> Vec<Bytes> {
        texts
            .iter()
            .map(|t| Bytes::from(format!("{t}\r\n")))
            .collect()
    }

    fn text(lines: &[Bytes]) -> Vec<String> {
        lines
            .iter()
            .map(|l| String::from_utf8_lossy(l).trim_end().to_string())
            .collect()
    }

    #[test]
    fn no_response_is_an_ack_and_one_line_carries_the_label() {
        assert_eq!(
            text(&labelled("a b", vec![], "srv", "1")),
            ["@label=a\\sb :srv ACK"]
        );
        let one = labelled("x", lines(&["@time=t :n!u@h PRIVMSG #c :hi"]), "srv", "1");
        assert_eq!(text(&one), ["@label=x;time=t :n!u@h PRIVMSG #c :hi"]);
    }

    #[test]
    fn several_lines_are_wrapped_and_nested_batches_keep_their_tags() {
        let wrapped = labelled(
            "x",
            lines(&[
                ":srv 353 n = #c :n",
                ":srv BATCH +h chathistory #c",
                "@batch=h;time=t :a!u@h PRIVMSG #c :old",
                ":srv BATCH -h",
            ]),
            "srv",
            "L",
        );
        assert_eq!(
            text(&wrapped),
            [
                "@label=x :srv BATCH +L labeled-response",
                "@batch=L :srv 353 n = #c :n",
                "@batch=L :srv BATCH +h chathistory #c",
                "@batch=h;time=t :a!u@h PRIVMSG #c :old",
                "@batch=L :srv BATCH -h",
                ":srv BATCH -L",
            ]
        );
    }

    #[test]
    fn a_single_batch_is_labelled_directly() {
        let single = labelled(
            "x",
            lines(&[
                ":srv BATCH +h chathistory #c",
                "@batch=h :a!u@h PRIVMSG #c :old",
                ":srv BATCH -h",
            ]),
            "srv",
            "L",
        );
        assert_eq!(text(&single)[0], "@label=x :srv BATCH +h chathistory #c");
        assert_eq!(single.len(), 3);
    }
}
