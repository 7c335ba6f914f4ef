//! Accounts for nc users: a registered nick asks for its password on the
//! next line; `/register PASSWORD` and `/login PASSWORD` while chatting.
//! With `[accounts] require`, an unregistered nick is registered at the
//! prompt instead, and nobody gets in without logging in.

use super::{PlainSession, Stage, notice};
use crate::accounts::{Account, AccountError, MIN_PASSWORD_CHARS};
use crate::session::{Close, Connection, Flow};

impl PlainSession {
    /// After the nickname (and server password): a registered nick asks for
    /// its account's password first; anything else registers at once.
    pub(super) async fn proceed(&mut self, connection: &mut Connection, nick: &str) -> Flow {
        let registered = self
            .context
            .accounts
            .as_ref()
            .and_then(|accounts| accounts.lookup(nick));
        let required = self.context.config.accounts.require;
        match registered {
            Some(account) => {
                self.stage = Stage::AccountPassword(nick.to_string());
                let then = if required {
                    "This server requires logging in: type its password:"
                } else {
                    "Type its password (or just Enter to go on without logging in):"
                };
                notice(
                    connection,
                    &format!("The nickname {} is registered. {then}", account.name),
                );
                Flow::Continue
            }
            None if required => self.ask_for_new_account(connection, nick),
            None => self.register(connection, nick).await,
        }
    }

    /// `[accounts] require` and an unregistered nick: offer to register it.
    fn ask_for_new_account(&mut self, connection: &mut Connection, nick: &str) -> Flow {
        if self.context.accounts.is_none() {
            notice(
                connection,
                "This server requires an account, but accounts are unavailable.",
            );
            return Flow::Close(Close::AccountRequired);
        }
        if !self.context.config.accounts.registration {
            self.stage = Stage::Nickname;
            notice(
                connection,
                "This server only lets registered accounts in, and registration is closed. Choose a registered nickname:",
            );
            return Flow::Continue;
        }
        self.stage = Stage::NewAccountPassword(nick.to_string());
        notice(
            connection,
            &format!(
                "This server requires an account. Type a password to register {nick} (at least {MIN_PASSWORD_CHARS} characters), or just Enter to choose another nickname:"
            ),
        );
        Flow::Continue
    }

    /// The line after [`ask_for_new_account`](Self::ask_for_new_account): the new account's password.
    pub(super) async fn register_at_prompt(
        &mut self,
        connection: &mut Connection,
        nick: String,
        given: &str,
    ) -> Flow {
        let given = given.trim();
        if is_leaving(given) {
            return Flow::Close(Close::Quit(String::new()));
        }
        let Some(accounts) = self.context.accounts.clone().filter(|_| !given.is_empty()) else {
            self.stage = Stage::Nickname;
            notice(connection, "Choose a nickname:");
            return Flow::Continue;
        };
        match accounts.register(&nick, given).await {
            Ok(account) => {
                notice(
                    connection,
                    &format!(
                        "Account {} registered. Next time, type your password when asked.",
                        account.name
                    ),
                );
                self.pending_account = Some(Box::new(account));
                self.register(connection, &nick).await
            }
            Err(AccountError::WeakPassword) => {
                self.stage = Stage::NewAccountPassword(nick);
                notice(
                    connection,
                    &format!(
                        "Not registered: {}. Type another password (or just Enter to choose another nickname):",
                        AccountError::WeakPassword
                    ),
                );
                Flow::Continue
            }
            Err(error) => {
                self.stage = Stage::Nickname;
                notice(
                    connection,
                    &format!("Not registered: {error}. Choose a nickname:"),
                );
                Flow::Continue
            }
        }
    }

    /// The line after [`proceed`](Self::proceed) asked for the password.
    pub(super) async fn check_account_password(
        &mut self,
        connection: &mut Connection,
        nick: String,
        given: &str,
    ) -> Flow {
        let given = given.trim();
        if is_leaving(given) {
            return Flow::Close(Close::Quit(String::new()));
        }
        if given.is_empty() && self.context.config.accounts.require {
            self.stage = Stage::Nickname;
            notice(
                connection,
                "This server requires logging in. Choose a nickname:",
            );
            return Flow::Continue;
        }
        if given.is_empty() {
            return self.register(connection, &nick).await;
        }
        match self.check_login(connection, &nick, given).await {
            Ok(account) => {
                self.pending_account = Some(Box::new(account));
                self.register(connection, &nick).await
            }
            // A mistyped password asks for the password again (the failure
            // limits bound the tries): if it went back to the nickname
            // prompt, a user retyping the password would make it their
            // nickname, for everyone in the room to read.
            Err(LoginRefused::WrongPassword) => {
                self.stage = Stage::AccountPassword(nick);
                let or = if self.context.config.accounts.require {
                    "choose another nickname"
                } else {
                    "go on without logging in"
                };
                notice(
                    connection,
                    &format!("Wrong password. Type it again (or just Enter to {or}):"),
                );
                Flow::Continue
            }
            Err(refused) => {
                self.stage = Stage::Nickname;
                notice(connection, &format!("{refused}. Choose a nickname:"));
                Flow::Continue
            }
        }
    }

    /// `/login PASSWORD` (for the current nick) or `/login ACCOUNT PASSWORD`.
    pub(super) async fn login_command(&mut self, connection: &mut Connection, rest: &str) {
        let words: Vec<&str> = rest.split_whitespace().collect();
        let (name, password) = match words[..] {
            [password] => (self.nick.clone(), password),
            [name, password] => (name.to_string(), password),
            _ => return notice(connection, "Usage: /login PASSWORD"),
        };
        let id = connection.id;
        if self.context.hub.read(|hub| hub.account_of(id)).is_some() {
            return notice(connection, "You are already logged in.");
        }
        match self.check_login(connection, &name, password).await {
            Ok(account) => self.logged_in(connection, &account),
            Err(refused) => notice(connection, &format!("{refused}.")),
        }
    }

    /// `/register PASSWORD`: registers the current nick.
    pub(super) async fn register_command(&mut self, connection: &mut Connection, rest: &str) {
        let password = rest.trim();
        let Some(accounts) = self.context.accounts.clone() else {
            return notice(connection, "Accounts are not available on this server.");
        };
        if password.is_empty() || password.contains(' ') {
            return notice(connection, "Usage: /register PASSWORD (one word)");
        }
        if !self.context.config.accounts.registration {
            return notice(connection, "Registration is disabled on this server.");
        }
        let id = connection.id;
        if self.context.hub.read(|hub| hub.account_of(id)).is_some() {
            return notice(connection, "You are already logged in.");
        }
        match accounts.register(&self.nick, password).await {
            Ok(account) => {
                notice(
                    connection,
                    &format!(
                        "Account {} registered. Next time, type your password when asked (or /login PASSWORD).",
                        account.name
                    ),
                );
                self.logged_in(connection, &account);
            }
            Err(error) => notice(connection, &format!("Not registered: {error}.")),
        }
    }

    fn logged_in(&mut self, connection: &mut Connection, account: &Account) {
        let id = connection.id;
        self.context.hub.with(|hub| {
            hub.login(id, account);
            hub.evict_impostors(&account.folded);
        });
        notice(
            connection,
            &format!("You are logged in as {}.", account.name),
        );
    }

    /// Checks a password within the failed-login limits.
    async fn check_login(
        &mut self,
        connection: &Connection,
        name: &str,
        password: &str,
    ) -> Result<Account, LoginRefused> {
        let Some(accounts) = self.context.accounts.clone() else {
            return Err(LoginRefused::Other(
                "Accounts are not available on this server".to_string(),
            ));
        };
        let limits = self.context.config.accounts.failure_limits();
        let ip = connection.peer.ip();
        if let Err(seconds) =
            accounts
                .limiter()
                .check(self.login_failures.get_or_insert_default(), ip, limits)
        {
            return Err(LoginRefused::Other(format!(
                "Too many failed logins; try again in {seconds} seconds"
            )));
        }
        match accounts.authenticate(name, password).await {
            Ok(account) => Ok(account),
            Err(AccountError::BadCredentials) => {
                accounts
                    .limiter()
                    .failed(self.login_failures.get_or_insert_default(), ip, limits);
                Err(LoginRefused::WrongPassword)
            }
            Err(other) => Err(LoginRefused::Other(other.to_string())),
        }
    }
}

/// Whether a line typed at a password prompt means "leave", as it does at
/// the nickname prompt: `exit` and `/quit` are shorter than any password
/// can be, so they are never somebody's password.
fn is_leaving(line: &str) -> bool {
    const _: () = assert!(MIN_PASSWORD_CHARS > "/quit".len());
    line == "exit" || line.eq_ignore_ascii_case("/quit")
}

/// Why a login was refused: a wrong password may be typed again, anything
/// else (the failure limit, no accounts) may not. Displays as a sentence
/// without its full stop.
enum LoginRefused {
    /// The password did not match.
    WrongPassword,
    /// Refused without checking the password, or the check failed.
    Other(String),
}

impl std::fmt::Display for LoginRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoginRefused::WrongPassword => f.write_str("Wrong password"),
            LoginRefused::Other(text) => f.write_str(text),
        }
    }
}
