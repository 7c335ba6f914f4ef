//! VERSION, TIME and INFO: facts about the server.

use super::super::IrcSession;
use crate::context::VERSION;
use crate::session::Connection;
use natter_protocol::{Message, numeric};

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

/// What `INFO` tells: the software and where to read more.
const INFO_LINES: &[&str] = &[
    "natterd: the natter LAN chat server (IRC and a plain line dialect on one port)",
    "Source, documentation and licence: see README.md of the natter project",
];

/// Handles `INFO [<server>]`: 371 lines and 374. A target other than this
/// server (by name or wildcard) or one of its users gets 402.
pub fn info(session: &mut IrcSession, connection: &mut Connection, message: &Message) {
    let server = session.context.server_name().to_string();
    if let Some(target) = message.arg(0).filter(|t| !t.is_empty())
        && !super::target_is_here(session, connection, target)
    {
        return;
    }
    let version = format!("{VERSION} on {server}");
    session.reply(connection, numeric::RPL_INFO, [version]);
    for line in INFO_LINES {
        session.reply(connection, numeric::RPL_INFO, [*line]);
    }
    let started = format!(
        "Up since {}",
        session.context.created.format("%Y-%m-%d %H:%M:%S UTC")
    );
    session.reply(connection, numeric::RPL_INFO, [started]);
    session.reply(connection, numeric::RPL_ENDOFINFO, ["End of INFO list"]);
}
