//! One module per IRC command: check the parameters, ask the hub, reply.

pub mod admin;
pub mod away;
pub mod cap;
pub mod chathistory;
pub mod help;
pub mod info;
pub mod invite;
pub mod ison;
pub mod join;
pub mod kick;
pub mod kill;
pub mod links;
pub mod list;
pub mod mode;
pub mod names;
pub mod nick;
pub mod oper;
pub mod part;
pub mod pass;
pub mod ping;
pub mod privmsg;
pub mod stats;
pub mod topic;
pub mod user;
pub mod userhost;
pub mod wallops;
pub mod who;
pub mod whois;
pub mod whowas;

use super::IrcSession;
use crate::session::Connection;
use natter_protocol::{Message, numeric};

/// Replies 461 and returns `None` when `message` has fewer than `count` parameters.
pub(crate) fn require_params<'m>(
    session: &IrcSession,
    connection: &mut Connection,
    message: &'m Message,
    count: usize,
) -> Option<&'m [String]> {
    if message.params.len() < count || message.params.iter().take(count).any(|p| p.is_empty()) {
        session.reply(
            connection,
            numeric::ERR_NEEDMOREPARAMS,
            [message.command.as_str(), "Not enough parameters"],
        );
        return None;
    }
    Some(&message.params)
}

/// Replies 462 and returns true when the client has already registered
/// (PASS and USER are for registration only).
pub(crate) fn already_registered(session: &IrcSession, connection: &mut Connection) -> bool {
    if session.registered {
        session.reply(
            connection,
            numeric::ERR_ALREADYREGISTERED,
            ["You may not reregister"],
        );
    }
    session.registered
}

/// Whether `target` (a server name or mask, or a user's nick, as ADMIN,
/// INFO, LINKS and STATS take it) names this server; replies 402 when not.
/// Users of other cluster nodes are not here: their node would answer.
pub(crate) fn target_is_here(
    session: &IrcSession,
    connection: &mut Connection,
    target: &str,
) -> bool {
    let server = session.context.server_name();
    let here =
        natter_protocol::wildcard_match(&target.to_ascii_lowercase(), &server.to_ascii_lowercase())
            || session
                .context
                .hub
                .read(|hub| hub.client_by_nick(target).is_some());
    if !here {
        session.reply(
            connection,
            numeric::ERR_NOSUCHSERVER,
            [target, "No such server"],
        );
    }
    here
}

/// Whether this client is an IRC operator (user mode +o); replies 481 when not.
pub(crate) fn require_oper(session: &IrcSession, connection: &mut Connection) -> bool {
    let id = connection.id;
    let oper = session
        .context
        .hub
        .read(|hub| hub.client(id).is_some_and(|c| c.oper.is_some()));
    if !oper {
        session.reply(
            connection,
            numeric::ERR_NOPRIVILEGES,
            ["Permission Denied- You're not an IRC operator"],
        );
    }
    oper
}

/// Whether `line`'s command may be dropped while it waits (see
/// [`crate::session::LineHandler::may_abandon`]): JOIN and CHATHISTORY,
/// which once they wait have only their own client's backlog or history
/// read left to do.
pub(crate) fn may_abandon(line: &[u8]) -> bool {
    let text = std::str::from_utf8(line).ok();
    text.and_then(|text| natter_protocol::MessageRef::parse(text).ok())
        .is_some_and(|message| message.is_command("JOIN") || message.is_command("CHATHISTORY"))
}

#[cfg(test)]
mod tests {
    use super::may_abandon;

    #[test]
    fn only_joins_and_history_reads_may_be_abandoned() {
        for line in [
            "JOIN #a",
            "join #a,#b key",
            "@label=x JOIN #a",
            "CHATHISTORY LATEST #a * 10",
        ] {
            assert!(may_abandon(line.as_bytes()), "{line}");
        }
        for line in [
            "PRIVMSG #a :JOIN",
            "NICK join",
            "REGISTER * x",
            "AUTHENTICATE PLAIN",
            "",
        ] {
            assert!(!may_abandon(line.as_bytes()), "{line}");
        }
    }
}
