//! NickServ: the account service irssi and weechat users already know,
//! reached as `/msg NickServ <command>`. It answers with NOTICEs from
//! `NickServ!NickServ@services.`; logging in also sends 900 like SASL does.

use super::IrcSession;
use super::account::{LoginError, capitalized};
use crate::session::Connection;
use natter_protocol::{Casemapping, Message};

/// The service's nickname (reserved: nobody can take it).
pub const NICKSERV: &str = "NickServ";

/// What NickServ says to a command that needs a logged-in account.
pub(super) const LOG_IN_FIRST: &str = "Log in first: /msg NickServ IDENTIFY <password>.";

/// What `HELP` says.
const HELP: &[&str] = &[
    "NickServ keeps accounts: a registered nick is yours, and so are your whispers.",
    "REGISTER <password>            register your current nick as an account",
    "IDENTIFY [account] <password>  log in",
    "LOGOUT                         log out",
    "INFO [account]                 when an account was registered",
    "SET PASSWORD <new password>    change your password (logged in)",
    "DROP                           delete your account (logged in)",
    "CERT ADD [fingerprint]         log in with this TLS client certificate (SASL EXTERNAL)",
    "CERT DEL <fingerprint>         stop a certificate logging you in",
    "CERT LIST                      your certificates",
];

/// Whether a PRIVMSG target is the service.
pub fn is_nickserv(target: &str) -> bool {
    Casemapping::Rfc8265.eq(target, NICKSERV)
}

/// Sends a NOTICE from NickServ.
pub(super) fn say(session: &IrcSession, connection: &mut Connection, text: &str) {
    let notice = Message::new("NOTICE")
        .with_source(format!("{NICKSERV}!{NICKSERV}@services."))
        .with_params([session.target(), text]);
    connection.send(&notice);
}

/// Runs one NickServ command line.
pub async fn handle(session: &mut IrcSession, connection: &mut Connection, line: &str) {
    let mut words = line.split_whitespace();
    let command = words.next().unwrap_or("HELP").to_ascii_uppercase();
    let args: Vec<&str> = words.collect();
    let Some(accounts) = session.context.accounts.clone() else {
        return say(
            session,
            connection,
            "Accounts are not available on this server (it keeps no history).",
        );
    };
    let own = session.logged_in(connection);
    let nick = session.target().to_string();
    match (command.as_str(), args.as_slice()) {
        ("REGISTER", [password, ..]) => {
            if !session.context.config.accounts.registration {
                return say(
                    session,
                    connection,
                    "Registration is disabled on this server.",
                );
            }
            if let Some(own) = own {
                return say(
                    session,
                    connection,
                    &format!("You are already logged in as {own}."),
                );
            }
            match accounts.register(&nick, password).await {
                Ok(account) => {
                    let text = format!(
                        "Account {} registered; you are now logged in. Next time: /msg NickServ IDENTIFY <password>, or SASL.",
                        account.name
                    );
                    say(session, connection, &text);
                    session.log_in(connection, account);
                }
                Err(error) => say(
                    session,
                    connection,
                    &format!("{}.", capitalized(&error.to_string())),
                ),
            }
        }
        ("IDENTIFY", [password]) | ("IDENTIFY", [_, password]) => {
            let name = if args.len() == 2 {
                args[0].to_string()
            } else {
                nick.clone()
            };
            if own.is_some() {
                return say(session, connection, "You are already logged in.");
            }
            match session.check_login(connection, &name, password).await {
                Ok(account) => {
                    let text = format!("You are now logged in as {}.", account.name);
                    say(session, connection, &text);
                    session.log_in(connection, account);
                }
                Err(LoginError::Bad) if args.len() == 1 => {
                    // The short form names no account, so it tried the nick,
                    // which after a rename to Guest<N> is not the user's own:
                    // say which account was tried and how to name another.
                    let text = format!(
                        "{}. That tried the account named like your nick, {name}; for another account: /msg NickServ IDENTIFY <account> <password>.",
                        LoginError::Bad.text()
                    );
                    say(session, connection, &text);
                }
                Err(error) => say(session, connection, &format!("{}.", error.text())),
            }
        }
        ("LOGOUT", []) => match own {
            Some(_) => {
                session.log_out(connection);
                say(session, connection, "You are now logged out.");
            }
            None => say(session, connection, "You are not logged in."),
        },
        ("INFO", rest) => {
            let name = rest.first().map(|s| s.to_string()).unwrap_or(nick.clone());
            match accounts.lookup(&name) {
                Some(account) => {
                    let when = account.created.format("%Y-%m-%d %H:%M UTC");
                    say(
                        session,
                        connection,
                        &format!("Account {} was registered on {when}.", account.name),
                    );
                }
                None => say(
                    session,
                    connection,
                    &format!("{name} is not a registered account."),
                ),
            }
        }
        ("SET", [what, password]) if what.eq_ignore_ascii_case("PASSWORD") => {
            let Some(own) = own else {
                return say(session, connection, LOG_IN_FIRST);
            };
            let folded = Casemapping::Rfc8265.fold(&own);
            match accounts.set_password(&folded, password).await {
                Ok(()) => say(session, connection, "Your password is changed."),
                Err(error) => say(
                    session,
                    connection,
                    &format!("{}.", capitalized(&error.to_string())),
                ),
            }
        }
        ("DROP", rest) => {
            let Some(own) = own else {
                return say(session, connection, LOG_IN_FIRST);
            };
            if let Some(named) = rest.first()
                && !Casemapping::Rfc8265.eq(named, &own)
            {
                return say(session, connection, "You can only drop your own account.");
            }
            let folded = Casemapping::Rfc8265.fold(&own);
            match accounts.unregister(&folded).await {
                Ok(()) => {
                    session.log_out(connection);
                    session.context.hub.with(|hub| {
                        hub.forget_operator_account(&folded);
                        hub.logout_account(&folded)
                    });
                    say(
                        session,
                        connection,
                        &format!("Account {own} is dropped; its nick is free."),
                    );
                }
                Err(error) => say(
                    session,
                    connection,
                    &format!("{}.", capitalized(&error.to_string())),
                ),
            }
        }
        ("CERT", rest) => {
            super::nickserv_cert::handle(session, connection, &accounts, own, rest).await;
        }
        ("HELP", _) => {
            for line in HELP {
                say(session, connection, line);
            }
        }
        (known @ ("REGISTER" | "IDENTIFY" | "SET"), _) => {
            say(
                session,
                connection,
                &format!("Not enough parameters for {known}. Try: /msg NickServ HELP"),
            );
        }
        (other, _) => say(
            session,
            connection,
            &format!("Unknown command {other}. Try: /msg NickServ HELP"),
        ),
    }
}

/// Warns about a registered nick `id` sits on without its account (see [`crate::nick_guard`]).
pub(super) fn warn_if_unowned(session: &IrcSession, connection: &mut Connection) {
    if let Some(owner) = crate::nick_guard::guard(&session.context, connection.id) {
        let grace = session.context.config.accounts.nick_grace;
        let how = "/msg NickServ IDENTIFY <password>, or SASL";
        say(
            session,
            connection,
            &crate::nick_guard::warning(&owner, grace, how),
        );
    }
}
