//! NAMES: the member list of channels.

use super::super::IrcSession;
use crate::session::Connection;
use natter_protocol::Message;

/// Handles `NAMES [<channels>]`.
pub fn handle(session: &mut IrcSession, connection: &mut Connection, message: &Message) {
    let id = connection.id;
    let Some(channels) = message.arg(0).filter(|c| !c.is_empty()) else {
        session.end_of_names(connection, "*");
        return;
    };
    for channel in channels.split(',').filter(|c| !c.is_empty()) {
        match session.context.hub.with(|hub| hub.names_of(channel, id)) {
            Some(names) => session.send_names(connection, &names),
            None => session.end_of_names(connection, channel),
        }
    }
}
