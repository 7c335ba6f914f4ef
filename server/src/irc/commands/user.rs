//! USER: username and real name, once, before registration.

use super::super::IrcSession;
use crate::session::Connection;
use natter_protocol::{Message, numeric};

/// Handles `USER <username> <mode> <unused> :<realname>`.
pub fn handle(session: &mut IrcSession, connection: &mut Connection, message: &Message) {
    if super::already_registered(session, connection) {
        return;
    }
    // An empty real name counts as missing (ircdocs, modern-irc#85).
    if message.params.len() < 4 || message.params[0].is_empty() || message.params[3].is_empty() {
        session.reply(
            connection,
            numeric::ERR_NEEDMOREPARAMS,
            ["USER", "Not enough parameters"],
        );
        return;
    }
    session.registering_mut().user = Some((
        crate::username::unverified(&message.params[0]),
        message.params[3].clone(),
    ));
}
