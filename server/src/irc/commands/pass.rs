//! PASS: the server password, checked when registration completes.

use super::super::IrcSession;
use crate::session::Connection;
use natter_protocol::Message;

/// Handles `PASS <password>`.
pub fn handle(session: &mut IrcSession, connection: &mut Connection, message: &Message) {
    if super::already_registered(session, connection) {
        return;
    }
    let Some(params) = super::require_params(session, connection, message, 1) else {
        return;
    };
    session.registering_mut().password = Some(params[0].clone());
}
