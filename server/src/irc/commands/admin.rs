//! ADMIN: who runs this server and how to reach them, from the `[admin]`
//! table (read at each use, so a reload shows at once).

use super::super::IrcSession;
use crate::session::Connection;
use natter_protocol::{Message, numeric};

/// Handles `ADMIN [<target>]` (modern ircdocs): 256 naming the server, then
/// 257 location, 258 organisation and 259 contact address. A target other
/// than this server (by name or mask) or one of its users gets 402.
pub fn handle(session: &mut IrcSession, connection: &mut Connection, message: &Message) {
    if let Some(target) = message.arg(0).filter(|t| !t.is_empty())
        && !super::target_is_here(session, connection, target)
    {
        return;
    }
    let server = session.context.server_name().to_string();
    let live = session.context.live();
    let admin = &live.admin;
    session.reply(
        connection,
        numeric::RPL_ADMINME,
        [server.as_str(), "Administrative info"],
    );
    session.reply(
        connection,
        numeric::RPL_ADMINLOC1,
        [admin.location.as_str()],
    );
    session.reply(
        connection,
        numeric::RPL_ADMINLOC2,
        [admin.organisation.as_str()],
    );
    let email = match admin.email.as_str() {
        "" => "No contact address given",
        email => email,
    };
    session.reply(connection, numeric::RPL_ADMINEMAIL, [email]);
}
