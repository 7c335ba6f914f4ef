//! INVITE: ask someone into a channel (needed to join a +i channel).

use super::super::IrcSession;
use crate::hub::InviteError;
use crate::session::Connection;
use natter_protocol::{Message, numeric};

/// Handles `INVITE <nick> <channel>`.
pub fn handle(session: &mut IrcSession, connection: &mut Connection, message: &Message) {
    let Some(params) = super::require_params(session, connection, message, 2) else {
        return;
    };
    let (nick, channel) = (params[0].as_str(), params[1].as_str());
    let id = connection.id;
    match session
        .context
        .hub
        .with(|hub| hub.invite(id, nick, channel))
    {
        Ok((nick, channel)) => {
            session.reply(connection, numeric::RPL_INVITING, [nick, channel]);
        }
        Err(InviteError::NoSuchNick) => session.reply(
            connection,
            numeric::ERR_NOSUCHNICK,
            [nick, "No such nick/channel"],
        ),
        Err(InviteError::NoSuchChannel) => {
            session.reply(
                connection,
                numeric::ERR_NOSUCHCHANNEL,
                [channel, "No such channel"],
            );
        }
        Err(InviteError::NotOnChannel) => {
            session.reply(
                connection,
                numeric::ERR_NOTONCHANNEL,
                [channel, "You're not on that channel"],
            );
        }
        Err(InviteError::NotOperator) => {
            session.reply(
                connection,
                numeric::ERR_CHANOPRIVSNEEDED,
                [channel, "You're not channel operator"],
            );
        }
        Err(InviteError::Unreachable(nick)) => {
            let text = crate::hub::unreachable_text(&nick);
            session.reply(
                connection,
                numeric::ERR_UNAVAILRESOURCE,
                [nick.as_str(), text.as_str()],
            );
        }
        Err(InviteError::AlreadyOnChannel) => {
            session.reply(
                connection,
                numeric::ERR_USERONCHANNEL,
                [nick, channel, "is already on channel"],
            );
        }
    }
}
