//! Sending stored messages to an IRC client, in the best form it understands.
//!
//! - With `batch`: a `chathistory` batch; every message carries `batch`, its
//!   original `time` and `msgid`, its original source and target.
//! - Without `batch` but with `server-time`: the original lines with `@time`
//!   (and `msgid` with `message-tags`), which such clients show at their time.
//! - Neither: the original lines with the time written in front of the text
//!   (`[14:03] hi`, ZNC-style), and for a backlog on join a server NOTICE to the
//!   channel before and after, so nobody mistakes them for live messages.

use super::IrcSession;
use super::encode::{MAX_LINE, format_time};
use crate::backlog::clock;
use crate::history::StoredMessage;
use crate::session::Connection;
use natter_protocol::{Message, action, is_action};

/// Why messages are being replayed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Occasion {
    /// The backlog after a JOIN.
    Backlog,
    /// A `CHATHISTORY` request.
    Request,
}

impl IrcSession {
    /// A fresh batch reference, unique on this connection.
    pub(crate) fn new_batch_id(&mut self) -> String {
        self.batches += 1;
        format!("n{}", self.batches)
    }

    /// Sends `messages` (ascending) of the conversation the client calls `target`.
    pub(crate) fn send_history(
        &mut self,
        connection: &mut Connection,
        target: &str,
        messages: &[StoredMessage],
        occasion: Occasion,
    ) {
        if self.caps.has("batch") {
            let id = self.new_batch_id();
            let open = self.server_message("BATCH").with_params([
                format!("+{id}").as_str(),
                "chathistory",
                target,
            ]);
            connection.send(&open);
            for message in messages {
                connection.send(&replayed(message, Some(&id), true));
            }
            connection.send(&self.server_message("BATCH").with_param(format!("-{id}")));
        } else if self.caps.has("server-time") {
            let msgid = self.caps.has("message-tags");
            for message in messages {
                connection.send(&replayed(message, None, msgid));
            }
        } else {
            let bracket = occasion == Occasion::Backlog && !messages.is_empty();
            if bracket {
                let text = format!("*** Earlier messages in {target}:");
                connection.send(&self.server_message("NOTICE").with_params([target, &text]));
            }
            for message in messages {
                connection.send(&with_written_time(message));
            }
            if bracket {
                let text = "*** End of earlier messages.";
                connection.send(&self.server_message("NOTICE").with_params([target, text]));
            }
        }
    }
}

/// The message as first delivered, tagged with `batch`, `time` and (if wanted) `msgid`.
fn replayed(stored: &StoredMessage, batch: Option<&str>, msgid: bool) -> Message {
    let mut message = original(stored, &stored.text);
    if let Some(batch) = batch {
        message = message.with_tag("batch", Some(batch.to_string()));
    }
    message = message.with_tag("time", Some(format_time(stored.time)));
    if msgid {
        message = message.with_tag("msgid", Some(stored.msgid.clone()));
    }
    message
}

/// The message with its time in front of the text, for clients without tags.
fn with_written_time(stored: &StoredMessage) -> Message {
    let stamp = clock(stored.time);
    let text = match is_action(&stored.text) {
        Some(rest) => action(&format!("{stamp} {rest}")),
        None => format!("{stamp} {}", stored.text),
    };
    original(stored, &text)
}

/// The line as first delivered; like live delivery, the text is cut so that
/// the line (tags aside) stays within IRC's 512 bytes.
fn original(stored: &StoredMessage, text: &str) -> Message {
    let head = Message::new(stored.kind.command())
        .with_source(stored.source.as_str())
        .with_params([stored.target.as_str(), ""]);
    let budget = MAX_LINE.saturating_sub(head.serialized_len() + "\r\n".len());
    let mut end = text.len().min(budget);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    Message::new(stored.kind.command())
        .with_source(stored.source.as_str())
        .with_params([stored.target.as_str(), &text[..end]])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{Conversation, MessageKind};

    #[test]
    fn replayed_lines_stay_within_512_bytes() {
        let stored = StoredMessage {
            msgid: "m".into(),
            time: chrono::Utc::now(),
            conversation: Conversation::channel("#c"),
            kind: MessageKind::Privmsg,
            source: "alice!~alice@192.168.1.20".into(),
            target: "#c".into(),
            text: "é".repeat(400),
        };
        let line = with_written_time(&stored).to_wire();
        assert!(line.len() <= MAX_LINE, "{}", line.len());
        assert!(line.ends_with("é\r\n"), "cut on a character boundary");
        let tagged = replayed(&stored, Some("b"), true);
        let untagged_len = tagged.to_wire().len() - tagged.to_wire().find(' ').unwrap() - 1;
        assert!(untagged_len <= MAX_LINE, "{untagged_len}");
    }
}
