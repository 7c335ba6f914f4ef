//! KILL: an operator disconnects a user.

use super::super::IrcSession;
use crate::hub::KillError;
use crate::session::Connection;
use natter_protocol::{Message, numeric};

/// Handles `KILL <nick> [:<reason>]` (481 for non-operators, 401 for an
/// unknown nick). The victim gets `KILL` and `ERROR`; its channels see
/// `QUIT :Killed (<oper> (<reason>))`. Only users on this node can be killed.
pub fn handle(session: &mut IrcSession, connection: &mut Connection, message: &Message) {
    let Some(params) = super::require_params(session, connection, message, 1) else {
        return;
    };
    if !super::require_oper(session, connection) {
        return;
    }
    let victim = params[0].as_str();
    let reason = message
        .arg(1)
        .filter(|reason| !reason.is_empty())
        .unwrap_or("No reason given");
    let id = connection.id;
    match session.context.hub.with(|hub| hub.kill(id, victim, reason)) {
        Ok(_) => {}
        Err(KillError::NoSuchNick) => session.reply(
            connection,
            numeric::ERR_NOSUCHNICK,
            [victim, "No such nick/channel"],
        ),
    }
}
