//! KICK: an operator removes members from a channel.

use super::super::IrcSession;
use crate::hub::KickError;
use crate::session::Connection;
use natter_protocol::{Message, numeric};

/// Handles `KICK <channel> <nick>[,<nick>] [:<reason>]`.
pub fn handle(session: &mut IrcSession, connection: &mut Connection, message: &Message) {
    let Some(params) = super::require_params(session, connection, message, 2) else {
        return;
    };
    let channel = params[0].as_str();
    let id = connection.id;
    let kicker = session.target().to_string();
    let reason = params
        .get(2)
        .filter(|r| !r.is_empty())
        .cloned()
        .unwrap_or(kicker);
    for victim in params[1].split(',').filter(|v| !v.is_empty()) {
        let result = session
            .context
            .hub
            .with(|hub| hub.kick(id, channel, victim, &reason));
        match result {
            Ok(()) => {}
            Err(KickError::NoSuchChannel) => {
                session.reply(
                    connection,
                    numeric::ERR_NOSUCHCHANNEL,
                    [channel, "No such channel"],
                );
            }
            Err(KickError::NotOnChannel) => {
                session.reply(
                    connection,
                    numeric::ERR_NOTONCHANNEL,
                    [channel, "You're not on that channel"],
                );
            }
            Err(KickError::NotOperator) => {
                session.reply(
                    connection,
                    numeric::ERR_CHANOPRIVSNEEDED,
                    [channel, "You're not channel operator"],
                );
            }
            Err(KickError::TargetNotOnChannel) => {
                session.reply(
                    connection,
                    numeric::ERR_USERNOTINCHANNEL,
                    [victim, channel, "They aren't on that channel"],
                );
            }
        }
    }
}
