//! TOPIC: read or set a channel's topic (+t limits setting to operators).

use super::super::IrcSession;
use crate::hub::TopicError;
use crate::session::Connection;
use natter_protocol::{Message, numeric};

/// Handles `TOPIC <channel> [:<topic>]`.
pub fn handle(session: &mut IrcSession, connection: &mut Connection, message: &Message) {
    let Some(params) = super::require_params(session, connection, message, 1) else {
        return;
    };
    let channel = params[0].as_str();
    let id = connection.id;
    let Some(text) = params.get(1) else {
        let found = session.context.hub.read(|hub| {
            hub.channel(channel).map(|c| {
                let visible = !c.modes.secret || c.members.contains_key(&id);
                (c.name.clone(), c.topic.clone(), visible)
            })
        });
        match found {
            Some((name, topic, true)) => {
                session.send_topic(connection, &name, topic.as_ref(), true)
            }
            _ => session.reply(
                connection,
                numeric::ERR_NOSUCHCHANNEL,
                [channel, "No such channel"],
            ),
        }
        return;
    };
    let result = session
        .context
        .hub
        .with(|hub| hub.set_topic(id, channel, text));
    let (code, reason) = match result {
        Ok(_) => return,
        Err(TopicError::NoSuchChannel) => (numeric::ERR_NOSUCHCHANNEL, "No such channel"),
        Err(TopicError::NotOnChannel) => (numeric::ERR_NOTONCHANNEL, "You're not on that channel"),
        Err(TopicError::NotOperator) => {
            (numeric::ERR_CHANOPRIVSNEEDED, "You're not channel operator")
        }
    };
    session.reply(connection, code, [channel, reason]);
}
