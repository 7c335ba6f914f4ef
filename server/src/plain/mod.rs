//! The plain dialect: chat with `nc` or telnet, as in the seeds.
//!
//! The first line is the nickname (a leading `!` is stripped, as seed 002's
//! client sends it). After that a line is said to the default channel, unless
//! it is one of the seeds' shortcuts (`#`, `&`, `text@nick`, `exit`) or a
//! slash command. Plain users are ordinary hub clients: IRC users see them in
//! NAMES, can whisper them and are whispered by them.

mod account;
mod backlog;
mod chat;
pub mod encode;
mod registration;
mod split;

use crate::context::Context;
use crate::session::{Close, Connection, Flow, LineHandler};
use bytes::Bytes;
use encode::line;
use natter_protocol::Message;
use std::sync::Arc;

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
    /// A registered nickname chosen; waiting for its account's password.
    AccountPassword(String),
    /// An unregistered nickname chosen on a server that requires accounts;
    /// waiting for the password to register it with.
    NewAccountPassword(String),
    /// In the room.
    Chatting,
}

/// The plain side of one connection.
#[derive(Debug)]
pub struct PlainSession {
    context: Arc<Context>,
    stage: Stage,
    nick: String,
    /// The account logged in to at the password prompt, for registration.
    /// Boxed, like the failure window: every field here is in every idle
    /// connection's state (`session::tests::an_idle_connection_keeps_little_state`).
    pending_account: Option<Box<crate::accounts::Account>>,
    /// Failed logins on this connection (from its first login).
    login_failures: Option<Box<crate::accounts::Window>>,
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
            pending_account: None,
            login_failures: None,
        }
    }

    fn channel(&self) -> String {
        self.context.config.server.default_channel.clone()
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
            Stage::AccountPassword(nick) => {
                self.check_account_password(connection, nick, &text).await
            }
            Stage::NewAccountPassword(nick) => {
                self.register_at_prompt(connection, nick, &text).await
            }
            Stage::Chatting => {
                // The hub may have renamed us (a registered nick's grace ran out).
                let id = connection.id;
                if let Some(nick) = self.context.hub.read(|hub| hub.nick_of(id)) {
                    self.nick = nick;
                }
                self.chat(connection, &text).await
            }
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

    fn farewell(&self, close: &Close, _host: &str) -> Bytes {
        match close {
            // The reason was said already ("Wrong password.").
            Close::Quit(_) | Close::BadPassword | Close::AccountRequired => line("*** Bye!"),
            Close::Shutdown => line("*** The server is shutting down."),
            other => line(&format!("*** Disconnected: {}.", other.quit_reason())),
        }
    }
}
