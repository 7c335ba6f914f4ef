//! The `[accounts]` table.

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Who may register and log in, and how owned nicknames are enforced.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct AccountsConfig {
    /// Whether anyone may register an account (REGISTER, NickServ, plain `/register`).
    pub registration: bool,
    /// Whether IRCv3 `REGISTER` is accepted before connection registration
    /// completes (the `before-connect` key of `draft/account-registration`,
    /// ergo's `allow-before-connect`); when off it answers
    /// `FAIL REGISTER COMPLETE_CONNECTION_REQUIRED`.
    pub register_before_connect: bool,
    /// Whether everyone must log in to an account to get in (IRC: SASL or
    /// `PASS account:password` before registering; nc: the password prompt,
    /// which also registers a new nick when registration is open).
    pub require: bool,
    /// How long someone on a registered nick that is not theirs has to log in
    /// before being renamed to `Guest<N>`.
    #[serde(with = "crate::config::duration")]
    pub nick_grace: Duration,
    /// Failed logins one connection may make per `failure_window`; more are refused unchecked.
    pub max_failures_per_connection: u32,
    /// Failed logins one address may make per `failure_window`; more are refused unchecked.
    pub max_failures_per_address: u32,
    /// The window the failure limits count over.
    #[serde(with = "crate::config::duration")]
    pub failure_window: Duration,
    /// How many channels one account may register with ChanServ (ergo's
    /// default is 15).
    pub max_channels_per_account: usize,
}

impl Default for AccountsConfig {
    fn default() -> Self {
        AccountsConfig {
            registration: true,
            register_before_connect: true,
            require: false,
            nick_grace: Duration::from_secs(30),
            max_failures_per_connection: 3,
            max_failures_per_address: 10,
            failure_window: Duration::from_secs(60),
            max_channels_per_account: 15,
        }
    }
}

impl AccountsConfig {
    /// The failed-login limits every way of logging in (SASL, NickServ, PASS,
    /// the plain prompt) and OPER check attempts against.
    pub fn failure_limits(&self) -> super::Limits {
        super::Limits {
            per_connection: self.max_failures_per_connection,
            per_address: self.max_failures_per_address,
            window: self.failure_window,
        }
    }
}
