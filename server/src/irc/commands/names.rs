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
    // Each visible channel's 353s, then one 366 naming what was asked for,
    // as Modern IRC and irctest's testNamesMultipleChannels2812 expect.
    for channel in channels.split(',').filter(|c| !c.is_empty()) {
        if let Some(names) = session.context.hub.read(|hub| hub.names_of(channel, id)) {
            session.send_names(connection, &names);
        }
    }
    session.end_of_names(connection, channels);
}
