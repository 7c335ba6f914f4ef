//! PART: leave channels, with an optional reason.

use super::super::IrcSession;
use crate::hub::PartError;
use crate::session::Connection;
use natter_protocol::{Message, numeric};

/// Handles `PART <channels> [:<reason>]`.
pub fn handle(session: &mut IrcSession, connection: &mut Connection, message: &Message) {
    let Some(params) = super::require_params(session, connection, message, 1) else {
        return;
    };
    let reason = params.get(1).map(String::as_str).filter(|r| !r.is_empty());
    let id = connection.id;
    for channel in params[0].split(',').filter(|c| !c.is_empty()) {
        match session
            .context
            .hub
            .with(|hub| hub.part(id, channel, reason))
        {
            Ok(_) => {}
            Err(PartError::NoSuchChannel) => {
                session.reply(
                    connection,
                    numeric::ERR_NOSUCHCHANNEL,
                    [channel, "No such channel"],
                );
            }
            Err(PartError::NotOnChannel) => {
                session.reply(
                    connection,
                    numeric::ERR_NOTONCHANNEL,
                    [channel, "You're not on that channel"],
                );
            }
        }
    }
}
