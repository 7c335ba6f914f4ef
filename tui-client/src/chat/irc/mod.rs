//! Applying incoming IRC messages to the app state. This module only
//! dispatches by command; each concern lives in its own submodule.

mod channel_replies;
mod channel_state;
mod error_replies;
mod membership;
mod messages;
mod registration;
mod replies;

use chrono::{DateTime, Utc};
use natter_protocol::Message;

use super::Chat;
use super::buffers::{ChatLine, LineKind};

impl Chat {
    /// Applies one message from the server.
    pub(crate) fn handle_message(&mut self, msg: &Message, received_at: DateTime<Utc>) {
        let time = msg
            .tag_value("time")
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map_or(received_at, |t| t.with_timezone(&Utc));
        match msg.command.as_str() {
            "CAP" => self.on_cap(msg),
            "PONG" => self.on_pong(msg, received_at),
            "JOIN" => self.on_join(msg, time),
            "PART" => self.on_part(msg, time),
            "QUIT" => self.on_quit(msg, time),
            "NICK" => self.on_nick(msg, time),
            "PRIVMSG" | "NOTICE" => self.on_text(msg, time),
            "TOPIC" => self.on_topic(msg, time),
            "KICK" => self.on_kick(msg, time),
            "MODE" => self.on_mode(msg, time),
            "AWAY" => self.on_away_notify(msg),
            "TAGMSG" => self.on_tagmsg(msg),
            "BATCH" => self.on_batch(msg),
            "ACK" => self.on_ack(msg),
            "INVITE" => self.on_invite(msg),
            "FAIL" | "WARN" | "NOTE" => self.on_standard_reply(msg),
            "ERROR" => self.on_server_error(msg, time),
            command if command.len() == 3 && command.bytes().all(|b| b.is_ascii_digit()) => {
                self.on_numeric(msg, time);
            }
            _ => {}
        }
    }

    /// Adds a line with explicit time, highlight and ownership.
    pub(crate) fn push_at(&mut self, index: usize, line: ChatLine) -> bool {
        self.buffers.push(index, line)
    }

    /// Adds an event line (join, part, mode...) at `time`.
    pub(crate) fn push_event(
        &mut self,
        index: usize,
        time: DateTime<Utc>,
        kind: LineKind,
        text: &str,
    ) {
        self.push_at(index, ChatLine::new(time, kind, "", Chat::body(text)));
    }
}
