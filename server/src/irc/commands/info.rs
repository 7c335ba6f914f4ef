//! VERSION and TIME: facts about the server.

use super::super::IrcSession;
use crate::context::VERSION;
use crate::session::Connection;
use natter_protocol::numeric;

/// Handles `VERSION`: 351 and the ISUPPORT tokens again.
pub fn version(session: &mut IrcSession, connection: &mut Connection) {
    let server = session.context.server_name().to_string();
    session.reply(
        connection,
        numeric::RPL_VERSION,
        [VERSION, server.as_str(), "natter LAN chat server"],
    );
}

/// Handles `TIME`: the server's clock.
pub fn time(session: &mut IrcSession, connection: &mut Connection) {
    let server = session.context.server_name().to_string();
    let now = chrono::Utc::now()
        .format("%A %B %d %Y -- %H:%M:%S UTC")
        .to_string();
    session.reply(connection, numeric::RPL_TIME, [server, now]);
}
