//! MODE: channel modes (o v t n s i m k l, and the ban list b) and user
//! modes i, w and o (o only to give it up: OPER grants it).

use super::super::IrcSession;
use crate::hub::channel::Ban;
use crate::hub::{ModeChange, ModeError};
use crate::session::Connection;
use natter_protocol::{Message, numeric};

/// Handles `MODE <target> [<modestring> [<args>...]]`.
pub fn handle(session: &mut IrcSession, connection: &mut Connection, message: &Message) {
    let Some(params) = super::require_params(session, connection, message, 1) else {
        return;
    };
    if natter_protocol::is_channel_name(&params[0]) {
        channel_mode(session, connection, params);
    } else {
        user_mode(session, connection, params);
    }
}

fn channel_mode(session: &mut IrcSession, connection: &mut Connection, params: &[String]) {
    let name = params[0].as_str();
    let id = connection.id;
    let Some((display, member, modes, created, bans)) = session.context.hub.read(|hub| {
        hub.channel(name).map(|c| {
            (
                c.name.clone(),
                c.members.contains_key(&id),
                c.modes.clone(),
                c.created,
                c.bans.clone(),
            )
        })
    }) else {
        session.reply(
            connection,
            numeric::ERR_NOSUCHCHANNEL,
            [name, "No such channel"],
        );
        return;
    };
    let Some(modestring) = params.get(1).filter(|m| !m.is_empty()) else {
        let (flags, args) = modes.describe(member);
        let mut reply = vec![display.clone(), flags];
        reply.extend(args);
        session.reply(connection, numeric::RPL_CHANNELMODEIS, reply);
        let created = created.timestamp().to_string();
        session.reply(
            connection,
            numeric::RPL_CREATIONTIME,
            [display.as_str(), created.as_str()],
        );
        return;
    };
    if matches!(modestring.as_str(), "b" | "+b") && params.len() == 2 {
        return reply_ban_list(session, connection, &display, &bans);
    }
    let changes = parse_channel_modes(session, connection, &display, modestring, &params[2..]);
    if !changes.is_empty() {
        change_channel_modes(session, connection, name, &display, changes);
    }
}

/// `MODE #channel b`: the ban list, with who set each ban and when.
fn reply_ban_list(session: &IrcSession, connection: &mut Connection, display: &str, bans: &[Ban]) {
    for ban in bans {
        let set_at = ban.set_at.timestamp().to_string();
        session.reply(
            connection,
            numeric::RPL_BANLIST,
            [
                display,
                ban.mask.as_str(),
                ban.set_by.as_str(),
                set_at.as_str(),
            ],
        );
    }
    session.reply(
        connection,
        numeric::RPL_ENDOFBANLIST,
        [display, "End of channel ban list"],
    );
}

/// Applies parsed `changes` to channel `name` (shown as `display`), telling
/// the user what could not be done.
fn change_channel_modes(
    session: &IrcSession,
    connection: &mut Connection,
    name: &str,
    display: &str,
    changes: Vec<ModeChange>,
) {
    let id = connection.id;
    match session
        .context
        .hub
        .with(|hub| hub.change_channel_modes(id, name, changes))
    {
        Ok(outcome) => {
            for error in outcome.errors {
                match error {
                    ModeError::NoSuchNick(nick) => {
                        session.reply(
                            connection,
                            numeric::ERR_NOSUCHNICK,
                            [nick.as_str(), "No such nick/channel"],
                        );
                    }
                    ModeError::UserNotInChannel(nick) => session.reply(
                        connection,
                        numeric::ERR_USERNOTINCHANNEL,
                        [nick.as_str(), display, "They aren't on that channel"],
                    ),
                    ModeError::NoSuchChannel | ModeError::NotOperator => {}
                }
            }
        }
        Err(ModeError::NotOperator) => {
            session.reply(
                connection,
                numeric::ERR_CHANOPRIVSNEEDED,
                [display, "You're not channel operator"],
            );
        }
        Err(_) => session.reply(
            connection,
            numeric::ERR_NOSUCHCHANNEL,
            [name, "No such channel"],
        ),
    }
}

/// Parses `+ov-t alice bob` into changes; unknown letters get 472.
fn parse_channel_modes(
    session: &IrcSession,
    connection: &mut Connection,
    channel: &str,
    modestring: &str,
    args: &[String],
) -> Vec<ModeChange> {
    let mut args = args.iter();
    let mut adding = true;
    let mut changes = Vec::new();
    for letter in modestring.chars() {
        match letter {
            '+' => adding = true,
            '-' => adding = false,
            'i' | 'm' | 'n' | 's' | 't' => changes.push(ModeChange::Flag { adding, letter }),
            'o' | 'v' => {
                if let Some(nick) = args.next() {
                    changes.push(ModeChange::Privilege {
                        adding,
                        letter,
                        nick: nick.clone(),
                    });
                }
            }
            'k' if adding => match args.next().filter(|k| valid_key(k)) {
                Some(key) => changes.push(ModeChange::Key(Some(key.clone()))),
                None => session.reply(
                    connection,
                    numeric::ERR_INVALIDKEY,
                    [channel, "Key is not well-formed"],
                ),
            },
            'k' => {
                args.next();
                changes.push(ModeChange::Key(None));
            }
            'l' if adding => {
                if let Some(limit) = args
                    .next()
                    .and_then(|l| l.parse::<usize>().ok())
                    .filter(|l| *l > 0)
                {
                    changes.push(ModeChange::Limit(Some(limit)));
                }
            }
            'l' => changes.push(ModeChange::Limit(None)),
            'b' => {
                if let Some(mask) = args.next() {
                    changes.push(ModeChange::Ban {
                        adding,
                        mask: mask.clone(),
                    });
                }
            }
            other => {
                let letter = other.to_string();
                session.reply(
                    connection,
                    numeric::ERR_UNKNOWNMODE,
                    [letter.as_str(), "is unknown mode char to me"],
                );
            }
        }
    }
    changes
}

fn valid_key(key: &str) -> bool {
    !key.is_empty() && key.len() <= 23 && !key.contains([' ', ',', ':'])
}

fn user_mode(session: &mut IrcSession, connection: &mut Connection, params: &[String]) {
    let nick = params[0].as_str();
    let id = connection.id;
    let (exists, is_self, current) = session.context.hub.read(|hub| {
        let target = hub.client_by_nick(nick).map(|c| c.id);
        let current = hub.client(id).map(user_modes).unwrap_or_default();
        (target.is_some(), target == Some(id), current)
    });
    if !exists {
        session.reply(
            connection,
            numeric::ERR_NOSUCHNICK,
            [nick, "No such nick/channel"],
        );
        return;
    }
    if !is_self {
        session.reply(
            connection,
            numeric::ERR_USERSDONTMATCH,
            ["Can't change mode for other users"],
        );
        return;
    }
    let Some(modestring) = params.get(1) else {
        session.reply(connection, numeric::RPL_UMODEIS, [format!("+{current}")]);
        return;
    };
    let mut adding = true;
    let mut applied = String::new();
    let mut last_sign = None;
    let mut unknown = false;
    for letter in modestring.chars() {
        let changed = match letter {
            '+' | '-' => {
                adding = letter == '+';
                continue;
            }
            'i' => session
                .context
                .hub
                .with(|hub| hub.set_invisible(id, adding)),
            'w' => session.context.hub.with(|hub| hub.set_wallops(id, adding)),
            // Operator status is given by OPER only; MODE can only give it up.
            'o' if adding => false,
            'o' => session.context.hub.with(|hub| hub.set_oper(id, None)),
            _ => {
                unknown = true;
                false
            }
        };
        if changed {
            if last_sign != Some(adding) {
                applied.push(if adding { '+' } else { '-' });
                last_sign = Some(adding);
            }
            applied.push(letter);
        }
    }
    if unknown {
        session.reply(
            connection,
            numeric::ERR_UMODEUNKNOWNFLAG,
            ["Unknown MODE flag"],
        );
    }
    if !applied.is_empty() {
        let own = session.target().to_string();
        let line = Message::new("MODE")
            .with_source(own.clone())
            .with_params([own.as_str(), applied.as_str()]);
        connection.send(&line);
    }
}

/// A client's user mode letters (`iow` order), without the sign.
fn user_modes(client: &crate::hub::client::Client) -> String {
    [
        (client.invisible, 'i'),
        (client.oper.is_some(), 'o'),
        (client.wallops, 'w'),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .map(|(_, letter)| *letter)
    .collect()
}
