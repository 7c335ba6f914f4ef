//! The general path: any event through a [`Message`], cut to IRC's line
//! limit, with the tags its variant asks for.

use super::{MAX_LINE, format_time, variant};
use crate::hub::event::{Envelope, Event, MessageKind};
use bytes::Bytes;
use natter_protocol::Message;

/// Cuts the last parameter (the text, reason or topic) so that the line fits
/// IRC's 512 bytes: with the sender's prefix added, a line the sender kept
/// within the limit can exceed it, and IRC receivers must never get more.
fn fit_to_line(message: &mut Message) {
    let tags = std::mem::take(&mut message.tags);
    let over = (message.serialized_len() + 2).saturating_sub(MAX_LINE);
    if over > 0
        && let Some(last) = message.params.last_mut()
    {
        let mut end = last.len().saturating_sub(over);
        while !last.is_char_boundary(end) {
            end -= 1;
        }
        last.truncate(end);
    }
    message.tags = tags;
}

fn event_message(event: &Event, variant: u8) -> Option<Message> {
    let message = match event {
        Event::Join { source, channel } => {
            let join = Message::new("JOIN")
                .with_source(source.prefix())
                .with_param(channel);
            if variant & variant::EXTENDED_JOIN != 0 {
                join.with_params([source.account.as_deref().unwrap_or("*"), &source.realname])
            } else {
                join
            }
        }
        Event::Account { source, account } => {
            if variant & variant::ACCOUNT_NOTIFY == 0 {
                return None;
            }
            Message::new("ACCOUNT")
                .with_source(source.prefix())
                .with_param(account.as_deref().unwrap_or("*"))
        }
        Event::Part {
            source,
            channel,
            reason,
        } => {
            let message = Message::new("PART")
                .with_source(source.prefix())
                .with_param(channel);
            match reason {
                Some(reason) => message.with_param(reason),
                None => message,
            }
        }
        Event::Quit { source, reason } => Message::new("QUIT")
            .with_source(source.prefix())
            .with_param(reason),
        Event::Nick { source, new_nick } => Message::new("NICK")
            .with_source(source.prefix())
            .with_param(new_nick),
        Event::Message {
            source,
            target,
            kind,
            text,
            msgid,
            client_tags,
            ..
        } => {
            let tags = variant & variant::MESSAGE_TAGS != 0;
            if *kind == MessageKind::Tagmsg && !tags {
                return None;
            }
            let mut message = Message::new(kind.command())
                .with_source(source.prefix())
                .with_param(target);
            if *kind != MessageKind::Tagmsg {
                message = message.with_param(text);
            }
            if tags {
                message = message.with_tag("msgid", Some(msgid.clone()));
                for tag in client_tags {
                    message = message.with_tag(tag.key.clone(), tag.value.clone());
                }
            }
            message
        }
        Event::Topic {
            source,
            channel,
            topic,
        } => Message::new("TOPIC")
            .with_source(source.prefix())
            .with_params([channel, topic]),
        Event::Kick {
            source,
            channel,
            victim,
            reason,
        } => Message::new("KICK")
            .with_source(source.prefix())
            .with_params([channel, victim, reason]),
        Event::Mode {
            source,
            target,
            changes,
            args,
        } => Message::new("MODE")
            .with_source(source.prefix())
            .with_params([target, changes])
            .with_params(args),
        Event::Away { source, message } => {
            if variant & variant::AWAY_NOTIFY == 0 {
                return None;
            }
            let away = Message::new("AWAY").with_source(source.prefix());
            match message {
                Some(text) => away.with_param(text),
                None => away,
            }
        }
        Event::Invite {
            source,
            target,
            channel,
        } => Message::new("INVITE")
            .with_source(source.prefix())
            .with_params([target, channel]),
    };
    Some(message)
}

/// Who caused an event.
fn event_source(event: &Event) -> Option<&crate::hub::client::Source> {
    match event {
        Event::Join { source, .. }
        | Event::Part { source, .. }
        | Event::Quit { source, .. }
        | Event::Nick { source, .. }
        | Event::Message { source, .. }
        | Event::Topic { source, .. }
        | Event::Kick { source, .. }
        | Event::Mode { source, .. }
        | Event::Away { source, .. }
        | Event::Account { source, .. }
        | Event::Invite { source, .. } => Some(source),
    }
}

/// Any event, through a [`Message`]: what [`super::IrcEncoder`] does for all but
/// PRIVMSG and NOTICE, and the reference [`super::text::TextMessage`] must match.
pub(super) fn encode_event(envelope: &Envelope, variant: u8) -> Option<Bytes> {
    let mut message = event_message(&envelope.event, variant)?;
    fit_to_line(&mut message);
    if variant & variant::ACCOUNT_TAG != 0
        && let Some(account) = event_source(&envelope.event).and_then(|s| s.account.clone())
    {
        message
            .tags
            .insert(0, natter_protocol::Tag::new("account", Some(account)));
    }
    if variant & (variant::SERVER_TIME | variant::MESSAGE_TAGS) != 0 {
        // `time` first, as servers conventionally order it.
        message.tags.insert(
            0,
            natter_protocol::Tag::new("time", Some(format_time(envelope.time))),
        );
    }
    Some(Bytes::from(message.to_wire()))
}
