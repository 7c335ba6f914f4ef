//! Turns hub events into the readable lines plain (nc/telnet) users see.
//!
//! Every byte a plain user receives leaves through [`line`], the dialect's
//! single exit, which passes the whole line through [`sanitize`]: IRC
//! formatting, every control character (C0, DEL, C1) and the bidirectional
//! controls that reorder what a terminal shows (Trojan Source) are removed,
//! whatever the path (text, modes, invites, topics, kicks, quits, nicknames,
//! channel names, backlog). So nothing anyone sends can drive a plain user's
//! terminal or disguise what it shows.

use crate::hub::client::Source;
use crate::hub::event::{Encoder, Envelope, Event, MessageKind};
use bytes::Bytes;
use natter_protocol::{is_action, is_bidi_control, strip_formatting};

/// The plain dialect's encoder.
pub struct PlainEncoder;

/// The one instance plain sessions use.
pub static PLAIN_ENCODER: PlainEncoder = PlainEncoder;

/// Makes untrusted text safe for a raw terminal (see [`sanitize`]); used
/// where a fragment is checked or measured before it becomes a [`line`].
pub fn clean(text: &str) -> String {
    sanitize(text)
}

/// The text a raw terminal can show safely: IRC formatting interpreted away,
/// control characters and bidi controls removed, tabs and Unicode line or
/// paragraph separators turned into spaces.
pub fn sanitize(text: &str) -> String {
    strip_formatting(text)
        .chars()
        .filter_map(|c| match c {
            '\t' | '\u{2028}' | '\u{2029}' => Some(' '),
            c if c.is_control() || is_bidi_control(c) => None,
            c => Some(c),
        })
        .collect()
}

/// A plain line with CRLF, as bytes: the only way bytes reach a plain user.
pub fn line(text: &str) -> Bytes {
    let mut text = sanitize(text);
    text.push_str("\r\n");
    Bytes::from(text)
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
        Event::Away { .. } | Event::Account { .. } => return None,
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

    fn server_notice(&self, _server: &str, _nick: &str, text: &str) -> Bytes {
        line(&format!("*** {text}"))
    }

    fn killed(&self, _killer: &Source, _nick: &str, _reason: &str) -> Option<Bytes> {
        // The farewell says who killed it and why.
        None
    }

    fn farewell(&self, reason: &str) -> Bytes {
        line(&format!("*** Disconnected: {reason}."))
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
            account: None,
            realname: String::new(),
            prefix_word: Default::default(),
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
    fn every_control_and_bidi_character_is_removed_from_whole_lines() {
        let nasty: String = (0u32..0x20)
            .chain(0x7f..0xa0)
            .chain([
                0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069,
            ])
            .chain([0x200e, 0x200f, 0x061c])
            .filter_map(char::from_u32)
            .collect();
        let sent = line(&format!("a{nasty}b"));
        assert_eq!(&sent[..], b"a b\r\n", "only the tab survives, as a space");
        let mode = encode(Event::Mode {
            source: bob(),
            target: "#lobby".into(),
            changes: "+k".into(),
            args: vec!["\u{1b}]0;pwned\u{7}\u{9b}2J\u{202e}key".into()],
        });
        assert_eq!(mode, "* bob set mode +k ]0;pwned2Jkey on #lobby\r\n");
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
