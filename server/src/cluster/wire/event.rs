//! What nodes tell each other.

use serde::{Deserialize, Serialize};

/// The user an event is from, as other nodes show them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// The nick as its owner typed it.
    pub nick: String,
    /// The user name (ident).
    pub user: String,
    /// The host shown (the node's cloak or address).
    pub host: String,
    /// The account logged in to, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
}

/// Which kind of message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// PRIVMSG.
    Privmsg,
    /// NOTICE.
    Notice,
    /// TAGMSG (only client tags).
    Tagmsg,
}

/// One member of a channel as a node reports it in a [`Event::Roster`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RosterMember {
    /// Who.
    pub member: Source,
    /// The real name (WHO, WHOIS).
    pub realname: String,
    /// Away message, if away.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub away: Option<String>,
}

/// What a node tells the others.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Event {
    /// A channel message (on the room's subject).
    Message {
        /// The channel as named by the sender.
        channel: String,
        /// Who said it.
        from: Source,
        /// PRIVMSG, NOTICE or TAGMSG.
        kind: Kind,
        /// The text (empty for TAGMSG).
        text: String,
        /// The message id, the same on every node.
        msgid: String,
        /// Server time, milliseconds since the Unix epoch.
        time_ms: i64,
        /// Client-only tags (`+typing=active`), as `key` or `key=value`.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        tags: Vec<String>,
    },
    /// A private message (on the recipient's user subject).
    Whisper {
        /// The recipient's nick as the sender wrote it.
        to: String,
        /// Who sent it.
        from: Source,
        /// PRIVMSG, NOTICE or TAGMSG.
        kind: Kind,
        /// The text.
        text: String,
        /// The message id.
        msgid: String,
        /// Server time, milliseconds since the Unix epoch.
        time_ms: i64,
    },
    /// A user of the sending node joined a channel.
    Join {
        /// The channel.
        channel: String,
        /// Who joined.
        member: RosterMember,
    },
    /// A user of the sending node left a channel.
    Part {
        /// The channel.
        channel: String,
        /// Who left.
        from: Source,
        /// Their reason, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// Someone removed a user from a channel.
    Kick {
        /// The channel.
        channel: String,
        /// Who kicked.
        by: Source,
        /// The nick kicked.
        nick: String,
        /// The reason given.
        reason: String,
    },
    /// A user of the sending node disconnected.
    Quit {
        /// Who.
        from: Source,
        /// Why.
        reason: String,
    },
    /// A user of the sending node changed nick.
    Nick {
        /// Who (with the old nick).
        from: Source,
        /// The new nick.
        new: String,
    },
    /// A channel's topic changed (the shared state is in key-value; this tells the members).
    Topic {
        /// The channel.
        channel: String,
        /// Who set it.
        by: Source,
        /// The new topic; empty clears it.
        topic: String,
    },
    /// A channel's modes changed, as the IRC mode string and its parameters.
    Mode {
        /// The channel.
        channel: String,
        /// Who changed them.
        by: Source,
        /// `+o-v`, ...
        modes: String,
        /// The parameters, in order.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        params: Vec<String>,
    },
    /// An invitation to a channel (on the invitee's user subject).
    Invite {
        /// The invitee's nick as the inviter wrote it.
        to: String,
        /// The channel.
        channel: String,
        /// Who invited.
        by: Source,
    },
    /// A user of the sending node logged in to an account (`Some`) or out.
    Account {
        /// Who (with the account before the change).
        from: Source,
        /// The account now.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        account: Option<String>,
    },
    /// A user of the sending node went away (`Some`) or came back (`None`).
    Away {
        /// Who.
        from: Source,
        /// The away message.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
    },
    /// The sending node's members of a channel, sent when a node asks
    /// ([`Event::RosterRequest`]) or after NATS came back. A long list comes
    /// in several chunks ([`super::roster_chunks`]); the last has `complete` set,
    /// and only then does the list replace what was known.
    Roster {
        /// The channel.
        channel: String,
        /// Members on the sending node (this chunk of them).
        members: Vec<RosterMember>,
        /// Whether this is the last chunk.
        #[serde(default = "complete_by_default")]
        complete: bool,
    },
    /// A node that now has members in a channel asks the others for theirs.
    RosterRequest {
        /// The channel.
        channel: String,
    },
    /// The sending node is stopping cleanly: its users quit now, no need to
    /// wait for its heartbeat to time out.
    Leaving,
}

fn complete_by_default() -> bool {
    true
}
