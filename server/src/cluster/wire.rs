//! The wire format between natterd nodes: one JSON [`Envelope`] per NATS
//! message, versioned and bounded in bytes.
//!
//! Nodes of one cluster are trusted to be natterd, but what arrives on a
//! subject is still input: anything over [`MAX_WIRE_BYTES`], of another
//! [`WIRE_VERSION`], not our JSON, or carrying a name or text no client could
//! have sent (CR, LF, NUL, a space in a nick) is refused with a
//! [`WireError`] that says which, and [`log_rejected`] logs it once per
//! interval with the subject it came on. Nothing refused reaches a client.
//!
//! JSON, not a binary format: events are small, the cost is noise next to
//! the socket writes, and an operator can read them with `nats sub`.

use serde::{Deserialize, Serialize};

/// The version this natterd speaks. A node refuses envelopes of any other
/// version (so mixed versions are visible in the logs, never misread);
/// upgrade every node of a cluster together.
pub const WIRE_VERSION: u16 = 1;

/// Largest envelope accepted or sent, in bytes. A channel message is one IRC
/// line (≤ 512 bytes, tags ≤ 8191) plus names, so 32 KiB leaves room for
/// escaping and a [`Event::Roster`] chunk while bounding what a peer can
/// make a node parse.
pub const MAX_WIRE_BYTES: usize = 32 * 1024;

/// Longest name (nick, user, host, account, channel, msgid) accepted, in bytes.
const MAX_NAME_BYTES: usize = 256;
/// Longest text (message, topic, reason, mode string) accepted, in bytes.
const MAX_TEXT_BYTES: usize = 8 * 1024;

/// One cluster event with who sent it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    /// The wire version ([`WIRE_VERSION`]).
    pub v: u16,
    /// The node that sent it.
    pub node: String,
    /// Which run of that node: a restarted node is a new incarnation, so
    /// events of the dead one can be told apart.
    pub incarnation: u64,
    /// What happened.
    pub event: Event,
}

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
    /// in several chunks ([`roster_chunks`]); the last has `complete` set,
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

/// Why an envelope was refused.
#[derive(Debug, thiserror::Error)]
pub enum WireError {
    /// Bigger than [`MAX_WIRE_BYTES`].
    #[error("{bytes} bytes is over the {MAX_WIRE_BYTES}-byte limit")]
    TooLarge {
        /// Its size.
        bytes: usize,
    },
    /// Not an envelope of ours.
    #[error("not a natter cluster event: {0}")]
    Malformed(#[from] serde_json::Error),
    /// Another version of the wire format.
    #[error("wire version {0} (this node speaks {WIRE_VERSION}; upgrade every node together)")]
    Version(u16),
    /// A field no client could have produced.
    #[error("invalid {field}")]
    Invalid {
        /// Which field.
        field: &'static str,
    },
}

impl Envelope {
    /// An envelope of this version from `node`.
    pub fn new(node: &str, incarnation: u64, event: Event) -> Envelope {
        Envelope {
            v: WIRE_VERSION,
            node: node.to_string(),
            incarnation,
            event,
        }
    }

    /// The bytes to publish; refuses what a receiver would refuse.
    pub fn encode(&self) -> Result<Vec<u8>, WireError> {
        self.check()?;
        let bytes = serde_json::to_vec(self)?;
        if bytes.len() > MAX_WIRE_BYTES {
            return Err(WireError::TooLarge { bytes: bytes.len() });
        }
        Ok(bytes)
    }

    /// Reads and checks an envelope received from NATS.
    pub fn decode(bytes: &[u8]) -> Result<Envelope, WireError> {
        if bytes.len() > MAX_WIRE_BYTES {
            return Err(WireError::TooLarge { bytes: bytes.len() });
        }
        // The version first, so a newer node's envelope is reported as such
        // rather than as malformed.
        #[derive(Deserialize)]
        struct Version {
            v: u16,
        }
        let Version { v } = serde_json::from_slice(bytes)?;
        if v != WIRE_VERSION {
            return Err(WireError::Version(v));
        }
        let envelope: Envelope = serde_json::from_slice(bytes)?;
        envelope.check()?;
        Ok(envelope)
    }

    fn check(&self) -> Result<(), WireError> {
        if !crate::cluster::config::valid_node_name(&self.node) {
            return Err(WireError::Invalid { field: "node" });
        }
        self.event.check()
    }
}

impl Event {
    fn check(&self) -> Result<(), WireError> {
        match self {
            Event::Message {
                channel,
                from,
                text,
                msgid,
                tags,
                ..
            } => {
                name(channel, "channel")?;
                from.check()?;
                text_ok(text, "text")?;
                name(msgid, "msgid")?;
                tags.iter().try_for_each(|tag| name(tag, "tag"))
            }
            Event::Whisper {
                to,
                from,
                text,
                msgid,
                ..
            } => {
                name(to, "to")?;
                from.check()?;
                text_ok(text, "text")?;
                name(msgid, "msgid")
            }
            Event::Join { channel, member } => {
                name(channel, "channel")?;
                member.check()
            }
            Event::Part {
                channel,
                from,
                reason,
            } => {
                name(channel, "channel")?;
                from.check()?;
                reason
                    .as_deref()
                    .map_or(Ok(()), |reason| text_ok(reason, "reason"))
            }
            Event::Kick {
                channel,
                by,
                nick,
                reason,
            } => {
                name(channel, "channel")?;
                by.check()?;
                name(nick, "nick")?;
                text_ok(reason, "reason")
            }
            Event::Quit { from, reason } => {
                from.check()?;
                text_ok(reason, "reason")
            }
            Event::Nick { from, new } => {
                from.check()?;
                name(new, "nick")
            }
            Event::Topic { channel, by, topic } => {
                name(channel, "channel")?;
                by.check()?;
                text_ok(topic, "topic")
            }
            Event::Mode {
                channel,
                by,
                modes,
                params,
            } => {
                name(channel, "channel")?;
                by.check()?;
                name(modes, "modes")?;
                params
                    .iter()
                    .try_for_each(|param| name(param, "mode parameter"))
            }
            Event::Account { from, account } => {
                from.check()?;
                account
                    .as_deref()
                    .map_or(Ok(()), |account| name(account, "account"))
            }
            Event::Invite { to, channel, by } => {
                name(to, "nick")?;
                name(channel, "channel")?;
                by.check()
            }
            Event::Away { from, message } => {
                from.check()?;
                message
                    .as_deref()
                    .map_or(Ok(()), |message| text_ok(message, "away message"))
            }
            Event::Roster {
                channel, members, ..
            } => {
                name(channel, "channel")?;
                members.iter().try_for_each(RosterMember::check)
            }
            Event::RosterRequest { channel } => name(channel, "channel"),
            Event::Leaving => Ok(()),
        }
    }
}

impl Source {
    fn check(&self) -> Result<(), WireError> {
        name(&self.nick, "nick")?;
        name(&self.user, "user")?;
        name(&self.host, "host")?;
        self.account
            .as_deref()
            .map_or(Ok(()), |account| name(account, "account"))
    }
}

impl RosterMember {
    fn check(&self) -> Result<(), WireError> {
        self.member.check()?;
        text_ok(&self.realname, "realname")?;
        self.away
            .as_deref()
            .map_or(Ok(()), |away| text_ok(away, "away message"))
    }
}

/// A name: non-empty, short, no space and nothing that could end or split an IRC line.
fn name(value: &str, field: &'static str) -> Result<(), WireError> {
    let ok = !value.is_empty()
        && value.len() <= MAX_NAME_BYTES
        && !value.contains([' ', '\r', '\n', '\0']);
    if ok {
        Ok(())
    } else {
        Err(WireError::Invalid { field })
    }
}

/// Text: bounded, and nothing that could end an IRC line.
fn text_ok(value: &str, field: &'static str) -> Result<(), WireError> {
    if value.len() <= MAX_TEXT_BYTES && !value.contains(['\r', '\n', '\0']) {
        Ok(())
    } else {
        Err(WireError::Invalid { field })
    }
}

fn complete_by_default() -> bool {
    true
}

/// `members` of `channel` on `node` as roster envelopes that each fit
/// [`MAX_WIRE_BYTES`]; the last is marked complete (one empty, complete
/// envelope when there are no members).
pub fn roster_chunks(
    node: &str,
    incarnation: u64,
    channel: &str,
    members: &[RosterMember],
) -> Result<Vec<Envelope>, WireError> {
    let envelope = |members: Vec<RosterMember>, complete| {
        Envelope::new(
            node,
            incarnation,
            Event::Roster {
                channel: channel.to_string(),
                members,
                complete,
            },
        )
    };
    // Room for the envelope around the members, with margin.
    let budget = MAX_WIRE_BYTES - envelope(Vec::new(), false).encode()?.len() - 64;
    let mut chunks = Vec::new();
    let mut current = Vec::new();
    let mut size = 0;
    for member in members {
        let bytes = serde_json::to_vec(member)?.len() + 1;
        if !current.is_empty() && size + bytes > budget {
            chunks.push(envelope(std::mem::take(&mut current), false));
            size = 0;
        }
        size += bytes;
        current.push(member.clone());
    }
    chunks.push(envelope(current, true));
    for chunk in &chunks {
        chunk.encode()?;
    }
    Ok(chunks)
}

/// Logs a refused envelope: which subject, how big, why. At most one line per
/// interval, so a misbehaving publisher cannot fill the log.
pub fn log_rejected(subject: &str, bytes: usize, error: &WireError) {
    crate::warn_throttled!(%subject, bytes, %error, "cluster: refused an event from NATS");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alice() -> Source {
        Source {
            nick: "alice".into(),
            user: "al".into(),
            host: "node-a".into(),
            account: None,
        }
    }

    fn message(text: &str) -> Envelope {
        Envelope::new(
            "node-a",
            7,
            Event::Message {
                channel: "#lobby".into(),
                from: alice(),
                kind: Kind::Privmsg,
                text: text.into(),
                msgid: "m1".into(),
                time_ms: 1_700_000_000_000,
                tags: vec!["+typing=active".into()],
            },
        )
    }

    #[test]
    fn round_trips_and_reads_as_json() {
        let envelope = message("héllo");
        let bytes = envelope.encode().unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(
            text.starts_with(r##"{"v":1,"node":"node-a","incarnation":7,"event":{"type":"message","channel":"#lobby""##),
            "{text}"
        );
        assert_eq!(Envelope::decode(&bytes).unwrap(), envelope);
        for event in [
            Event::Leaving,
            Event::RosterRequest {
                channel: "#x".into(),
            },
            Event::Quit {
                from: alice(),
                reason: "bye".into(),
            },
        ] {
            let envelope = Envelope::new("b", 1, event);
            assert_eq!(
                Envelope::decode(&envelope.encode().unwrap()).unwrap(),
                envelope
            );
        }
    }

    #[test]
    fn oversize_is_refused_before_parsing() {
        let bytes = vec![b' '; MAX_WIRE_BYTES + 1];
        assert!(matches!(
            Envelope::decode(&bytes),
            Err(WireError::TooLarge { bytes }) if bytes == MAX_WIRE_BYTES + 1
        ));
        let big = message(&"x".repeat(MAX_TEXT_BYTES + 1));
        assert!(matches!(
            big.encode(),
            Err(WireError::Invalid { field: "text" })
        ));
    }

    #[test]
    fn other_versions_are_named() {
        let text = String::from_utf8(message("x").encode().unwrap())
            .unwrap()
            .replacen("\"v\":1", "\"v\":2", 1);
        let error = Envelope::decode(text.as_bytes()).unwrap_err();
        assert!(matches!(error, WireError::Version(2)));
        assert!(error.to_string().contains("upgrade every node together"));
    }

    #[test]
    fn malformed_input_is_an_error_not_a_panic() {
        for bad in [
            &b""[..],
            b"null",
            b"{}",
            b"\xff\xfe",
            br#"{"v":1}"#,
            br#"{"v":1,"node":"a","incarnation":1,"event":{"type":"launch"}}"#,
            br#"{"v":1,"node":"a","incarnation":1,"event":{"type":"leaving"},"extra":1}"#,
        ] {
            assert!(
                matches!(Envelope::decode(bad), Err(WireError::Malformed(_))),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn long_rosters_come_in_chunks_that_each_fit() {
        let members: Vec<RosterMember> = (0..2000)
            .map(|index| RosterMember {
                member: Source {
                    nick: format!("member{index}"),
                    ..alice()
                },
                realname: "a fairly long real name for size".into(),
                away: None,
            })
            .collect();
        let chunks = roster_chunks("node-a", 1, "#big", &members).unwrap();
        assert!(chunks.len() > 1);
        let mut seen = Vec::new();
        for (index, chunk) in chunks.iter().enumerate() {
            assert!(chunk.encode().unwrap().len() <= MAX_WIRE_BYTES);
            let Event::Roster {
                members, complete, ..
            } = &chunk.event
            else {
                panic!("not a roster");
            };
            assert_eq!(*complete, index == chunks.len() - 1);
            seen.extend(members.iter().cloned());
        }
        assert_eq!(seen, members);
        let empty = roster_chunks("node-a", 1, "#big", &[]).unwrap();
        assert!(matches!(
            &empty[..],
            [Envelope { event: Event::Roster { members, complete: true, .. }, .. }] if members.is_empty()
        ));
    }

    #[test]
    fn names_and_text_that_could_inject_lines_are_refused() {
        let mut envelope = message("hi\r\nQUIT");
        assert!(matches!(
            Envelope::decode(&serde_json::to_vec(&envelope).unwrap()),
            Err(WireError::Invalid { field: "text" })
        ));
        envelope = message("hi");
        if let Event::Message { from, .. } = &mut envelope.event {
            from.nick = "al ice".into();
        }
        assert!(matches!(
            Envelope::decode(&serde_json::to_vec(&envelope).unwrap()),
            Err(WireError::Invalid { field: "nick" })
        ));
        envelope = message("hi");
        envelope.node = "a.*".into();
        assert!(matches!(
            Envelope::decode(&serde_json::to_vec(&envelope).unwrap()),
            Err(WireError::Invalid { field: "node" })
        ));
    }
}
