//! NICK: choose or change a nickname.

use super::super::IrcSession;
use crate::hub::NickChangeError;
use crate::session::Connection;
use natter_protocol::{Message, Nick, numeric};

/// Handles `NICK <nickname>`.
pub fn handle(session: &mut IrcSession, connection: &mut Connection, message: &Message) {
    let Some(requested) = message.arg(0).filter(|n| !n.is_empty()) else {
        session.reply(
            connection,
            numeric::ERR_NONICKNAMEGIVEN,
            ["No nickname given"],
        );
        return;
    };
    let max = session.context.config.limits.nick_length;
    if let Err(error) = Nick::parse(requested, max) {
        let reason = format!("Erroneous nickname: {error}");
        session.reply(
            connection,
            numeric::ERR_ERRONEUSNICKNAME,
            [requested, reason.as_str()],
        );
        return;
    }
    let id = connection.id;
    if !session.registered {
        if !session
            .context
            .hub
            .with(|hub| hub.nick_available(requested, None))
        {
            session.reply(
                connection,
                numeric::ERR_NICKNAMEINUSE,
                [requested, "Nickname is already in use"],
            );
            return;
        }
        session.nick = Some(requested.to_string());
        return;
    }
    match session
        .context
        .hub
        .with(|hub| hub.change_nick(id, requested))
    {
        Ok(()) => session.nick = Some(requested.to_string()),
        Err(NickChangeError::InUse) => {
            session.reply(
                connection,
                numeric::ERR_NICKNAMEINUSE,
                [requested, "Nickname is already in use"],
            );
        }
    }
}
