//! What a received (or sent) event may contain: bounded names and text,
//! nothing that could end or split an IRC line.

use super::{Event, MAX_NAME_BYTES, MAX_TEXT_BYTES, RosterMember, Source, WireError};

impl Event {
    pub(super) fn check(&self) -> Result<(), WireError> {
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
    pub(super) fn check(&self) -> Result<(), WireError> {
        name(&self.nick, "nick")?;
        name(&self.user, "user")?;
        name(&self.host, "host")?;
        self.account
            .as_deref()
            .map_or(Ok(()), |account| name(account, "account"))
    }
}

impl RosterMember {
    pub(super) fn check(&self) -> Result<(), WireError> {
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

#[cfg(test)]
mod tests {
    use crate::cluster::wire::fixtures::message;
    use crate::cluster::wire::{Envelope, Event, WireError};

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
