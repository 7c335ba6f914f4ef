//! What happened, as the hub routes it; dialects turn events into bytes.

use super::client::Source;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use natter_protocol::Tag;
use std::sync::Arc;

/// PRIVMSG, NOTICE or TAGMSG.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageKind {
    /// A normal message.
    Privmsg,
    /// A notice (never auto-replied to).
    Notice,
    /// A message with only tags (IRCv3 `TAGMSG`), e.g. typing notifications.
    Tagmsg,
}

impl MessageKind {
    /// The IRC command name.
    pub fn command(self) -> &'static str {
        match self {
            MessageKind::Privmsg => "PRIVMSG",
            MessageKind::Notice => "NOTICE",
            MessageKind::Tagmsg => "TAGMSG",
        }
    }
}

/// One routed event.
#[derive(Debug, Clone)]
pub enum Event {
    /// Someone joined a channel.
    Join {
        /// Who joined.
        source: Arc<Source>,
        /// Channel display name.
        channel: String,
    },
    /// Someone left a channel.
    Part {
        /// Who left.
        source: Arc<Source>,
        /// Channel display name.
        channel: String,
        /// Their reason, if any.
        reason: Option<String>,
    },
    /// Someone disconnected.
    Quit {
        /// Who quit.
        source: Arc<Source>,
        /// Why (`Quit: bye`, `Ping timeout`, ...).
        reason: String,
    },
    /// Someone changed nickname.
    Nick {
        /// The old identity.
        source: Arc<Source>,
        /// The new nickname.
        new_nick: String,
    },
    /// A PRIVMSG, NOTICE or TAGMSG to a channel or a user.
    Message {
        /// The sender.
        source: Arc<Source>,
        /// The target as the sender wrote it (channel or nick).
        target: String,
        /// Whether the target is a user (a whisper) rather than a channel.
        private: bool,
        /// Which command.
        kind: MessageKind,
        /// The text (empty for TAGMSG).
        text: String,
        /// Unique message id.
        msgid: String,
        /// Client-only tags (`+draft/reply`, `+typing`, ...) relayed to clients that take tags.
        client_tags: Vec<Tag>,
    },
    /// A channel's topic changed.
    Topic {
        /// Who set it.
        source: Arc<Source>,
        /// Channel display name.
        channel: String,
        /// The new topic (empty when cleared).
        topic: String,
    },
    /// Someone was kicked.
    Kick {
        /// Who kicked.
        source: Arc<Source>,
        /// Channel display name.
        channel: String,
        /// The kicked nickname.
        victim: String,
        /// The reason.
        reason: String,
    },
    /// Modes changed on a channel or a user.
    Mode {
        /// Who changed them.
        source: Arc<Source>,
        /// Channel or nick.
        target: String,
        /// e.g. `+o-v`.
        changes: String,
        /// Arguments in order.
        args: Vec<String>,
    },
    /// Someone went away or came back (for IRC `away-notify`).
    Away {
        /// Who.
        source: Arc<Source>,
        /// The away message, `None` when back.
        message: Option<String>,
    },
    /// Someone logged in (`Some(account)`) or out (IRCv3 `account-notify`).
    Account {
        /// Who.
        source: Arc<Source>,
        /// The account now, `None` when logged out.
        account: Option<String>,
    },
    /// Someone was invited to a channel.
    Invite {
        /// Who invited.
        source: Arc<Source>,
        /// The invited nickname.
        target: String,
        /// Channel display name.
        channel: String,
    },
}

/// An event with its server time.
#[derive(Debug, Clone)]
pub struct Envelope {
    /// What happened.
    pub event: Event,
    /// When the server saw it.
    pub time: DateTime<Utc>,
}

/// A dialect's way of turning events into bytes. Implemented by `irc` and `plain`.
pub trait Encoder: Send + Sync + 'static {
    /// A short name, for debugging.
    fn name(&self) -> &'static str;
    /// The encoded line (with CRLF) for this variant, or `None` when such
    /// recipients do not receive this kind of event.
    fn encode(&self, envelope: &Envelope, variant: u8) -> Option<Bytes>;
    /// A notice from the server itself to `nick` (`:<server> NOTICE <nick>
    /// :<text>` unless the dialect says it otherwise), e.g. that the cluster
    /// is out of reach.
    fn server_notice(&self, server: &str, nick: &str, text: &str) -> Bytes {
        Bytes::from(
            natter_protocol::Message::new("NOTICE")
                .with_source(server)
                .with_param(nick)
                .with_param(text)
                .to_wire(),
        )
    }
    /// What a client an operator kills gets before its farewell
    /// (`:<killer> KILL <nick> :<reason>` unless the dialect says otherwise;
    /// `None` for nothing).
    fn killed(&self, killer: &Source, nick: &str, reason: &str) -> Option<Bytes> {
        Some(Bytes::from(
            natter_protocol::Message::new("KILL")
                .with_source(killer.prefix())
                .with_params([nick, reason])
                .to_wire(),
        ))
    }
    /// The last line a client the server drops gets (`ERROR :<reason>` unless
    /// the dialect says it otherwise).
    fn farewell(&self, reason: &str) -> Bytes {
        Bytes::from(
            natter_protocol::Message::new("ERROR")
                .with_param(reason)
                .to_wire(),
        )
    }
}
