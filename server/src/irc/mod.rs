//! The IRC dialect: registration, capabilities, and one module per command.
//!
//! A line is checked (length, UTF-8), parsed into a [`Message`] (a line with a
//! NUL or an inner CR is refused with 400), and dispatched to its command's
//! module, which asks the hub and answers with numerics. Until registration completes only the registration commands are
//! accepted; everything else gets 451.

mod account;
pub mod caps;
mod chanserv;
mod commands;
pub mod encode;
mod isupport;
mod labeled;
mod nickserv;
mod nickserv_cert;
mod registration;
mod replay;
mod replies;
mod sasl;

use crate::context::Context;
use crate::hub::client::{Client, ClientId};
use crate::session::{Close, Connection, Flow, LineHandler};
use caps::CapSet;
use natter_protocol::{Message, numeric};
use std::sync::Arc;

use crate::net::codec::CLIENT_TAGS_MAX;

/// The IRC side of one connection.
#[derive(Debug)]
pub struct IrcSession {
    context: Arc<Context>,
    /// The nickname: requested before registration, current after.
    nick: Option<String>,
    /// What only registration needs; `None` once registered (see [`Registering`]).
    registering: Option<Box<Registering>>,
    caps: CapSet,
    registered: bool,
    /// Batch references handed out so far (see `new_batch_id`).
    batches: u64,
    /// A SASL exchange in progress. Boxed, like the failure windows: they
    /// are seldom used, and every field here is in every idle connection's
    /// state (`session::tests::an_idle_connection_keeps_little_state`).
    sasl: Option<Box<sasl::SaslExchange>>,
    /// Failed logins on this connection (from its first login).
    login_failures: Option<Box<crate::accounts::Window>>,
    /// Failed `OPER` attempts on this connection (from its first `OPER`).
    oper_failures: Option<Box<crate::accounts::Window>>,
}

/// What a connection gathers while it registers and needs no longer after:
/// boxed and dropped at registration, so that every registered connection
/// does not keep ~150 bytes of empty fields in its state.
#[derive(Debug, Default)]
struct Registering {
    /// `USER` username and real name.
    user: Option<(String, String)>,
    /// The password given with `PASS`.
    password: Option<String>,
    /// A nickname refused (in use) while no other is chosen: `REGISTER *`
    /// then names it in ACCOUNT_EXISTS.
    refused_nick: Option<String>,
    /// The account logged in to before registration (SASL, REGISTER).
    account: Option<crate::accounts::Account>,
    /// True between `CAP LS`/`CAP REQ` and `CAP END`.
    cap_negotiating: bool,
}

/// What a registered connection reads in place of its dropped [`Registering`].
static REGISTERED: Registering = Registering {
    user: None,
    password: None,
    refused_nick: None,
    account: None,
    cap_negotiating: false,
};

impl IrcSession {
    /// The registration-only state; empty once registered.
    fn registering(&self) -> &Registering {
        self.registering.as_deref().unwrap_or(&REGISTERED)
    }

    /// The registration-only state, to fill in before registration.
    fn registering_mut(&mut self) -> &mut Registering {
        self.registering.get_or_insert_with(Box::default)
    }

    /// A session for a connection whose first line looked like IRC.
    pub fn new(context: Arc<Context>, _connection: &Connection) -> IrcSession {
        IrcSession {
            context,
            nick: None,
            registering: Some(Box::default()),
            caps: CapSet::default(),
            registered: false,
            batches: 0,
            sasl: None,
            login_failures: None,
            oper_failures: None,
        }
    }

    /// What this server offers in `CAP LS`.
    fn offer(&self) -> caps::Offer {
        caps::Offer {
            history: self.context.history.is_some(),
            accounts: self.context.accounts.is_some(),
            registration: self.context.config.accounts.registration,
            account_required: self.context.config.accounts.require,
            before_connect: self.context.config.accounts.register_before_connect,
        }
    }

    /// The nickname to address replies to: `*` before one is known.
    fn target(&self) -> &str {
        self.nick.as_deref().unwrap_or("*")
    }

    /// A message from the server itself.
    fn server_message(&self, command: &str) -> Message {
        Message::new(command).with_source(self.context.server_name())
    }

    /// Sends `:server <numeric> <nick> <params...>`.
    fn reply<I, S>(&self, connection: &mut Connection, numeric: &str, params: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let message = self
            .server_message(numeric)
            .with_param(self.target())
            .with_params(params);
        tracing::debug!(client = connection.id, numeric, "reply");
        connection.send(&message);
    }

    /// Checks the IRC line limits: 512 bytes with CRLF for the message and, for the tags,
    /// the configured length but never more than IRCv3 lets a client send
    /// ([`CLIENT_TAGS_MAX`]).
    fn within_limits(&self, line: &[u8]) -> bool {
        let limits = &self.context.config.limits;
        let (tags, rest) = match line.first() {
            Some(b'@') => match line.iter().position(|&b| b == b' ') {
                Some(space) => (space + 1, line.len() - space - 1),
                None => (line.len(), 0),
            },
            _ => (0, line.len()),
        };
        tags <= limits.tags_length.min(CLIENT_TAGS_MAX) && rest + 2 <= limits.line_length
    }

    /// Answers a line the parser refused for a NUL or an inner CR (no IRC
    /// message may carry one) with 400 naming its command and the character;
    /// nothing of the line is executed or relayed.
    fn refuse_forbidden_character(&self, connection: &mut Connection, text: &str, character: char) {
        let command = Message::parse(&text.replace(['\0', '\r', '\n'], ""))
            .map(|message| message.command)
            .unwrap_or_else(|_| "*".to_owned());
        let what = match character {
            '\0' => "a NUL byte",
            '\r' => "a carriage return (CR)",
            _ => "a line feed (LF)",
        };
        let text = format!("Line contains {what}; ignored");
        self.reply(
            connection,
            numeric::ERR_UNKNOWNERROR,
            [command.as_str(), text.as_str()],
        );
    }

    async fn dispatch(&mut self, connection: &mut Connection, message: &Message) -> Flow {
        let command = message.command.as_str();
        tracing::debug!(client = connection.id, command, "command");
        match command {
            "QUIT" => return Flow::Close(Close::Quit(message.arg(0).unwrap_or("").to_string())),
            "CAP" => commands::cap::handle(self, connection, message),
            "PASS" => commands::pass::handle(self, connection, message),
            "NICK" => commands::nick::handle(self, connection, message).await,
            "USER" => commands::user::handle(self, connection, message),
            "PING" => commands::ping::handle(self, connection, message),
            "AUTHENTICATE" => sasl::authenticate(self, connection, message).await,
            "REGISTER" => account::register(self, connection, message).await,
            "PONG" => {}
            _ if !self.registered => {
                self.reply(
                    connection,
                    numeric::ERR_NOTREGISTERED,
                    ["You have not registered"],
                );
            }
            _ => self.dispatch_registered(connection, message).await,
        }
        if !self.registered {
            return self.try_complete_registration(connection).await;
        }
        Flow::Continue
    }

    async fn dispatch_registered(&mut self, connection: &mut Connection, message: &Message) {
        match message.command.as_str() {
            "JOIN" => commands::join::handle(self, connection, message).await,
            "CHATHISTORY" => commands::chathistory::handle(self, connection, message).await,
            "PART" => commands::part::handle(self, connection, message),
            "PRIVMSG" if message.arg(0).is_some_and(nickserv::is_nickserv) => {
                nickserv::handle(self, connection, message.arg(1).unwrap_or("")).await
            }
            "PRIVMSG" if message.arg(0).is_some_and(chanserv::is_chanserv) => {
                chanserv::handle(self, connection, message.arg(1).unwrap_or(""))
            }
            "PRIVMSG" | "NOTICE" | "TAGMSG" => {
                commands::privmsg::handle(self, connection, message).await
            }
            "NAMES" => commands::names::handle(self, connection, message),
            "TOPIC" => commands::topic::handle(self, connection, message),
            "AWAY" => commands::away::handle(self, connection, message),
            "KICK" => commands::kick::handle(self, connection, message),
            "INVITE" => commands::invite::handle(self, connection, message),
            "MODE" => commands::mode::handle(self, connection, message),
            "WHO" => commands::who::handle(self, connection, message),
            "WHOIS" => commands::whois::handle(self, connection, message),
            "WHOWAS" => commands::whowas::handle(self, connection, message),
            "LIST" => commands::list::handle(self, connection, message),
            "ISON" => commands::ison::handle(self, connection, message),
            "USERHOST" => commands::userhost::handle(self, connection, message),
            "MOTD" => registration::send_motd(self, connection),
            "LUSERS" => registration::send_lusers(self, connection),
            "VERSION" => commands::info::version(self, connection),
            "INFO" => commands::info::info(self, connection, message),
            "OPER" => commands::oper::handle(self, connection, message).await,
            "KILL" => commands::kill::handle(self, connection, message),
            "WALLOPS" => commands::wallops::handle(self, connection, message),
            "TIME" => commands::info::time(self, connection),
            "ADMIN" => commands::admin::handle(self, connection, message),
            "LINKS" => commands::links::handle(self, connection, message).await,
            "STATS" => commands::stats::handle(self, connection, message).await,
            "HELP" | "HELPOP" => commands::help::handle(self, connection, message),
            other => {
                self.reply(
                    connection,
                    numeric::ERR_UNKNOWNCOMMAND,
                    [other, "Unknown command"],
                );
            }
        }
    }
}

/// The client's nick if the hub has renamed it (a registered nick's grace ran
/// out) since the session last looked: `known`. Copied only when it changed,
/// as this runs for every line.
fn renamed(hub: &crate::hub::HubState, id: ClientId, known: Option<&str>) -> Option<String> {
    renamed_client(hub.client(id), known)
}

/// [`renamed`] for the client looked up already.
fn renamed_client(client: Option<&Client>, known: Option<&str>) -> Option<String> {
    client
        .filter(|client| Some(client.nick.as_str()) != known)
        .map(|client| client.nick.clone())
}

impl LineHandler for IrcSession {
    fn handle_line_now(
        &mut self,
        connection: &mut Connection,
        line: &[u8],
        batch: std::time::Instant,
    ) -> Option<Flow> {
        commands::privmsg::handle_now(self, connection, line, batch)
    }

    async fn handle_line(&mut self, connection: &mut Connection, line: &[u8]) -> Flow {
        if self.registered {
            // The hub may have renamed us (a registered nick's grace ran out).
            // Copied only when it changed: this runs for every line.
            let id = connection.id;
            let known = self.nick.as_deref();
            let renamed = self.context.hub.read(|hub| renamed(hub, id, known));
            if let Some(nick) = renamed {
                self.nick = Some(nick);
            }
        }
        if !self.within_limits(line) {
            self.handle_too_long(connection);
            return Flow::Continue;
        }
        let text = match std::str::from_utf8(line) {
            Ok(text) => text,
            Err(_) => {
                // UTF8ONLY: refuse rather than relay bytes other clients cannot decode.
                let lossy = String::from_utf8_lossy(line);
                let command = Message::parse(&lossy)
                    .map(|m| m.command)
                    .unwrap_or_else(|_| "*".to_string());
                let fail = self.server_message("FAIL").with_params([
                    command.as_str(),
                    "INVALID_UTF8",
                    "Message rejected: it is not valid UTF-8 (this server is UTF8ONLY)",
                ]);
                connection.send(&fail);
                return Flow::Continue;
            }
        };
        let parsed = match Message::parse(text) {
            Err(natter_protocol::ParseError::InvalidCommand(command)) => {
                parse_with_odd_command(text, &command)
            }
            other => other,
        };
        match parsed {
            Ok(message) => {
                self.context.commands.record(&message.command, line.len());
                match self.label_for(&message) {
                    Some(label) => self.dispatch_labelled(connection, &message, &label).await,
                    None => self.dispatch(connection, &message).await,
                }
            }
            Err(natter_protocol::ParseError::Empty) => Flow::Continue,
            Err(natter_protocol::ParseError::ForbiddenCharacter { character, .. }) => {
                self.refuse_forbidden_character(connection, text, character);
                Flow::Continue
            }
            Err(error) => {
                tracing::debug!(peer = %connection.peer, %error, "unparseable line");
                let word = text
                    .split_whitespace()
                    .find(|w| !w.starts_with(['@', ':']))
                    .unwrap_or("*");
                self.reply(
                    connection,
                    numeric::ERR_UNKNOWNCOMMAND,
                    [word, "Unknown command"],
                );
                Flow::Continue
            }
        }
    }

    fn handle_too_long(&mut self, connection: &mut Connection) {
        self.reply(
            connection,
            numeric::ERR_INPUTTOOLONG,
            ["Input line was too long"],
        );
    }

    fn is_registered(&self) -> bool {
        self.registered
    }

    fn answers_ping(&self) -> bool {
        true
    }

    fn may_abandon(&self, line: &[u8]) -> bool {
        commands::may_abandon(line)
    }

    fn send_ping(&mut self, connection: &mut Connection) {
        let ping = Message::new("PING").with_param(self.context.server_name());
        connection.send(&ping);
    }

    fn farewell(&self, close: &Close, host: &str) -> bytes::Bytes {
        let reason = close.quit_reason();
        let text = match close {
            Close::Quit(_) => format!("Closing Link: {host} ({reason})"),
            _ => reason,
        };
        bytes::Bytes::from(Message::new("ERROR").with_param(text).to_wire())
    }
}

/// Parses a line whose command is not a valid IRC command word (e.g.
/// `NONEXISTENT_COMMAND`), keeping its tags and parameters, so that it can be
/// answered with 421 like any unknown command, labelled when it asked to be.
fn parse_with_odd_command(
    text: &str,
    command: &str,
) -> Result<Message, natter_protocol::ParseError> {
    let mut rest = text.trim_start();
    let mut head = String::new();
    for marker in ['@', ':'] {
        if rest.starts_with(marker) {
            let end = rest.find(' ').unwrap_or(rest.len());
            head.push_str(&rest[..end]);
            head.push(' ');
            rest = rest[end..].trim_start();
        }
    }
    let tail = rest.strip_prefix(command).unwrap_or(rest);
    let mut message = Message::parse(&format!("{head}UNKNOWN{tail}"))?;
    message.command = command.to_ascii_uppercase();
    Ok(message)
}
