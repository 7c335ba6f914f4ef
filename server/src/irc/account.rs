//! Accounts in the IRC dialect: IRCv3 `REGISTER`
//! (draft/account-registration) and what it shares with SASL
//! ([`super::sasl`]) and the NickServ service: logging the connection in
//! with 900 and out with 901, failed-login limits.

use super::IrcSession;
use crate::accounts::{Account, AccountError, Limits};
use crate::hub::NickTaken;
use crate::session::Connection;
use natter_protocol::{Message, Nick, numeric};

impl IrcSession {
    /// The account this connection is logged in to.
    pub(super) fn logged_in(&self, connection: &Connection) -> Option<String> {
        if self.registered {
            let id = connection.id;
            self.context
                .hub
                .read(|hub| hub.account_of(id))
                .map(|(name, _)| name)
        } else {
            (self.registering().account.as_ref()).map(|account| account.name.clone())
        }
    }

    /// `nick!user@host` as far as known, for 900/901.
    fn mask(&self, connection: &Connection) -> String {
        let user = self
            .registering()
            .user
            .as_ref()
            .map(|(user, _)| user.as_str())
            .unwrap_or("*");
        format!("{}!{}@{}", self.target(), user, connection.host())
    }

    /// Logs the connection in to `account` and sends 900.
    pub(super) fn log_in(&mut self, connection: &mut Connection, account: Account) {
        let mask = if self.registered {
            let id = connection.id;
            self.context
                .hub
                .with(|hub| {
                    let mask = hub.login(id, &account);
                    // Whoever sits on the owner's nick makes room now.
                    hub.evict_impostors(&account.folded);
                    mask
                })
                .unwrap_or_else(|| self.mask(connection))
        } else {
            self.mask(connection)
        };
        let text = format!("You are now logged in as {}", account.name);
        self.reply(
            connection,
            numeric::RPL_LOGGEDIN,
            [mask.as_str(), account.name.as_str(), text.as_str()],
        );
        if !self.registered {
            self.registering_mut().account = Some(account);
        }
    }

    /// Logs the connection out (after DROP) and sends 901.
    pub(super) fn log_out(&mut self, connection: &mut Connection) {
        let id = connection.id;
        let mask = if self.registered {
            self.context.hub.with(|hub| hub.logout(id))
        } else {
            (self.registering_mut().account.take()).map(|_| self.mask(connection))
        };
        if let Some(mask) = mask {
            self.reply(
                connection,
                numeric::RPL_LOGGEDOUT,
                [mask.as_str(), "You are now logged out"],
            );
        }
    }

    fn limits(&self) -> Limits {
        self.context.config.accounts.failure_limits()
    }

    /// Checks `password` for `name` within the failed-login limits.
    pub(super) async fn check_login(
        &mut self,
        connection: &Connection,
        name: &str,
        password: &str,
    ) -> Result<Account, LoginError> {
        let accounts = self
            .context
            .accounts
            .clone()
            .ok_or(LoginError::Unavailable)?;
        let (ip, limits) = (connection.peer.ip(), self.limits());
        accounts
            .limiter()
            .check(self.login_failures.get_or_insert_default(), ip, limits)
            .map_err(LoginError::TooMany)?;
        match accounts.authenticate(name, password).await {
            Ok(account) => Ok(account),
            Err(AccountError::BadCredentials) => {
                tracing::info!(peer = %connection.peer, account = %name, "failed login");
                accounts
                    .limiter()
                    .failed(self.login_failures.get_or_insert_default(), ip, limits);
                Err(LoginError::Bad)
            }
            Err(_) => Err(LoginError::Unavailable),
        }
    }
}

/// Why a login failed.
pub(super) enum LoginError {
    /// Wrong account or password.
    Bad,
    /// Too many failures lately: wait this many seconds.
    TooMany(u64),
    /// No accounts on this server (history is off) or the store failed.
    Unavailable,
}

impl LoginError {
    /// A sentence for the user.
    pub(super) fn text(&self) -> String {
        match self {
            LoginError::Bad => "Invalid account name or password".to_string(),
            LoginError::TooMany(seconds) => {
                format!("Too many failed logins; try again in {seconds} seconds")
            }
            LoginError::Unavailable => "Accounts are not available on this server".to_string(),
        }
    }
}

/// Handles `REGISTER <account> <email> <password>` (draft/account-registration).
pub async fn register(session: &mut IrcSession, connection: &mut Connection, message: &Message) {
    let (Some(account), Some(password)) = (message.arg(0), message.arg(2)) else {
        session.reply(
            connection,
            numeric::ERR_NEEDMOREPARAMS,
            ["REGISTER", "Not enough parameters"],
        );
        return;
    };
    if !session.registered && !session.context.config.accounts.register_before_connect {
        let fail = session.server_message("FAIL").with_params([
            "REGISTER",
            "COMPLETE_CONNECTION_REQUIRED",
            account,
            "Register your account once you are connected",
        ]);
        connection.send(&fail);
        return;
    }
    let Some(name) = account_name(session, connection, account) else {
        return;
    };
    if let Some((code, text)) = register_refusal(session, connection, &name) {
        return register_fail(session, connection, code, &name, &text);
    }
    let Some(accounts) = session.context.accounts.clone() else {
        return;
    };
    match accounts.register(&name, password).await {
        Ok(account) => {
            let done = session.server_message("REGISTER").with_params([
                "SUCCESS",
                account.name.as_str(),
                "Account created",
            ]);
            connection.send(&done);
            session.log_in(connection, account);
        }
        Err(error) => {
            let code = match error {
                AccountError::Exists(_) | AccountError::LooksLike(_) => "ACCOUNT_EXISTS",
                AccountError::WeakPassword => "WEAK_PASSWORD",
                _ => "TEMPORARILY_UNAVAILABLE",
            };
            let text = capitalized(&error.to_string());
            register_fail(session, connection, code, &name, &text);
        }
    }
}

/// The account `REGISTER` names: `account`, or for `*` the nick (none yet,
/// or one refused: the FAIL is sent and `None` returned).
fn account_name(
    session: &IrcSession,
    connection: &mut Connection,
    account: &str,
) -> Option<String> {
    if account != "*" {
        return Some(account.to_string());
    }
    match (
        session.nick.clone(),
        session.registering().refused_nick.clone(),
    ) {
        (Some(nick), _) => Some(nick),
        // The spec: ACCOUNT_EXISTS once a NICK was sent, for a nick that
        // is not available; nobody registers a nick from under its holder.
        (None, Some(refused)) => {
            let text = format!("{refused} is in use by someone else; choose another nick");
            register_fail(session, connection, "ACCOUNT_EXISTS", &refused, &text);
            None
        }
        (None, None) => {
            register_fail(
                session,
                connection,
                "NEED_NICK",
                "*",
                "Choose a nickname first, or name the account",
            );
            None
        }
    }
}

/// Why `name` cannot be registered now, as the FAIL code and text; `None`
/// when it can.
fn register_refusal(
    session: &IrcSession,
    connection: &Connection,
    name: &str,
) -> Option<(&'static str, String)> {
    if session.context.accounts.is_none() {
        let text = "Accounts are not available on this server";
        return Some(("TEMPORARILY_UNAVAILABLE", text.to_string()));
    }
    if !session.context.config.accounts.registration {
        let text = "Registration is disabled on this server";
        return Some(("TEMPORARILY_UNAVAILABLE", text.to_string()));
    }
    if session.logged_in(connection).is_some() {
        return Some((
            "ALREADY_AUTHENTICATED",
            "You are already logged in".to_string(),
        ));
    }
    let max = session.context.config.limits.nick_length;
    if let Err(error) = Nick::parse(name, max) {
        let text = format!("Account names follow the nickname rules: {error}");
        return Some(("BAD_ACCOUNT_NAME", text));
    }
    // No land grabs: a nick someone else is using cannot become an account.
    let me = session.registered.then_some(connection.id);
    let held = session
        .context
        .hub
        .read(|hub| hub.check_nick(name, me))
        .err()
        .filter(|taken| {
            matches!(
                taken,
                NickTaken::InUse | NickTaken::LooksLike(_) | NickTaken::OnAnotherNode(_)
            )
        });
    held.map(|_| {
        let text = format!("{name} is in use by someone else; choose another name");
        ("ACCOUNT_EXISTS", text)
    })
}

fn register_fail(
    session: &IrcSession,
    connection: &mut Connection,
    code: &str,
    account: &str,
    text: &str,
) {
    let fail = session
        .server_message("FAIL")
        .with_params(["REGISTER", code, account, text]);
    connection.send(&fail);
}

/// `s` with its first letter in upper case, for sentences built from error texts.
pub(super) fn capitalized(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
