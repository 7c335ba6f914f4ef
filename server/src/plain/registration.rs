//! Choosing a nickname (and giving the server password), then joining the
//! default channel with its member list and backlog.

use super::encode::{PLAIN_ENCODER, clean, line};
use super::{PlainSession, Stage, backlog, notice};
use crate::hub::NickTaken;
use crate::hub::client::{Format, NewClient};
use crate::hub::state::RegisterError;
use crate::hub::{JoinError, JoinOutcome};
use crate::session::{Close, Connection, Flow};
use natter_protocol::Nick;

impl PlainSession {
    pub(super) async fn choose_nickname(
        &mut self,
        connection: &mut Connection,
        text: &str,
    ) -> Flow {
        let wanted = text.trim().trim_start_matches('!').trim();
        // Leaving works before choosing a nickname too; nobody wants to be called "exit".
        if wanted == "exit" || wanted.eq_ignore_ascii_case("/quit") {
            return Flow::Close(Close::Quit(String::new()));
        }
        if wanted.is_empty() {
            notice(connection, "Choose a nickname:");
            return Flow::Continue;
        }
        let max = self.context.config.limits.nick_length;
        if let Err(error) = Nick::parse(wanted, max) {
            notice(
                connection,
                &format!(
                    "\"{}\" can't be used: {error}. Choose another nickname:",
                    clean(wanted)
                ),
            );
            return Flow::Continue;
        }
        if let Err(taken) = self.context.hub.read(|hub| hub.check_nick(wanted, None)) {
            notice(
                connection,
                &format!("{} Choose another nickname:", taken_text(wanted, &taken)),
            );
            return Flow::Continue;
        }
        if self.context.live().password.is_some() {
            self.stage = Stage::Password(wanted.to_string());
            notice(connection, "This server needs a password. Password:");
            return Flow::Continue;
        }
        self.proceed(connection, wanted).await
    }

    pub(super) async fn check_password(
        &mut self,
        connection: &mut Connection,
        nick: String,
        given: &str,
    ) -> Flow {
        if self.context.live().password.as_deref() != Some(given.trim()) {
            notice(connection, "Wrong password.");
            return Flow::Close(Close::BadPassword);
        }
        self.proceed(connection, &nick).await
    }

    pub(super) async fn register(&mut self, connection: &mut Connection, nick: &str) -> Flow {
        let new_client = NewClient {
            nick: nick.to_string(),
            user: crate::username::unverified(nick),
            host: connection.host(),
            realname: format!("{nick} (plain)"),
            format: Format {
                encoder: &PLAIN_ENCODER,
                variant: 0,
                echo_own_messages: false,
                sees_own_events: false,
            },
            outbound: connection.outbound.clone(),
            secure: connection.secure,
            account: self
                .pending_account
                .take()
                .map(|account| (account.name, account.folded)),
        };
        let id = connection.id;
        let account = new_client
            .account
            .as_ref()
            .map(|(_, folded)| folded.as_str());
        let registered = match self.context.claim_first_nick(nick, id, account).await {
            Ok(()) => {
                let registered = self.context.hub.with(|hub| hub.register(id, new_client));
                if registered.is_err() {
                    self.context.release_nick(nick, id);
                }
                registered
            }
            Err(taken) => Err(RegisterError::NickInUse(taken)),
        };
        if let Err(RegisterError::NickInUse(taken)) = registered {
            self.stage = Stage::Nickname;
            notice(
                connection,
                &format!("{} Choose another nickname:", taken_text(nick, &taken)),
            );
            return Flow::Continue;
        }
        self.nick = nick.to_string();
        self.stage = Stage::Chatting;
        let logged_in = self.context.hub.read(|hub| hub.account_of(id));
        if let Some((account, _)) = logged_in {
            notice(connection, &format!("You are logged in as {account}."));
        }
        self.warn_if_unowned(connection);
        connection.mark_registered();
        connection.log_registered(&self.context, nick, "plain");
        let channel = self.channel();
        let joined = self.try_join_default(connection).await;
        match &joined {
            Ok(_) => notice(
                connection,
                &format!("Welcome to natter, {nick}! You are in {channel}."),
            ),
            Err(why) => notice(connection, &format!("Welcome to natter, {nick}! {why}")),
        }
        if let Some(motd) = self.context.live().motd.clone() {
            for text in motd {
                connection.send_raw(line(&format!("    {text}")));
            }
        }
        if let Ok(joined) = joined {
            self.show_channel(connection, &joined).await;
        }
        notice(
            connection,
            "Type & for help, # to see who is online, text@nick to whisper, exit to leave.",
        );
        Flow::Continue
    }

    /// Joins the default channel; the error is a sentence for the user.
    /// In a cluster it first learns who other nodes have there (as an IRC
    /// JOIN does), so the member list shown after it has everyone.
    pub(super) async fn try_join_default(
        &mut self,
        connection: &mut Connection,
    ) -> Result<JoinOutcome, String> {
        let channel = self.channel();
        let id = connection.id;
        let folded = self.context.hub.read(|hub| hub.fold(&channel));
        self.context.hub.members_ready(&folded).await;
        self.context
            .hub
            .with(|hub| hub.join(id, &channel, None))
            .map_err(|error| {
                let why = match error {
                    JoinError::AlreadyMember => return format!("You are already in {channel}."),
                    JoinError::InviteOnly => {
                        "it is invite-only (+i); ask someone there to invite you"
                    }
                    JoinError::BadKey => "it needs a key (+k)",
                    JoinError::Full => "it is full (+l)",
                    JoinError::Banned => "you are banned from it (+b)",
                    JoinError::TooManyChannels => "you are in too many channels",
                    JoinError::InvalidName => "its name is not valid",
                };
                format!("You could not join {channel}: {why}. Type /join to try again.")
            })
    }

    /// `/join`: back into the default channel, e.g. after a kick.
    pub(super) async fn rejoin(&mut self, connection: &mut Connection) {
        match self.try_join_default(connection).await {
            Ok(joined) => {
                notice(connection, &format!("You are in {}.", joined.channel));
                self.show_channel(connection, &joined).await;
            }
            Err(why) => notice(connection, &why),
        }
    }

    /// Who is there and what was said before, right after joining.
    pub(super) async fn show_channel(&mut self, connection: &mut Connection, joined: &JoinOutcome) {
        self.list_members(connection);
        let folded = self.context.hub.read(|hub| hub.fold(&joined.channel));
        let earlier = crate::backlog::fetch(&self.context, &folded, &joined.backlog_end).await;
        for text in backlog::lines(&joined.channel, &earlier) {
            connection.send_raw(text);
        }
    }

    pub(super) fn list_members(&self, connection: &mut Connection) {
        let channel = self.channel();
        let id = connection.id;
        let names = self.context.hub.read(|hub| hub.names_of(&channel, id));
        let Some(names) = names else {
            notice(connection, &format!("You are not in {channel}."));
            return;
        };
        let members: Vec<String> = names
            .members
            .iter()
            .map(|m| {
                if m.away {
                    format!("{} (away)", m.nick)
                } else {
                    m.nick.clone()
                }
            })
            .collect();
        notice(
            connection,
            &format!(
                "Online in {} ({}): {}",
                names.channel,
                members.len(),
                members.join(", ")
            ),
        );
    }
}

impl PlainSession {
    /// Warns about a registered nick this user sits on without its account.
    pub(super) fn warn_if_unowned(&self, connection: &mut Connection) {
        if let Some(owner) = crate::nick_guard::guard(&self.context, connection.id) {
            let grace = self.context.config.accounts.nick_grace;
            let text = crate::nick_guard::warning(&owner, grace, "/login PASSWORD");
            notice(connection, &text);
        }
    }
}

/// Why `nick` can't be had, as a plain-dialect sentence.
pub(super) fn taken_text(nick: &str, taken: &NickTaken) -> String {
    match taken {
        NickTaken::InUse => format!("The nickname {nick} is taken."),
        NickTaken::LooksLike(other) => {
            format!("The nickname {nick} looks like {other}, who is online.")
        }
        NickTaken::Reserved => {
            format!("The nickname {nick} is reserved for the server's services.")
        }
        NickTaken::LooksLikeAccount(account) => {
            format!("The nickname {nick} looks like the registered account {account}.")
        }
        NickTaken::OwnerOnline => {
            format!("The nickname {nick} is registered and its owner is online.")
        }
        NickTaken::OnAnotherNode(node) => {
            format!("The nickname {nick} is taken by someone on another node ({node}).")
        }
    }
}
