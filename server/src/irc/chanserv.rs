//! ChanServ: channel registration as on ergo and Atheme, reached as
//! `/msg ChanServ <command>`. A logged-in operator registers a channel
//! (`REGISTER #chan`) and becomes its founder; only registered channels keep
//! their modes, key, topic, bans and operator accounts once empty and across
//! restarts, and the founder's account gets `+o` whenever it joins. Answers
//! are NOTICEs from `ChanServ!ChanServ@services.`.

use super::IrcSession;
use super::account::capitalized;
use crate::hub::client::ClientId;
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
    for text in answer(session, connection.id, &command, &args) {
        say(session, connection, &text);
    }
}

/// What ChanServ answers `command args` from client `id`, line by line.
fn answer(session: &IrcSession, id: ClientId, command: &str, args: &[&str]) -> Vec<String> {
    let hub = &session.context.hub;
    let sentence = |error: &dyn std::fmt::Display| format!("{}.", capitalized(&error.to_string()));
    match (command, args) {
        ("REGISTER", [channel, ..]) => {
            let limit = session.context.config.accounts.max_channels_per_account;
            let text = match hub.with(|hub| hub.register_channel(id, channel, limit)) {
                Ok(registered) => format!(
                    "{} is now registered to {}.",
                    registered.channel, registered.founder.name
                ),
                Err(error) => sentence(&error),
            };
            vec![text]
        }
        ("DROP", [channel]) => vec![match hub.with(|hub| hub.drop_channel(id, channel)) {
            Ok(name) => format!("{name} is no longer registered."),
            Err(error) => sentence(&error),
        }],
        ("INFO", [channel]) => match hub.read(|hub| hub.channel_registration(id, channel)) {
            Some(registration) => info_lines(&registration),
            None => vec![format!("{channel} is not registered.")],
        },
        ("HELP", _) => HELP.iter().map(|text| text.to_string()).collect(),
        (known @ ("REGISTER" | "DROP" | "INFO"), _) => vec![format!(
            "Syntax: {known} <#channel>. Try: /msg ChanServ HELP"
        )],
        (other, _) => vec![format!("Unknown command {other}. Try: /msg ChanServ HELP")],
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
