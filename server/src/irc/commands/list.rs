//! LIST: channels with their member counts and topics.

use super::super::IrcSession;
use crate::session::Connection;
use natter_protocol::{Message, numeric};

/// Handles `LIST [<channels>]`.
pub fn handle(session: &mut IrcSession, connection: &mut Connection, message: &Message) {
    let id = connection.id;
    let only: Option<Vec<&str>> = message
        .arg(0)
        .filter(|a| a.starts_with('#'))
        .map(|a| a.split(',').collect());
    let listing = session
        .context
        .hub
        .read(|hub| hub.list(id, only.as_deref()));
    session.reply(
        connection,
        numeric::RPL_LISTSTART,
        ["Channel", "Users  Name"],
    );
    for entry in listing {
        let count = entry.members.to_string();
        session.reply(
            connection,
            numeric::RPL_LIST,
            [entry.name.as_str(), count.as_str(), entry.topic.as_str()],
        );
    }
    session.reply(connection, numeric::RPL_LISTEND, ["End of /LIST"]);
}
