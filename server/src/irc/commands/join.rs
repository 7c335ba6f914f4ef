//! JOIN: enter channels (`JOIN #a,#b key1,key2`), or leave all (`JOIN 0`).

use super::super::IrcSession;
use super::super::replay::Occasion;
use crate::hub::JoinError;
use crate::session::Connection;
use natter_protocol::{Message, numeric};

/// Handles `JOIN <channels> [<keys>]`.
pub async fn handle(session: &mut IrcSession, connection: &mut Connection, message: &Message) {
    let Some(params) = super::require_params(session, connection, message, 1) else {
        return;
    };
    let id = connection.id;
    if params[0] == "0" {
        session.context.hub.with(|hub| hub.part_all(id));
        return;
    }
    let mut keys = params.get(1).map(|k| k.split(',')).into_iter().flatten();
    for channel in params[0].split(',').filter(|c| !c.is_empty()) {
        let key = keys.next().filter(|k| !k.is_empty());
        join_one(session, connection, channel, key).await;
    }
}

/// Joins one channel and sends the topic, the member list and the backlog
/// (see [`crate::backlog`]), or the refusal.
pub(crate) async fn join_one(
    session: &mut IrcSession,
    connection: &mut Connection,
    channel: &str,
    key: Option<&str>,
) {
    let id = connection.id;
    // In a cluster, learn who other nodes have there first, so the member
    // list below shows everyone (at once on one server).
    let folded = session.context.hub.read(|hub| hub.fold(channel));
    session.context.hub.members_ready(&folded).await;
    match session.context.hub.with(|hub| hub.join(id, channel, key)) {
        Ok(outcome) => {
            session.send_topic(connection, &outcome.channel, outcome.topic.as_ref(), false);
            session.send_names(connection, &outcome.names);
            session.end_of_names(connection, &outcome.channel);
            let folded = session.context.hub.read(|hub| hub.fold(&outcome.channel));
            let backlog =
                crate::backlog::fetch(&session.context, &folded, &outcome.backlog_end).await;
            if !backlog.is_empty() {
                session.send_history(connection, &outcome.channel, &backlog, Occasion::Backlog);
            }
        }
        Err(JoinError::AlreadyMember) => {}
        Err(JoinError::InvalidName) => {
            // An invalid name gets ERR_BADCHANMASK, "stronger than" 403 as
            // the modern ircdocs put it, with the reason; 403 is left for a
            // valid name the hub still could not join (the client is gone).
            let max = session.context.config.limits.channel_length;
            let (code, text) = match natter_protocol::ChannelName::parse(channel, max) {
                Err(why) => (numeric::ERR_BADCHANMASK, format!("Bad Channel Mask: {why}")),
                Ok(_) => (numeric::ERR_NOSUCHCHANNEL, "No such channel".to_string()),
            };
            session.reply(connection, code, [channel, text.as_str()]);
        }
        Err(error) => {
            let (code, text) = match error {
                JoinError::InvalidName => return,
                JoinError::InviteOnly => (numeric::ERR_INVITEONLYCHAN, "Cannot join channel (+i)"),
                JoinError::BadKey => (numeric::ERR_BADCHANNELKEY, "Cannot join channel (+k)"),
                JoinError::Full => (numeric::ERR_CHANNELISFULL, "Cannot join channel (+l)"),
                JoinError::Banned => (numeric::ERR_BANNEDFROMCHAN, "Cannot join channel (+b)"),
                JoinError::TooManyChannels => (
                    numeric::ERR_TOOMANYCHANNELS,
                    "You have joined too many channels",
                ),
                JoinError::AlreadyMember => return,
            };
            session.reply(connection, code, [channel, text]);
        }
    }
}
