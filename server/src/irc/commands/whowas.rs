//! WHOWAS: who recently went by a nickname (RFC 2812 3.6.3, modern ircdocs).

use super::super::IrcSession;
use crate::session::Connection;
use natter_protocol::{Message, numeric};

/// Handles `WHOWAS <nick>{,<nick>} [<count> [<server>]]`: for each nick its
/// identities, most recent first (314 and 312 with the time it was left),
/// or 406; then one 369 naming the request. A count of 0 or less means all.
pub fn handle(session: &mut IrcSession, connection: &mut Connection, message: &Message) {
    let Some(nicks) = message.arg(0).filter(|nicks| !nicks.is_empty()) else {
        // modern ircdocs: a single reply, ERR_NONICKNAMEGIVEN (as WHOIS does).
        session.reply(
            connection,
            numeric::ERR_NONICKNAMEGIVEN,
            ["No nickname given"],
        );
        return;
    };
    let count = message
        .arg(1)
        .and_then(|count| count.parse::<i64>().ok())
        .filter(|&count| count > 0)
        .map(|count| usize::try_from(count).unwrap_or(usize::MAX));
    let server = session.context.server_name().to_string();
    let max_targets = session.context.config.limits.max_targets;
    for nick in nicks.split(',').filter(|n| !n.is_empty()).take(max_targets) {
        let found = session.context.hub.read(|hub| hub.whowas(nick, count));
        if found.is_empty() {
            session.reply(
                connection,
                numeric::ERR_WASNOSUCHNICK,
                [nick, "There was no such nickname"],
            );
        }
        for was in found {
            session.reply(
                connection,
                numeric::RPL_WHOWASUSER,
                [
                    was.nick.as_str(),
                    was.user.as_str(),
                    was.host.as_str(),
                    "*",
                    was.realname.as_str(),
                ],
            );
            let until = was.until.format("%a %b %e %H:%M:%S %Y UTC").to_string();
            session.reply(
                connection,
                numeric::RPL_WHOISSERVER,
                [was.nick.as_str(), server.as_str(), until.as_str()],
            );
        }
    }
    session.reply(
        connection,
        numeric::RPL_ENDOFWHOWAS,
        [nicks, "End of WHOWAS"],
    );
}
