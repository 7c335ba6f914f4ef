//! PASS: the server password, checked when registration completes.

use super::super::IrcSession;
use crate::session::Connection;
use natter_protocol::{Message, numeric};

/// Handles `PASS <password>`.
pub fn handle(session: &mut IrcSession, connection: &mut Connection, message: &Message) {
    if session.registered {
        session.reply(
            connection,
            numeric::ERR_ALREADYREGISTERED,
            ["You may not reregister"],
        );
        return;
    }
    let Some(params) = super::require_params(session, connection, message, 1) else {
        return;
    };
    session.password = Some(params[0].clone());
}
