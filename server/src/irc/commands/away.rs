//! AWAY: set or clear an away message (301 tells whoever whispers you).

use super::super::IrcSession;
use crate::session::Connection;
use natter_protocol::{Message, numeric};

/// Handles `AWAY [:<message>]`.
pub fn handle(session: &mut IrcSession, connection: &mut Connection, message: &Message) {
    let text = message.arg(0).filter(|t| !t.is_empty());
    let id = connection.id;
    session.context.hub.with(|hub| hub.set_away(id, text));
    match text {
        Some(_) => session.reply(
            connection,
            numeric::RPL_NOWAWAY,
            ["You have been marked as being away"],
        ),
        None => session.reply(
            connection,
            numeric::RPL_UNAWAY,
            ["You are no longer marked as being away"],
        ),
    }
}
