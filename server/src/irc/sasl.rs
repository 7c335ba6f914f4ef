//! SASL in the IRC dialect (`AUTHENTICATE`): PLAIN with an account's
//! password, EXTERNAL with a TLS client certificate an account has added
//! (`NickServ CERT ADD`).
//!
//! Numerics follow the IRCv3 SASL 3.2 spec and modern.ircdocs: 900 on login,
//! 903 on success, 904 on failure, 905 for an over-long message, 906 on
//! abort, 907 when already logged in, 908 listing the mechanisms.

use super::IrcSession;
use super::caps::SASL_MECHANISMS;
use crate::session::Connection;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use natter_protocol::{Casemapping, Message, numeric};

/// The longest AUTHENTICATE chunk; a chunk this long means more follow.
const CHUNK: usize = 400;
/// The longest SASL payload natterd assembles (PLAIN needs far less).
const MAX_PAYLOAD: usize = 2048;

/// The mechanisms natterd speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mechanism {
    /// RFC 4616: account and password.
    Plain,
    /// RFC 4422 appendix A: the TLS client certificate, an optional authzid.
    External,
}

/// A SASL exchange in progress: the mechanism and the base64 received so far.
#[derive(Debug)]
pub struct SaslExchange {
    mechanism: Mechanism,
    buffer: String,
}

/// Handles `AUTHENTICATE <mechanism | base64 chunk | + | *>`.
pub async fn authenticate(
    session: &mut IrcSession,
    connection: &mut Connection,
    message: &Message,
) {
    let Some(param) = message.arg(0).filter(|p| !p.is_empty()) else {
        session.reply(
            connection,
            numeric::ERR_NEEDMOREPARAMS,
            ["AUTHENTICATE", "Not enough parameters"],
        );
        return;
    };
    if session.context.accounts.is_none() {
        session.reply(
            connection,
            numeric::ERR_SASLFAIL,
            ["SASL authentication failed: accounts are not available on this server"],
        );
        return;
    }
    if param == "*" {
        let was = session.sasl.take();
        if was.is_some() {
            session.reply(
                connection,
                numeric::ERR_SASLABORTED,
                ["SASL authentication aborted"],
            );
        } else {
            session.reply(
                connection,
                numeric::ERR_SASLFAIL,
                ["SASL authentication failed"],
            );
        }
        return;
    }
    if session.logged_in(connection).is_some() {
        session.sasl = None;
        session.reply(
            connection,
            numeric::ERR_SASLALREADY,
            ["You have already authenticated using SASL"],
        );
        return;
    }
    let Some(exchange) = session.sasl.as_mut() else {
        start(session, connection, param);
        return;
    };
    // IRCv3 SASL: 905 is for one chunk over 400 bytes; a payload that grows
    // past what any PLAIN login needs is a failed authentication (904).
    if param.len() > CHUNK {
        session.sasl = None;
        session.reply(
            connection,
            numeric::ERR_SASLTOOLONG,
            ["SASL message too long"],
        );
        return;
    }
    if exchange.buffer.len() + param.len() > MAX_PAYLOAD {
        session.sasl = None;
        session.reply(
            connection,
            numeric::ERR_SASLFAIL,
            ["SASL authentication failed: the message is too long"],
        );
        return;
    }
    if param != "+" {
        exchange.buffer.push_str(param);
    }
    if param.len() == CHUNK {
        return;
    }
    let Some(exchange) = session.sasl.take() else {
        return;
    };
    match exchange.mechanism {
        Mechanism::Plain => finish_plain(session, connection, &exchange.buffer).await,
        Mechanism::External => finish_external(session, connection, &exchange.buffer),
    }
}

fn start(session: &mut IrcSession, connection: &mut Connection, mechanism: &str) {
    let mechanism = if mechanism.eq_ignore_ascii_case("PLAIN") {
        Some(Mechanism::Plain)
    } else if mechanism.eq_ignore_ascii_case("EXTERNAL") {
        Some(Mechanism::External)
    } else {
        None
    };
    if let Some(mechanism) = mechanism {
        session.sasl = Some(Box::new(SaslExchange {
            mechanism,
            buffer: String::new(),
        }));
        connection.send(&Message::new("AUTHENTICATE").with_param("+"));
    } else {
        session.reply(
            connection,
            numeric::RPL_SASLMECHS,
            [SASL_MECHANISMS, "are available SASL mechanisms"],
        );
        session.reply(
            connection,
            numeric::ERR_SASLFAIL,
            ["SASL authentication failed"],
        );
    }
}

/// PLAIN (RFC 4616): `authzid NUL authcid NUL password`; the authzid must be
/// empty or the authcid (nobody logs in as someone else).
async fn finish_plain(session: &mut IrcSession, connection: &mut Connection, payload: &str) {
    let fail = |session: &IrcSession, connection: &mut Connection, why: &str| {
        let text = format!("SASL authentication failed: {why}");
        session.reply(connection, numeric::ERR_SASLFAIL, [text.as_str()]);
    };
    let decoded = BASE64
        .decode(payload)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok());
    let Some(decoded) = decoded else {
        return fail(session, connection, "the message is not valid base64 UTF-8");
    };
    let parts: Vec<&str> = decoded.split('\0').collect();
    let [authzid, authcid, password] = parts[..] else {
        return fail(
            session,
            connection,
            "PLAIN needs authzid NUL account NUL password",
        );
    };
    if !authzid.is_empty() && authzid != authcid {
        return fail(session, connection, "you may only log in as yourself");
    }
    match session.check_login(connection, authcid, password).await {
        Ok(account) => {
            session.log_in(connection, account);
            session.reply(
                connection,
                numeric::RPL_SASLSUCCESS,
                ["SASL authentication successful"],
            );
        }
        Err(error) => fail(session, connection, &error.text()),
    }
}

/// EXTERNAL: the account that added the connection's TLS client
/// certificate; the payload is empty or an authzid naming that account.
fn finish_external(session: &mut IrcSession, connection: &mut Connection, payload: &str) {
    let fail = |session: &IrcSession, connection: &mut Connection, why: &str| {
        let text = format!("SASL authentication failed: {why}");
        session.reply(connection, numeric::ERR_SASLFAIL, [text.as_str()]);
    };
    let authzid = BASE64
        .decode(payload)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok());
    let Some(authzid) = authzid else {
        return fail(session, connection, "the message is not valid base64 UTF-8");
    };
    let Some(fingerprint) = connection.client_cert() else {
        return fail(
            session,
            connection,
            "you are not connected with a TLS client certificate",
        );
    };
    let account = session
        .context
        .accounts
        .as_ref()
        .and_then(|accounts| accounts.account_for_cert(&fingerprint));
    let Some(account) = account else {
        tracing::info!(peer = %connection.peer, %fingerprint, "failed SASL EXTERNAL: unknown certificate");
        return fail(
            session,
            connection,
            "your client certificate is not added to any account (log in and /msg NickServ CERT ADD)",
        );
    };
    if !authzid.is_empty() && !Casemapping::Rfc8265.eq(&authzid, &account.name) {
        return fail(session, connection, "you may only log in as yourself");
    }
    session.log_in(connection, account);
    session.reply(
        connection,
        numeric::RPL_SASLSUCCESS,
        ["SASL authentication successful"],
    );
}
