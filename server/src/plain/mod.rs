//! The plain dialect: chat with `nc` or telnet, as in the seeds.
//!
//! The first line is the nickname (a leading `!` is stripped, as seed 002's
//! client sends it). After that a line is said to the default channel, unless
//! it is one of the seeds' shortcuts (`#`, `&`, `text@nick`, `exit`) or a
//! slash command. Plain users are ordinary hub clients: IRC users see them in
//! NAMES, can whisper them and are whispered by them.

mod backlog;
pub mod encode;
mod split;

use crate::context::Context;
use crate::hub::client::{Format, NewClient};
use crate::hub::event::MessageKind;
use crate::hub::state::RegisterError;
use crate::hub::{JoinError, JoinOutcome, NickChangeError, SayError, SayRequest};
use crate::session::{Close, Connection, Flow, LineHandler};
use bytes::Bytes;
use encode::{PLAIN_ENCODER, clean, line};
use natter_protocol::{Message, Nick, is_valid_nick};
use std::sync::Arc;

/// The help text `&` shows.
const HELP: &str = include_str!("../../../assets/help-plain.txt");

/// The answer to a browser that connects to the chat port.
pub const HTTP_REFUSAL: &str = "HTTP/1.1 400 Bad Request\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
Connection: close\r\n\
Content-Length: 97\r\n\
\r\n\
This is natterd, a chat server. Connect with an IRC client or `nc HOST 6667`, not a web browser.\n";

/// The first thing a quiet client sees: a valid IRC line asking for a nickname.
pub fn nickname_prompt(context: &Context) -> Bytes {
    let prompt = Message::new("NOTICE").with_source(context.server_name()).with_params([
        "*",
        "*** Welcome to natter! Type a nickname and press Enter to chat. (IRC clients: just connect.)",
    ]);
    Bytes::from(prompt.to_wire())
}

/// Where a plain session is in choosing a nickname.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Stage {
    /// Waiting for a nickname.
    Nickname,
    /// Nickname chosen; waiting for the server password.
    Password(String),
    /// In the room.
    Chatting,
}

/// The plain side of one connection.
#[derive(Debug)]
pub struct PlainSession {
    context: Arc<Context>,
    stage: Stage,
    nick: String,
}

fn notice(connection: &mut Connection, text: &str) {
    connection.send_raw(line(&format!("*** {text}")));
}

impl PlainSession {
    /// A session for a connection whose first line is a nickname.
    pub fn new(context: Arc<Context>, _connection: &Connection) -> PlainSession {
        PlainSession {
            context,
            stage: Stage::Nickname,
            nick: String::new(),
        }
    }

    fn channel(&self) -> String {
        self.context.config.server.default_channel.clone()
    }

    async fn choose_nickname(&mut self, connection: &mut Connection, text: &str) -> Flow {
        let wanted = text.trim().trim_start_matches('!').trim();
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
        if !self
            .context
            .hub
            .with(|hub| hub.nick_available(wanted, None))
        {
            notice(
                connection,
                &format!("The nickname {wanted} is taken. Choose another nickname:"),
            );
            return Flow::Continue;
        }
        if self.context.config.server.password.is_some() {
            self.stage = Stage::Password(wanted.to_string());
            notice(connection, "This server needs a password. Password:");
            return Flow::Continue;
        }
        self.register(connection, wanted).await
    }

    async fn check_password(
        &mut self,
        connection: &mut Connection,
        nick: String,
        given: &str,
    ) -> Flow {
        if self.context.config.server.password.as_deref() != Some(given.trim()) {
            notice(connection, "Wrong password.");
            return Flow::Close(Close::BadPassword);
        }
        self.register(connection, &nick).await
    }

    async fn register(&mut self, connection: &mut Connection, nick: &str) -> Flow {
        let new_client = NewClient {
            nick: nick.to_string(),
            user: crate::irc::username(nick),
            host: connection.host(),
            realname: format!("{nick} (plain)"),
            format: Format {
                encoder: &PLAIN_ENCODER,
                variant: 0,
                echo_own_messages: false,
                sees_own_events: false,
            },
            outbound: connection.outbound.clone(),
            kill: connection.kill.clone(),
            dialect_name: "plain",
        };
        let id = connection.id;
        if let Err(RegisterError::NickInUse) =
            self.context.hub.with(|hub| hub.register(id, new_client))
        {
            self.stage = Stage::Nickname;
            notice(
                connection,
                &format!("The nickname {nick} is taken. Choose another nickname:"),
            );
            return Flow::Continue;
        }
        self.nick = nick.to_string();
        self.stage = Stage::Chatting;
        connection.mark_registered();
        tracing::info!(peer = %connection.peer, client = id, "registered (plain)");
        let channel = self.channel();
        let joined = self.try_join_default(connection);
        match &joined {
            Ok(_) => notice(
                connection,
                &format!("Welcome to natter, {nick}! You are in {channel}."),
            ),
            Err(why) => notice(connection, &format!("Welcome to natter, {nick}! {why}")),
        }
        if let Some(motd) = self.context.motd.clone() {
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
    fn try_join_default(&mut self, connection: &mut Connection) -> Result<JoinOutcome, String> {
        let channel = self.channel();
        let id = connection.id;
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
    async fn rejoin(&mut self, connection: &mut Connection) {
        match self.try_join_default(connection) {
            Ok(joined) => {
                notice(connection, &format!("You are in {}.", joined.channel));
                self.show_channel(connection, &joined).await;
            }
            Err(why) => notice(connection, &why),
        }
    }

    /// Who is there and what was said before, right after joining.
    async fn show_channel(&mut self, connection: &mut Connection, joined: &JoinOutcome) {
        self.list_members(connection);
        let folded = self.context.hub.with(|hub| hub.fold(&joined.channel));
        let earlier = crate::backlog::fetch(&self.context, &folded, &joined.backlog_end).await;
        for text in backlog::lines(&joined.channel, &earlier) {
            connection.send_raw(text);
        }
    }

    fn list_members(&self, connection: &mut Connection) {
        let channel = self.channel();
        let id = connection.id;
        let names = self.context.hub.with(|hub| hub.names_of(&channel, id));
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

    async fn chat(&mut self, connection: &mut Connection, text: &str) -> Flow {
        let text = text.trim_end();
        if text.trim().is_empty() {
            return Flow::Continue;
        }
        match text.trim() {
            "#" | "/who" | "/names" => {
                self.list_members(connection);
                return Flow::Continue;
            }
            "&" | "/help" => {
                for help_line in HELP.lines() {
                    connection.send_raw(line(help_line));
                }
                return Flow::Continue;
            }
            "exit" => return Flow::Close(Close::Quit(String::new())),
            _ => {}
        }
        if let Some(command) = text.strip_prefix('/') {
            return self.slash_command(connection, command).await;
        }
        if let Some((body, nick)) = text.rsplit_once('@') {
            let body = body.trim();
            let online = is_valid_nick(nick, self.context.config.limits.nick_length)
                && self
                    .context
                    .hub
                    .with(|hub| hub.client_by_nick(nick).is_some());
            if online && !body.is_empty() {
                self.whisper(connection, nick, body).await;
                return Flow::Continue;
            }
        }
        let channel = self.channel();
        self.say(connection, MessageKind::Privmsg, &channel, text)
            .await;
        Flow::Continue
    }

    async fn slash_command(&mut self, connection: &mut Connection, command: &str) -> Flow {
        let (name, rest) = command.split_once(' ').unwrap_or((command, ""));
        let rest = rest.trim();
        match name.to_ascii_lowercase().as_str() {
            "quit" | "exit" => return Flow::Close(Close::Quit(rest.to_string())),
            "msg" | "w" | "whisper" => match rest.split_once(' ') {
                Some((nick, body)) if !body.trim().is_empty() => {
                    if self
                        .context
                        .hub
                        .with(|hub| hub.client_by_nick(nick).is_some())
                    {
                        self.whisper(connection, nick, body.trim()).await;
                    } else {
                        notice(
                            connection,
                            &format!(
                                "No one called {} is online. Type # to see who is.",
                                clean(nick)
                            ),
                        );
                    }
                }
                _ => notice(connection, "Usage: /msg nick text"),
            },
            "me" if !rest.is_empty() => {
                let channel = self.channel();
                self.say(
                    connection,
                    MessageKind::Privmsg,
                    &channel,
                    &natter_protocol::action(rest),
                )
                .await;
            }
            "nick" if !rest.is_empty() => self.change_nick(connection, rest),
            "join" => self.rejoin(connection).await,
            _ => notice(
                connection,
                &format!("Unknown command /{}. Type & for help.", clean(name)),
            ),
        }
        Flow::Continue
    }

    async fn whisper(&mut self, connection: &mut Connection, nick: &str, body: &str) {
        if let Some(outcome) = self.say(connection, MessageKind::Privmsg, nick, body).await {
            connection.send_raw(line(&format!("-> {}: {body}", outcome.recipient)));
            if let Some((nick, away)) = outcome.away {
                notice(connection, &format!("{nick} is away: {}", clean(&away)));
            }
        }
    }

    /// Says `text`, split into several messages when IRC recipients could not
    /// receive it whole (actions are sent as they are).
    async fn say(
        &mut self,
        connection: &mut Connection,
        kind: MessageKind,
        target: &str,
        text: &str,
    ) -> Option<crate::hub::SayOutcome> {
        if natter_protocol::is_action(text).is_some() {
            return self.say_one(connection, kind, target, text).await;
        }
        let envelope = format!(
            ":{}!{}@{} {} {target} :",
            self.nick,
            crate::irc::username(&self.nick),
            connection.host(),
            kind.command()
        );
        let budget = crate::irc::encode::MAX_LINE.saturating_sub(envelope.len() + 2);
        let mut outcome = None;
        for piece in split::split_text(text, budget) {
            outcome = Some(self.say_one(connection, kind, target, piece).await?);
        }
        outcome
    }

    async fn say_one(
        &mut self,
        connection: &mut Connection,
        kind: MessageKind,
        target: &str,
        text: &str,
    ) -> Option<crate::hub::SayOutcome> {
        let id = connection.id;
        let request = SayRequest {
            kind,
            target: target.to_string(),
            text: text.to_string(),
            client_tags: Vec::new(),
        };
        match self.context.hub.say(id, request).await {
            Ok(outcome) => Some(outcome),
            Err(SayError::NoSuchNick) => {
                notice(
                    connection,
                    &format!("No one called {} is online.", clean(target)),
                );
                None
            }
            Err(SayError::NoSuchChannel) => {
                notice(connection, &format!("{target} does not exist any more."));
                None
            }
            Err(SayError::CannotSendToChannel(why)) => {
                notice(connection, &format!("Your message was not sent: {why}."));
                None
            }
        }
    }

    fn change_nick(&mut self, connection: &mut Connection, wanted: &str) {
        if let Err(error) = Nick::parse(wanted, self.context.config.limits.nick_length) {
            notice(
                connection,
                &format!("\"{}\" can't be used: {error}.", clean(wanted)),
            );
            return;
        }
        let id = connection.id;
        match self.context.hub.with(|hub| hub.change_nick(id, wanted)) {
            Ok(()) => {
                self.nick = wanted.to_string();
                notice(connection, &format!("You are now known as {wanted}."));
            }
            Err(NickChangeError::InUse) => {
                notice(connection, &format!("The nickname {wanted} is taken."))
            }
        }
    }
}

impl LineHandler for PlainSession {
    async fn handle_line(&mut self, connection: &mut Connection, raw: &[u8]) -> Flow {
        // Plain users may type in a legacy encoding: keep their text, with U+FFFD for bytes that aren't UTF-8.
        let decoded = String::from_utf8_lossy(raw);
        let text = natter_protocol::strip_controls(&decoded.replace('\t', " "));
        if raw.len() + 2 > self.context.config.limits.line_length {
            self.handle_too_long(connection);
            return Flow::Continue;
        }
        match std::mem::replace(&mut self.stage, Stage::Chatting) {
            Stage::Nickname => {
                self.stage = Stage::Nickname;
                self.choose_nickname(connection, &text).await
            }
            Stage::Password(nick) => self.check_password(connection, nick, &text).await,
            Stage::Chatting => self.chat(connection, &text).await,
        }
    }

    fn handle_too_long(&mut self, connection: &mut Connection) {
        let max = self.context.config.limits.line_length - 2;
        notice(
            connection,
            &format!("That line was too long (the limit is {max} bytes) and was not sent."),
        );
    }

    fn is_registered(&self) -> bool {
        self.stage == Stage::Chatting
    }

    fn answers_ping(&self) -> bool {
        false
    }

    fn send_ping(&mut self, _connection: &mut Connection) {}
}
