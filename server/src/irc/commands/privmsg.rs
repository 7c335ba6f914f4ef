//! PRIVMSG, NOTICE and TAGMSG: to channels and to nicknames.
//!
//! NOTICE never gets an error reply (RFC 2812 3.3.2), so that bots cannot loop.

use super::super::{IrcSession, chanserv, nickserv, renamed_client};
use crate::command_counts::Counted;
use crate::hub::clock::Reading;
use crate::hub::event::MessageKind;
use crate::hub::{SayError, SayOutcome, SayRequest};
use crate::session::{Connection, Flow};
use natter_protocol::{Message, MessageRef, Tag, numeric};
use std::time::Instant;

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
        let said = session.context.hub.say(id, request).await;
        answer(session, connection, kind, target, said);
    }
}

/// The common case done at once, without a command future: a registered
/// client's untagged `PRIVMSG|NOTICE <one target> :<text>` to anyone but a
/// service, read without copying the line, with the session's rename check
/// and the message under one hub lock. `None`, with nothing done, for any
/// other line or when the message would have to wait (history queue full,
/// `sync = "full"`): [`handle`] then takes it, the same as before.
pub fn handle_now(
    session: &mut IrcSession,
    connection: &mut Connection,
    line: &[u8],
    batch: Instant,
) -> Option<Flow> {
    if !session.registered
        || !session.within_limits(line)
        || session.context.config.limits.max_targets == 0
    {
        return None;
    }
    let message = MessageRef::parse(std::str::from_utf8(line).ok()?).ok()?;
    // Tags (labels, client tags) take the general path.
    if message.has_tags() {
        return None;
    }
    let (kind, command, counted) = if message.is_command("PRIVMSG") {
        (MessageKind::Privmsg, "PRIVMSG", Counted::PRIVMSG)
    } else if message.is_command("NOTICE") {
        (MessageKind::Notice, "NOTICE", Counted::NOTICE)
    } else {
        return None;
    };
    // Both params from one walk (`arg(1)` would walk past the target again).
    let mut params = message.params();
    let target = params
        .next()
        .filter(|target| !target.is_empty() && !target.contains(','))
        .filter(|target| !is_service(target))?;
    let text = params.next().filter(|text| !text.is_empty())?;
    let request = SayRequest {
        kind,
        target: target.to_owned(),
        text: text.to_owned(),
        client_tags: Vec::new(),
    };
    let id = connection.id;
    let known = session.nick.as_deref();
    let (renamed, said) =
        session
            .context
            .hub
            .try_say_at(id, request, Reading::of_batch(batch), |_, me| {
                renamed_client(me, known)
            })?;
    tracing::debug!(client = id, command, "command");
    session.context.commands.record_counted(counted, line.len());
    if let Some(nick) = renamed {
        session.nick = Some(nick);
    }
    answer(session, connection, kind, target, said);
    Some(Flow::Continue)
}

/// The length of both services' names, NickServ and ChanServ.
const SERVICE_NAME_LEN: usize = 8;
const _: () = assert!(
    nickserv::NICKSERV.len() == SERVICE_NAME_LEN && crate::hub::CHANSERV.len() == SERVICE_NAME_LEN
);

/// Whether `target` names a service. An ASCII name folds to one of the same
/// length, so an ASCII target of another length is neither and is not
/// compared at all (the two case-insensitive compares were ~1% of a
/// whisper's CPU); a non-ASCII one may fold to either and is compared.
fn is_service(target: &str) -> bool {
    (target.len() == SERVICE_NAME_LEN || !target.is_ascii())
        && (nickserv::is_nickserv(target) || chanserv::is_chanserv(target))
}

/// Tells the sender what became of its message to `target`: RPL_AWAY for a
/// whisper to someone away, or why it was not delivered (never for NOTICE).
fn answer(
    session: &IrcSession,
    connection: &mut Connection,
    kind: MessageKind,
    target: &str,
    said: Result<SayOutcome, SayError>,
) {
    let quiet = kind == MessageKind::Notice;
    match said {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn services_are_recognised_in_any_case_and_width_and_nothing_else_is() {
        for name in ["NickServ", "nickserv", "CHANSERV", "ChanServ", "ＮickServ"] {
            assert!(is_service(name), "{name}");
        }
        for name in [
            "NickServ2",
            "NickSer",
            "nick",
            "alice",
            "#chan",
            "ChanServé",
        ] {
            assert!(!is_service(name), "{name}");
        }
    }
}
