//! OPER: become an IRC operator by proving one of the `[[operators]]` blocks.

use super::super::IrcSession;
use crate::operators::{Applicant, OperError};
use crate::session::Connection;
use natter_protocol::{Message, numeric};

/// Handles `OPER <name> <password>`: 381 and user mode +o, 464 for a wrong
/// password or certificate (or too many failures), 491 when no block of that
/// name is for this host. The password is never logged.
pub async fn handle(session: &mut IrcSession, connection: &mut Connection, message: &Message) {
    let Some(params) = super::require_params(session, connection, message, 2) else {
        return;
    };
    let (name, password) = (params[0].clone(), params[1].clone());
    let id = connection.id;
    // The username as registered (the session keeps none once registered).
    let (already, user) = session.context.hub.read(|hub| {
        hub.client(id).map_or((false, String::new()), |c| {
            (c.oper.is_some(), c.user.to_string())
        })
    });
    if already {
        session.reply(
            connection,
            numeric::RPL_YOUREOPER,
            ["You are already an IRC operator"],
        );
        return;
    }
    let host = connection.host();
    let applicant = Applicant {
        user: &user,
        host: &host,
        ip: connection.peer.ip(),
        cert: connection.client_cert(),
    };
    let limits = session.context.config.accounts.failure_limits();
    let operators = session.context.live().operators.clone();
    let result = operators
        .authenticate(
            &name,
            &password,
            applicant,
            session.oper_failures.get_or_insert_default(),
            limits,
        )
        .await;
    match result {
        Ok(block) => {
            session
                .context
                .hub
                .with(|hub| hub.set_oper(id, Some(block.clone())));
            tracing::info!(peer = %connection.peer, client = id, oper = %block, "opered up");
            session.reply(
                connection,
                numeric::RPL_YOUREOPER,
                ["You are now an IRC operator"],
            );
            let own = session.target().to_string();
            connection.send(
                &Message::new("MODE")
                    .with_source(own.clone())
                    .with_params([own.as_str(), "+o"]),
            );
        }
        Err(error) => {
            tracing::warn!(peer = %connection.peer, client = id, oper = %name, reason = ?error, "failed OPER");
            reply_failure(session, connection, &error);
        }
    }
}

/// 491 when no block of that name is for this host, else 464 (wrong
/// password or certificate, or too many failures and how long to wait).
fn reply_failure(session: &IrcSession, connection: &mut Connection, error: &OperError) {
    match error {
        OperError::NoBlock => session.reply(
            connection,
            numeric::ERR_NOOPERHOST,
            ["No O-lines for your host"],
        ),
        OperError::Mismatch => session.reply(
            connection,
            numeric::ERR_PASSWDMISMATCH,
            ["Password incorrect"],
        ),
        OperError::TooMany(seconds) => session.reply(
            connection,
            numeric::ERR_PASSWDMISMATCH,
            [format!(
                "Too many failed attempts; try again in {seconds} seconds"
            )],
        ),
    }
}
