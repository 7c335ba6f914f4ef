//! `NickServ CERT ADD|DEL|LIST`: the TLS client certificates that log in to
//! the caller's account with SASL EXTERNAL (Atheme's syntax, which irssi and
//! weechat users find in their docs).

use super::IrcSession;
use super::account::capitalized;
use super::nickserv::{LOG_IN_FIRST, say};
use crate::accounts::Accounts;
use crate::accounts::certs::CertRemoved;
use crate::session::Connection;
use natter_protocol::{Casemapping, Fingerprint};

/// Runs `CERT <args>` for the logged-in account `own` (`None`: not logged in).
pub(super) async fn handle(
    session: &mut IrcSession,
    connection: &mut Connection,
    accounts: &Accounts,
    own: Option<String>,
    args: &[&str],
) {
    let Some(own) = own else {
        return say(session, connection, LOG_IN_FIRST);
    };
    let folded = Casemapping::Rfc8265.fold(&own);
    let action = args.first().map(|word| word.to_ascii_uppercase());
    match (action.as_deref(), &args[1.min(args.len())..]) {
        (Some("LIST"), []) => list(session, connection, accounts, &own, &folded),
        (Some("ADD"), rest) => {
            let fingerprint = match rest {
                [] => match connection.client_cert() {
                    Some(fingerprint) => fingerprint,
                    None => {
                        return say(
                            session,
                            connection,
                            "You are not connected with a TLS client certificate; name one: CERT ADD <SHA-256 fingerprint>.",
                        );
                    }
                },
                [text] => match parse(session, connection, text) {
                    Some(fingerprint) => fingerprint,
                    None => return,
                },
                _ => return usage(session, connection),
            };
            match accounts.add_cert(&folded, fingerprint).await {
                Ok(()) => say(
                    session,
                    connection,
                    &format!(
                        "Certificate {fingerprint} added to {own}: it logs you in with SASL EXTERNAL."
                    ),
                ),
                Err(error) => say(
                    session,
                    connection,
                    &format!("{}.", capitalized(&error.to_string())),
                ),
            }
        }
        (Some("DEL"), [text]) => {
            let Some(fingerprint) = parse(session, connection, text) else {
                return;
            };
            match accounts.remove_cert(&folded, fingerprint).await {
                Ok(CertRemoved::Freed) => say(
                    session,
                    connection,
                    &format!("Certificate {fingerprint} removed from {own}."),
                ),
                Ok(CertRemoved::FreedLater) => say(
                    session,
                    connection,
                    &format!(
                        "Certificate {fingerprint} removed from {own}: it no longer logs you in. This server lost contact with the rest of the network before it could free it for other accounts; it does so when the connection is back (until then no other account can add it)."
                    ),
                ),
                Err(error) => say(
                    session,
                    connection,
                    &format!("{}.", capitalized(&error.to_string())),
                ),
            }
        }
        _ => usage(session, connection),
    }
}

fn list(
    session: &IrcSession,
    connection: &mut Connection,
    accounts: &Accounts,
    own: &str,
    folded: &str,
) {
    let certs = accounts.certs_of(folded);
    if certs.is_empty() {
        return say(
            session,
            connection,
            &format!(
                "{own} has no client certificates. Connect with one and: /msg NickServ CERT ADD"
            ),
        );
    }
    say(
        session,
        connection,
        &format!("Client certificates of {own}:"),
    );
    for fingerprint in certs {
        say(session, connection, &fingerprint.to_string());
    }
    say(session, connection, "End of list.");
}

fn parse(session: &IrcSession, connection: &mut Connection, text: &str) -> Option<Fingerprint> {
    match text.parse::<Fingerprint>() {
        Ok(fingerprint) => Some(fingerprint),
        Err(error) => {
            say(
                session,
                connection,
                &format!("{}.", capitalized(&error.to_string())),
            );
            None
        }
    }
}

fn usage(session: &IrcSession, connection: &mut Connection) {
    say(
        session,
        connection,
        "Usage: CERT ADD [fingerprint] | CERT DEL <fingerprint> | CERT LIST",
    );
}
