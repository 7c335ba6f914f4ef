//! NICK: choose or change a nickname.

use super::super::IrcSession;
use crate::hub::NickChangeError;
use crate::session::Connection;
use natter_protocol::{Message, Nick, numeric};

/// Handles `NICK <nickname>`.
pub async fn handle(session: &mut IrcSession, connection: &mut Connection, message: &Message) {
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
        if let Err(taken) = session
            .context
            .hub
            .read(|hub| hub.check_nick(requested, None))
        {
            let reason = taken.reason();
            session.reply(
                connection,
                numeric::ERR_NICKNAMEINUSE,
                [requested, reason.as_str()],
            );
            if session.nick.is_none() {
                session.registering_mut().refused_nick = Some(requested.to_string());
            }
            return;
        }
        session.nick = Some(requested.to_string());
        session.registering_mut().refused_nick = None;
        return;
    }
    // Claimed in the cluster first, so no other node gives it out meanwhile.
    let changed = match session.context.claim_nick(requested, id).await {
        Ok(()) => {
            let changed = session
                .context
                .hub
                .with(|hub| hub.change_nick(id, requested));
            if changed.is_err() {
                session.context.release_nick(requested, id);
            }
            changed
        }
        Err(taken) => Err(NickChangeError::InUse(taken)),
    };
    match changed {
        Ok(()) => {
            session.nick = Some(requested.to_string());
            super::super::nickserv::warn_if_unowned(session, connection);
        }
        Err(NickChangeError::InUse(taken)) => {
            let reason = taken.reason();
            session.reply(
                connection,
                numeric::ERR_NICKNAMEINUSE,
                [requested, reason.as_str()],
            );
        }
    }
}
