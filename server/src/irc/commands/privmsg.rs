//! PRIVMSG, NOTICE and TAGMSG: to channels and to nicknames.
//!
//! NOTICE never gets an error reply (RFC 2812 3.3.2), so that bots cannot loop.

use super::super::IrcSession;
use crate::hub::event::MessageKind;
use crate::hub::{SayError, SayRequest};
use crate::session::Connection;
use natter_protocol::{Message, Tag, numeric};

/// Handles `PRIVMSG|NOTICE <targets> :<text>` and `TAGMSG <target>`.
pub async fn handle(session: &mut IrcSession, connection: &mut Connection, message: &Message) {
    let kind = match message.command.as_str() {
        "NOTICE" => MessageKind::Notice,
        "TAGMSG" => MessageKind::Tagmsg,
        _ => MessageKind::Privmsg,
    };
    let quiet = kind == MessageKind::Notice;
    let Some(targets) = message.arg(0).filter(|t| !t.is_empty()) else {
        if !quiet {
            let text = format!("No recipient given ({})", message.command);
            session.reply(connection, numeric::ERR_NORECIPIENT, [text]);
        }
        return;
    };
    let text = message.arg(1).unwrap_or("");
    if kind != MessageKind::Tagmsg && text.is_empty() {
        if !quiet {
            session.reply(connection, numeric::ERR_NOTEXTTOSEND, ["No text to send"]);
        }
        return;
    }
    let client_tags: Vec<Tag> = message
        .tags
        .iter()
        .filter(|t| t.key.starts_with('+'))
        .cloned()
        .collect();
    // Walked twice rather than collected: nearly every message has one target.
    let targets = || targets.split(',').filter(|t| !t.is_empty());
    if targets().count() > session.context.config.limits.max_targets {
        if !quiet {
            let named = targets().collect::<Vec<_>>().join(",");
            session.reply(
                connection,
                "407",
                [named, "Too many recipients".to_string()],
            );
        }
        return;
    }
    let id = connection.id;
    for target in targets() {
        let request = SayRequest {
            kind,
            target: target.to_string(),
            text: text.to_string(),
            client_tags: client_tags.clone(),
        };
        match session.context.hub.say(id, request).await {
            Ok(outcome) => {
                if let (MessageKind::Privmsg, Some((nick, away))) = (kind, outcome.away) {
                    session.reply(connection, numeric::RPL_AWAY, [nick, away]);
                }
            }
            Err(_) if quiet => {}
            Err(SayError::NoSuchNick) => {
                session.reply(
                    connection,
                    numeric::ERR_NOSUCHNICK,
                    [target, "No such nick/channel"],
                );
            }
            Err(SayError::NoSuchChannel) => {
                session.reply(
                    connection,
                    numeric::ERR_NOSUCHCHANNEL,
                    [target, "No such channel"],
                );
            }
            Err(SayError::CannotSendToChannel(why)) => {
                let text = format!("Cannot send to channel: {why}");
                session.reply(
                    connection,
                    numeric::ERR_CANNOTSENDTOCHAN,
                    [target, text.as_str()],
                );
            }
            Err(SayError::Unreachable(nick)) => {
                let text = crate::hub::unreachable_text(&nick);
                session.reply(
                    connection,
                    numeric::ERR_UNAVAILRESOURCE,
                    [target, text.as_str()],
                );
            }
        }
    }
}
