//! NickServ: the account service irssi and weechat users already know,
//! reached as `/msg NickServ <command>`. It answers with NOTICEs from
//! `NickServ!NickServ@services.`; logging in also sends 900 like SASL does.

use super::IrcSession;
use super::account::{LoginError, capitalized};
use crate::accounts::Accounts;
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
            register(session, connection, &accounts, own, &nick, password).await;
        }
        ("IDENTIFY", [password]) => identify(session, connection, own, None, &nick, password).await,
        ("IDENTIFY", [name, password]) => {
            identify(session, connection, own, Some(name), &nick, password).await;
        }
        ("LOGOUT", []) => match own {
            Some(_) => {
                session.log_out(connection);
                say(session, connection, "You are now logged out.");
            }
            None => say(session, connection, "You are not logged in."),
        },
        ("INFO", rest) => info(
            session,
            connection,
            &accounts,
            rest.first().copied().unwrap_or(&nick),
        ),
        ("SET", [what, password]) if what.eq_ignore_ascii_case("PASSWORD") => {
            set_password(session, connection, &accounts, own, password).await;
        }
        ("DROP", rest) => {
            drop_account(session, connection, &accounts, own, rest.first().copied()).await
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

/// Tells the user what an account operation's error was, as a sentence.
fn say_error(session: &IrcSession, connection: &mut Connection, error: &impl std::fmt::Display) {
    say(
        session,
        connection,
        &format!("{}.", capitalized(&error.to_string())),
    );
}

/// `REGISTER <password>`: the current nick becomes an account, logged in.
async fn register(
    session: &mut IrcSession,
    connection: &mut Connection,
    accounts: &Accounts,
    own: Option<String>,
    nick: &str,
    password: &str,
) {
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
    match accounts.register(nick, password).await {
        Ok(account) => {
            let text = format!(
                "Account {} registered; you are now logged in. Next time: /msg NickServ IDENTIFY <password>, or SASL.",
                account.name
            );
            say(session, connection, &text);
            session.log_in(connection, account);
        }
        Err(error) => say_error(session, connection, &error),
    }
}

/// `IDENTIFY [account] <password>`: logs in to `named`, else to the account
/// named like the nick.
async fn identify(
    session: &mut IrcSession,
    connection: &mut Connection,
    own: Option<String>,
    named: Option<&str>,
    nick: &str,
    password: &str,
) {
    if own.is_some() {
        return say(session, connection, "You are already logged in.");
    }
    let name = named.unwrap_or(nick);
    match session.check_login(connection, name, password).await {
        Ok(account) => {
            let text = format!("You are now logged in as {}.", account.name);
            say(session, connection, &text);
            session.log_in(connection, account);
        }
        Err(LoginError::Bad) if named.is_none() => {
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

/// `INFO [account]`: when `name` was registered.
fn info(session: &IrcSession, connection: &mut Connection, accounts: &Accounts, name: &str) {
    match accounts.lookup(name) {
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

/// `SET PASSWORD <new password>` for the logged-in account `own`.
async fn set_password(
    session: &IrcSession,
    connection: &mut Connection,
    accounts: &Accounts,
    own: Option<String>,
    password: &str,
) {
    let Some(own) = own else {
        return say(session, connection, LOG_IN_FIRST);
    };
    let folded = Casemapping::Rfc8265.fold(&own);
    match accounts.set_password(&folded, password).await {
        Ok(()) => say(session, connection, "Your password is changed."),
        Err(error) => say_error(session, connection, &error),
    }
}

/// `DROP [account]`: deletes the logged-in account `own` (naming another is refused).
async fn drop_account(
    session: &mut IrcSession,
    connection: &mut Connection,
    accounts: &Accounts,
    own: Option<String>,
    named: Option<&str>,
) {
    let Some(own) = own else {
        return say(session, connection, LOG_IN_FIRST);
    };
    if let Some(named) = named
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
        Err(error) => say_error(session, connection, &error),
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
