//! WALLOPS: an operator's message to everyone with user mode +w.

use super::super::IrcSession;
use crate::session::Connection;
use natter_protocol::Message;

/// Handles `WALLOPS :<text>` (481 for non-operators). Users with +w receive
/// `:<oper> WALLOPS :<text>`, the sender too when it has +w.
pub fn handle(session: &mut IrcSession, connection: &mut Connection, message: &Message) {
    let Some(params) = super::require_params(session, connection, message, 1) else {
        return;
    };
    if !super::require_oper(session, connection) {
        return;
    }
    let text = params[0].as_str();
    let id = connection.id;
    let delivered = session.context.hub.with(|hub| hub.wallops(id, text));
    tracing::info!(client = id, recipients = delivered, "wallops");
}
