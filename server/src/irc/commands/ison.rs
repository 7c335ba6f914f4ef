//! ISON: which of these nicknames are online.

use super::super::IrcSession;
use crate::session::Connection;
use natter_protocol::{Message, numeric};

/// Handles `ISON <nick> [<nick> ...]` (nicks may also come space-separated in one parameter).
pub fn handle(session: &mut IrcSession, connection: &mut Connection, message: &Message) {
    if super::require_params(session, connection, message, 1).is_none() {
        return;
    }
    let online = session
        .context
        .hub
        .read(|hub| hub.ison(message.params.iter().flat_map(|p| p.split_whitespace())));
    session.reply(connection, numeric::RPL_ISON, [online.join(" ")]);
}
