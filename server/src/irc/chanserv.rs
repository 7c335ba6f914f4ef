//! ChanServ: channel registration as on ergo and Atheme, reached as
//! `/msg ChanServ <command>`. A logged-in operator registers a channel
//! (`REGISTER #chan`) and becomes its founder; only registered channels keep
//! their modes, key, topic, bans and operator accounts once empty and across
//! restarts, and the founder's account gets `+o` whenever it joins. Answers
//! are NOTICEs from `ChanServ!ChanServ@services.`.

use super::IrcSession;
use super::account::capitalized;
use crate::hub::{CHANSERV, ChannelRegistration};
use crate::session::Connection;
use natter_protocol::{Casemapping, Message};

/// What `HELP` says.
const HELP: &[&str] = &[
    "ChanServ keeps registered channels: their modes, key, topic, bans and operators survive emptiness and restarts.",
    "REGISTER <#channel>   register a channel you are an operator of (logged in); you become its founder",
    "DROP <#channel>       unregister a channel you founded",
    "INFO <#channel>       who founded a channel, when, and its operator accounts",
    "The founder gets +o on every join; whoever the founder gives +o while logged in does too.",
];

/// Whether a PRIVMSG target is the service.
pub fn is_chanserv(target: &str) -> bool {
    Casemapping::Rfc8265.eq(target, CHANSERV)
}

/// Sends a NOTICE from ChanServ.
fn say(session: &IrcSession, connection: &mut Connection, text: &str) {
    let notice = Message::new("NOTICE")
        .with_source(format!("{CHANSERV}!{CHANSERV}@services."))
        .with_params([session.target(), text]);
    connection.send(&notice);
}

/// Runs one ChanServ command line.
pub fn handle(session: &mut IrcSession, connection: &mut Connection, line: &str) {
    let mut words = line.split_whitespace();
    let command = words.next().unwrap_or("HELP").to_ascii_uppercase();
    let args: Vec<&str> = words.collect();
    let id = connection.id;
    match (command.as_str(), args.as_slice()) {
        ("REGISTER", [channel, ..]) => {
            let limit = session.context.config.accounts.max_channels_per_account;
            let result = session
                .context
                .hub
                .with(|hub| hub.register_channel(id, channel, limit));
            match result {
                Ok(registered) => say(
                    session,
                    connection,
                    &format!(
                        "{} is now registered to {}.",
                        registered.channel, registered.founder.name
                    ),
                ),
                Err(error) => say(
                    session,
                    connection,
                    &format!("{}.", capitalized(&error.to_string())),
                ),
            }
        }
        ("DROP", [channel]) => {
            let result = session
                .context
                .hub
                .with(|hub| hub.drop_channel(id, channel));
            match result {
                Ok(name) => say(
                    session,
                    connection,
                    &format!("{name} is no longer registered."),
                ),
                Err(error) => say(
                    session,
                    connection,
                    &format!("{}.", capitalized(&error.to_string())),
                ),
            }
        }
        ("INFO", [channel]) => {
            let found = session
                .context
                .hub
                .read(|hub| hub.channel_registration(id, channel));
            match found {
                Some(registration) => {
                    for text in info_lines(&registration) {
                        say(session, connection, &text);
                    }
                }
                None => say(
                    session,
                    connection,
                    &format!("{channel} is not registered."),
                ),
            }
        }
        ("HELP", _) => {
            for text in HELP {
                say(session, connection, text);
            }
        }
        (known @ ("REGISTER" | "DROP" | "INFO"), _) => say(
            session,
            connection,
            &format!("Syntax: {known} <#channel>. Try: /msg ChanServ HELP"),
        ),
        (other, _) => say(
            session,
            connection,
            &format!("Unknown command {other}. Try: /msg ChanServ HELP"),
        ),
    }
}

/// The lines of an INFO answer.
fn info_lines(registration: &ChannelRegistration) -> Vec<String> {
    let operators = if registration.operators.is_empty() {
        "(none besides the founder)".to_string()
    } else {
        registration.operators.join(", ")
    };
    vec![
        format!("Information on {}:", registration.channel),
        format!("Founder    : {}", registration.founder.name),
        format!(
            "Registered : {}",
            registration.registered_at.format("%Y-%m-%d %H:%M UTC")
        ),
        format!("Operators  : {operators}"),
    ]
}
