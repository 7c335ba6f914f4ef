//! Completing registration and the welcome burst: 001-005, LUSERS and MOTD.

use super::IrcSession;
use super::isupport;
use crate::context::VERSION;
use crate::hub::client::NewClient;
use crate::hub::state::RegisterError;
use crate::session::{Close, Connection, Flow};
use natter_protocol::numeric;

impl IrcSession {
    /// Registers the client once NICK, USER (and CAP END, and the password) are in.
    pub(crate) async fn try_complete_registration(&mut self, connection: &mut Connection) -> Flow {
        if self.registered || self.registering().cap_negotiating {
            return Flow::Continue;
        }
        let (Some(nick), Some((user, realname))) =
            (self.nick.clone(), self.registering().user.clone())
        else {
            return Flow::Continue;
        };
        let live = self.context.live();
        if let Some(expected) = &live.password
            && self.registering().password.as_deref() != Some(expected.as_str())
        {
            self.reply(
                connection,
                numeric::ERR_PASSWDMISMATCH,
                ["Password incorrect"],
            );
            return Flow::Close(Close::BadPassword);
        }
        if live.password.is_none() {
            self.pass_as_login(connection, &nick).await;
        }
        if self.context.config.accounts.require && self.registering().account.is_none() {
            return self.refuse_without_account(connection);
        }
        let new_client = NewClient {
            nick: nick.clone(),
            user,
            host: connection.host(),
            realname,
            format: self.caps.format(),
            outbound: connection.outbound.clone(),
            secure: connection.secure,
            account: self
                .registering()
                .account
                .as_ref()
                .map(|account| (account.name.clone(), account.folded.clone())),
        };
        let id = connection.id;
        // Claimed in the cluster first, so no other node gives it out meanwhile.
        let account = new_client
            .account
            .as_ref()
            .map(|(_, folded)| folded.as_str());
        let registered = match self.context.claim_first_nick(&nick, id, account).await {
            Ok(()) => {
                let registered = self.context.hub.with(|hub| hub.register(id, new_client));
                if registered.is_err() {
                    self.context.release_nick(&nick, id);
                }
                registered
            }
            Err(taken) => Err(RegisterError::NickInUse(taken)),
        };
        match registered {
            Ok(()) => {}
            Err(RegisterError::NickInUse(taken)) => {
                let reason = taken.reason();
                self.reply(
                    connection,
                    numeric::ERR_NICKNAMEINUSE,
                    [nick.as_str(), reason.as_str()],
                );
                self.nick = None;
                return Flow::Continue;
            }
        }
        self.registered = true;
        self.registering = None;
        connection.mark_registered();
        connection.log_registered(&self.context, &nick, "irc");
        self.send_welcome(connection, &nick);
        super::nickserv::warn_if_unowned(self, connection);
        Flow::Continue
    }

    fn send_welcome(&self, connection: &mut Connection, nick: &str) {
        let context = self.context.clone();
        let server = context.server_name();
        let prefix = self
            .context
            .hub
            .read(|hub| hub.client(connection.id).map(|c| c.source().prefix()))
            .unwrap_or_else(|| nick.to_string());
        let network = &context.config.server.network;
        self.reply(
            connection,
            numeric::RPL_WELCOME,
            [format!("Welcome to the {network} IRC Network {prefix}")],
        );
        self.reply(
            connection,
            numeric::RPL_YOURHOST,
            [format!("Your host is {server}, running version {VERSION}")],
        );
        let created = context.created.format("%Y-%m-%d %H:%M:%S UTC");
        self.reply(
            connection,
            numeric::RPL_CREATED,
            [format!("This server was created {created}")],
        );
        self.reply(
            connection,
            numeric::RPL_MYINFO,
            [server, VERSION, "iow", "biklmnostv", "bklov"],
        );
        let tokens = isupport::tokens(&context);
        for chunk in tokens.chunks(12) {
            let mut params: Vec<String> = chunk.to_vec();
            params.push("are supported by this server".to_string());
            self.reply(connection, numeric::RPL_ISUPPORT, params);
        }
        send_lusers(self, connection);
        send_motd(self, connection);
    }
}

/// RPL_LUSERCLIENT .. RPL_LUSERME, and the local/global user counts.
pub(crate) fn send_lusers(session: &IrcSession, connection: &mut Connection) {
    let (users, invisible, opers, channels, peak, remote) = session.context.hub.read(|hub| {
        (
            hub.client_count(),
            hub.invisible_count(),
            hub.oper_count(),
            hub.channel_count(),
            hub.peak_client_count(),
            hub.remote_user_count(),
        )
    });
    let unknown = session.context.admission.unregistered();
    // Users on other nodes count when they share a channel with this one:
    // that is who this node knows of.
    let visible = users - invisible + remote;
    let servers = if session.context.cluster.is_some() {
        "this and other cluster nodes".to_string()
    } else {
        "1 servers".to_string()
    };
    session.reply(
        connection,
        numeric::RPL_LUSERCLIENT,
        [format!(
            "There are {visible} users and {invisible} invisible on {servers}"
        )],
    );
    session.reply(
        connection,
        numeric::RPL_LUSEROP,
        [opers.to_string().as_str(), "operator(s) online"],
    );
    session.reply(
        connection,
        numeric::RPL_LUSERUNKNOWN,
        [unknown.to_string().as_str(), "unknown connection(s)"],
    );
    session.reply(
        connection,
        numeric::RPL_LUSERCHANNELS,
        [channels.to_string().as_str(), "channels formed"],
    );
    session.reply(
        connection,
        numeric::RPL_LUSERME,
        [format!("I have {users} clients and 0 servers")],
    );
    let count = users.to_string();
    // Modern IRC: <m> is the most clients connected at once, not the configured limit.
    let max = peak.to_string();
    session.reply(
        connection,
        numeric::RPL_LOCALUSERS,
        [
            count.as_str(),
            max.as_str(),
            &format!("Current local users {users}, max {max}"),
        ],
    );
    let global = users + remote;
    let global_max = (peak + remote).max(global).to_string();
    let global = global.to_string();
    session.reply(
        connection,
        numeric::RPL_GLOBALUSERS,
        [
            global.as_str(),
            global_max.as_str(),
            &format!("Current global users {global}, max {global_max}"),
        ],
    );
}

/// RPL_MOTDSTART, RPL_MOTD lines and RPL_ENDOFMOTD, or ERR_NOMOTD.
pub(crate) fn send_motd(session: &IrcSession, connection: &mut Connection) {
    let context = session.context.clone();
    let live = context.live();
    let Some(lines) = &live.motd else {
        session.reply(connection, numeric::ERR_NOMOTD, ["MOTD File is missing"]);
        return;
    };
    let server = context.server_name();
    session.reply(
        connection,
        numeric::RPL_MOTDSTART,
        [format!("- {server} Message of the day - ")],
    );
    for line in lines {
        session.reply(connection, numeric::RPL_MOTD, [format!("- {line}")]);
    }
    session.reply(
        connection,
        numeric::RPL_ENDOFMOTD,
        ["End of /MOTD command."],
    );
}

impl IrcSession {
    /// `[accounts] require`: registering without being logged in ends the
    /// connection with `FAIL * ACCOUNT_REQUIRED` (as soju.im/account-required
    /// describes) saying how to log in, then `ERROR`.
    fn refuse_without_account(&mut self, connection: &mut Connection) -> Flow {
        let how = if self.context.accounts.is_none() {
            "This server requires an account, but accounts are unavailable (history is off)"
        } else if self.context.config.accounts.registration {
            "This server requires an account: log in with SASL PLAIN (or PASS account:password), or register one first with REGISTER <account> * <password>"
        } else {
            "This server requires an account: log in with SASL PLAIN (or PASS account:password)"
        };
        let fail = self
            .server_message("FAIL")
            .with_params(["*", "ACCOUNT_REQUIRED", how]);
        connection.send(&fail);
        Flow::Close(Close::AccountRequired)
    }

    /// Without a server password, `PASS` logs in to the account of the nick
    /// (or `PASS account:password`), as ergo allows, for clients that know no SASL.
    async fn pass_as_login(&mut self, connection: &mut Connection, nick: &str) {
        let Some(given) = self.registering_mut().password.take() else {
            return;
        };
        if self.registering().account.is_some() || self.context.accounts.is_none() {
            return;
        }
        let (name, password) = match given.split_once(':') {
            Some((name, password)) if !name.is_empty() => (name.to_string(), password.to_string()),
            _ => (nick.to_string(), given),
        };
        match self.check_login(connection, &name, &password).await {
            Ok(account) => self.log_in(connection, account),
            Err(error) => {
                let text = format!("PASS did not log you in: {}", error.text());
                let notice = self
                    .server_message("NOTICE")
                    .with_params([self.target(), text.as_str()]);
                connection.send(&notice);
            }
        }
    }
}
