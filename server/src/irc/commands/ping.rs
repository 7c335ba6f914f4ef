//! PING: answered with PONG from the server.

use super::super::IrcSession;
use crate::session::Connection;
use natter_protocol::{Message, numeric};

/// Handles `PING <token>`.
pub fn handle(session: &mut IrcSession, connection: &mut Connection, message: &Message) {
    let Some(token) = message.arg(0).filter(|t| !t.is_empty()) else {
        session.reply(connection, numeric::ERR_NOORIGIN, ["No origin specified"]);
        return;
    };
    let server = session.context.server_name().to_string();
    let pong = session
        .server_message("PONG")
        .with_params([server.as_str(), token]);
    connection.send(&pong);
}
