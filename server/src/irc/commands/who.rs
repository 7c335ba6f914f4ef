//! WHO: members of a channel, or users matching a mask.

use super::super::IrcSession;
use crate::session::Connection;
use natter_protocol::{Message, numeric};

/// Handles `WHO <mask>`.
pub fn handle(session: &mut IrcSession, connection: &mut Connection, message: &Message) {
    let mask = message
        .arg(0)
        .filter(|m| !m.is_empty())
        .unwrap_or("*")
        .to_string();
    let id = connection.id;
    let all_prefixes = session.caps.has("multi-prefix");
    let server = session.context.server_name().to_string();
    let rows = session.context.hub.read(|hub| hub.who(&mask, id));
    for (channel, member) in rows {
        let flags = format!(
            "{}{}",
            if member.away { 'G' } else { 'H' },
            member.membership.prefixes(all_prefixes)
        );
        let last = format!("0 {}", member.realname);
        session.reply(
            connection,
            numeric::RPL_WHOREPLY,
            [
                channel.as_str(),
                member.user.as_str(),
                member.host.as_str(),
                server.as_str(),
                member.nick.as_str(),
                flags.as_str(),
                last.as_str(),
            ],
        );
    }
    session.reply(
        connection,
        numeric::RPL_ENDOFWHO,
        [mask.as_str(), "End of WHO list"],
    );
}
