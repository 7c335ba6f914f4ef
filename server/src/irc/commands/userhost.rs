//! USERHOST: `nick=+user@host` for up to five nicknames (`-` when away).

use super::super::IrcSession;
use crate::session::Connection;
use natter_protocol::{Message, numeric};

/// Handles `USERHOST <nick> [<nick> ...]`.
pub fn handle(session: &mut IrcSession, connection: &mut Connection, message: &Message) {
    if super::require_params(session, connection, message, 1).is_none() {
        return;
    }
    let found = session
        .context
        .hub
        .read(|hub| hub.userhost(message.params.iter().take(5).map(String::as_str)));
    let entries: Vec<String> = found
        .iter()
        .map(|m| {
            format!(
                "{}={}{}@{}",
                m.nick,
                if m.away { '-' } else { '+' },
                m.user,
                m.host
            )
        })
        .collect();
    session.reply(connection, numeric::RPL_USERHOST, [entries.join(" ")]);
}
