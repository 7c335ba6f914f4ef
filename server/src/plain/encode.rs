//! Turns hub events into the readable lines plain (nc/telnet) users see.
//!
//! Text from others is stripped of IRC formatting and every control
//! character, so nothing anyone sends can drive a plain user's terminal.

use crate::hub::event::{Encoder, Envelope, Event, MessageKind};
use bytes::Bytes;
use natter_protocol::{is_action, strip_formatting};

/// The plain dialect's encoder.
pub struct PlainEncoder;

/// The one instance plain sessions use.
pub static PLAIN_ENCODER: PlainEncoder = PlainEncoder;

/// Makes untrusted text safe for a raw terminal.
pub fn clean(text: &str) -> String {
    strip_formatting(text)
}

/// A plain line with CRLF, as bytes.
pub fn line(text: &str) -> Bytes {
    Bytes::from(format!("{text}\r\n"))
}

fn reason_suffix(reason: Option<&str>) -> String {
    match reason.map(clean).filter(|r| !r.is_empty()) {
        Some(reason) => format!(" ({reason})"),
        None => String::new(),
    }
}

fn describe(event: &Event) -> Option<String> {
    let text = match event {
        Event::Join { source, channel } => format!("* {} joined {channel}", source.nick),
        Event::Part {
            source,
            channel,
            reason,
        } => {
            format!(
                "* {} left {channel}{}",
                source.nick,
                reason_suffix(reason.as_deref())
            )
        }
        Event::Quit { source, reason } => {
            format!("* {} quit{}", source.nick, reason_suffix(Some(reason)))
        }
        Event::Nick { source, new_nick } => format!("* {} is now known as {new_nick}", source.nick),
        Event::Message {
            source,
            target,
            private,
            kind,
            text,
            ..
        } => {
            let nick = &source.nick;
            let body = clean(text);
            match (kind, private, is_action(text)) {
                (MessageKind::Tagmsg, _, _) => return None,
                (_, true, Some(action)) => format!("[whisper] * {nick} {}", clean(action)),
                (_, false, Some(action)) => format!("* {nick} {}", clean(action)),
                (MessageKind::Notice, true, None) => format!("[whisper] -{nick}- {body}"),
                (MessageKind::Notice, false, None) => format!("-{nick}/{target}- {body}"),
                (MessageKind::Privmsg, true, None) => format!("[whisper] {nick}: {body}"),
                (MessageKind::Privmsg, false, None) => format!("{nick}: {body}"),
            }
        }
        Event::Topic {
            source,
            channel,
            topic,
        } if topic.is_empty() => {
            format!("* {} cleared the topic of {channel}", source.nick)
        }
        Event::Topic {
            source,
            channel,
            topic,
        } => {
            format!(
                "* {} set the topic of {channel}: {}",
                source.nick,
                clean(topic)
            )
        }
        Event::Kick {
            source,
            channel,
            victim,
            reason,
        } => {
            format!(
                "* {victim} was kicked from {channel} by {}{}",
                source.nick,
                reason_suffix(Some(reason))
            )
        }
        Event::Mode {
            source,
            target,
            changes,
            args,
        } => format!(
            "* {} set mode {changes} {} on {target}",
            source.nick,
            args.join(" ")
        )
        .replace("  ", " "),
        Event::Away { .. } => return None,
        Event::Invite {
            source, channel, ..
        } => format!("* {} invites you to {channel}", source.nick),
    };
    Some(text)
}

impl Encoder for PlainEncoder {
    fn name(&self) -> &'static str {
        "plain"
    }

    fn encode(&self, envelope: &Envelope, _variant: u8) -> Option<Bytes> {
        describe(&envelope.event).map(|text| line(&text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hub::client::Source;
    use chrono::Utc;
    use std::sync::Arc;

    fn bob() -> Arc<Source> {
        Arc::new(Source {
            nick: "bob".into(),
            user: "b".into(),
            host: "h".into(),
        })
    }

    fn encode(event: Event) -> String {
        let bytes = PLAIN_ENCODER
            .encode(
                &Envelope {
                    event,
                    time: Utc::now(),
                },
                0,
            )
            .unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    fn message(text: &str, private: bool) -> Event {
        Event::Message {
            source: bob(),
            target: if private {
                "alice".into()
            } else {
                "#lobby".into()
            },
            private,
            kind: MessageKind::Privmsg,
            text: text.into(),
            msgid: "x".into(),
            client_tags: vec![],
        }
    }

    #[test]
    fn messages_read_like_the_seeds() {
        assert_eq!(encode(message("hello", false)), "bob: hello\r\n");
        assert_eq!(encode(message("psst", true)), "[whisper] bob: psst\r\n");
        assert_eq!(
            encode(message("\u{1}ACTION waves\u{1}", false)),
            "* bob waves\r\n"
        );
    }

    #[test]
    fn terminal_escapes_never_reach_plain_users() {
        let text = encode(message("\u{1b}[2Jgotcha \u{1b}]52;c;aGk=\u{7}", false));
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{7}'),
            "{text:?}"
        );
    }

    #[test]
    fn membership_changes_are_readable() {
        assert_eq!(
            encode(Event::Join {
                source: bob(),
                channel: "#lobby".into()
            }),
            "* bob joined #lobby\r\n"
        );
        assert_eq!(
            encode(Event::Quit {
                source: bob(),
                reason: "Quit: bye".into()
            }),
            "* bob quit (Quit: bye)\r\n"
        );
        assert_eq!(
            encode(Event::Nick {
                source: bob(),
                new_nick: "robert".into()
            }),
            "* bob is now known as robert\r\n"
        );
    }
}
