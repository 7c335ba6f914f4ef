//! Server notices that are neither numerics nor chat: INVITE, IRCv3
//! standard replies (FAIL, WARN, NOTE) and ERROR.

use chrono::{DateTime, Utc};
use natter_protocol::Message;

use crate::chat::Chat;
use crate::chat::buffers::LineKind;

impl Chat {
    /// Offers the channel someone invited us to.
    pub(super) fn on_invite(&mut self, msg: &Message) {
        let from = msg.source_nick().unwrap_or("someone").to_owned();
        let channel = msg.arg(1).unwrap_or_default().to_owned();
        self.info(format!(
            "{from} invites you to {channel} (type /join {channel})"
        ));
    }

    /// IRCv3 standard replies: `COMMAND CODE [CONTEXT...] :description`.
    pub(super) fn on_standard_reply(&mut self, msg: &Message) {
        if msg.command == "FAIL" && msg.arg(0) == Some("CHATHISTORY") {
            self.on_history_failure(msg);
        }
        let command = msg.arg(0).unwrap_or_default().to_owned();
        let text = msg.params.last().cloned().unwrap_or_default();
        let kind = if msg.command == "FAIL" {
            LineKind::Error
        } else {
            LineKind::Info
        };
        let index = self.buffers.active_index();
        self.push_line(index, kind, "", &format!("{command}: {text}"));
    }

    /// ERROR: the server is closing the link and says why.
    pub(super) fn on_server_error(&mut self, msg: &Message, time: DateTime<Utc>) {
        let text = msg.params.last().cloned().unwrap_or_default();
        if super::membership::is_shutdown_reason(&text) {
            self.on_server_shutdown(time);
            return;
        }
        self.push_line(0, LineKind::Error, "", &format!("Server: {text}"));
    }
}
