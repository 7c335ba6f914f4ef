//! WHOIS: everything public about a user.

use super::super::IrcSession;
use super::super::replies::chunk_words;
use crate::hub::WhoisInfo;
use crate::session::Connection;
use natter_protocol::{Message, numeric};

/// Handles `WHOIS [<server>] <nick>`.
pub fn handle(session: &mut IrcSession, connection: &mut Connection, message: &Message) {
    // ircdocs: a WHOIS without a nickname is ERR_NONICKNAMEGIVEN, not 461.
    let nick = message
        .params
        .last()
        .map(String::as_str)
        .unwrap_or_default();
    let nick = nick.split(',').next().unwrap_or_default();
    if nick.is_empty() {
        session.reply(
            connection,
            numeric::ERR_NONICKNAMEGIVEN,
            ["No nickname given"],
        );
        return;
    }
    let id = connection.id;
    let all_prefixes = session.caps.has("multi-prefix");
    let Some(info) = session
        .context
        .hub
        .read(|hub| hub.whois(nick, id, all_prefixes))
    else {
        session.reply(
            connection,
            numeric::ERR_NOSUCHNICK,
            [nick, "No such nick/channel"],
        );
        session.reply(
            connection,
            numeric::RPL_ENDOFWHOIS,
            [nick, "End of /WHOIS list"],
        );
        return;
    };
    reply_found(session, connection, &info);
}

/// The WHOIS lines about a user found: who, where, what, and (on this node) idle time.
fn reply_found(session: &IrcSession, connection: &mut Connection, info: &WhoisInfo) {
    let member = &info.member;
    let found = member.nick.as_str();
    session.reply(
        connection,
        numeric::RPL_WHOISUSER,
        [
            found,
            member.user.as_str(),
            member.host.as_str(),
            "*",
            member.realname.as_str(),
        ],
    );
    for chunk in chunk_words(&info.channels, 80) {
        session.reply(
            connection,
            numeric::RPL_WHOISCHANNELS,
            [found, chunk.as_str()],
        );
    }
    let (server, via) = match &info.node {
        Some(node) => (
            node.clone(),
            "another node of this natter cluster".to_string(),
        ),
        None => (
            session.context.server_name().to_string(),
            format!("natter LAN chat ({} client)", info.dialect),
        ),
    };
    session.reply(
        connection,
        numeric::RPL_WHOISSERVER,
        [found, server.as_str(), via.as_str()],
    );
    if member.oper {
        session.reply(
            connection,
            numeric::RPL_WHOISOPERATOR,
            [found, "is an IRC operator"],
        );
    }
    if let Some(account) = &info.account {
        session.reply(
            connection,
            numeric::RPL_WHOISACCOUNT,
            [found, account.as_str(), "is logged in as"],
        );
    }
    if info.secure {
        // 671 is what clients (irssi, weechat, HexChat) show; natterd sets
        // no user mode for it (+z/+Z differ between servers).
        session.reply(
            connection,
            numeric::RPL_WHOISSECURE,
            [found, "is using a secure connection"],
        );
    }
    if let Some(away) = &info.away {
        session.reply(connection, numeric::RPL_AWAY, [found, away.as_str()]);
    }
    if info.node.is_some() {
        // Idle and signon times live on the user's own node.
        session.reply(
            connection,
            numeric::RPL_ENDOFWHOIS,
            [found, "End of /WHOIS list"],
        );
        return;
    }
    let idle = info.idle.as_secs().to_string();
    let signon = info.signon.timestamp().to_string();
    session.reply(
        connection,
        numeric::RPL_WHOISIDLE,
        [
            found,
            idle.as_str(),
            signon.as_str(),
            "seconds idle, signon time",
        ],
    );
    session.reply(
        connection,
        numeric::RPL_ENDOFWHOIS,
        [found, "End of /WHOIS list"],
    );
}
