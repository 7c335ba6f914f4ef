//! Who is where: JOIN, PART, QUIT, KICK, NICK and away-notify update the
//! buffers' member lists and note the change in the affected buffers.

use chrono::{DateTime, Utc};
use natter_protocol::Message;

use crate::chat::Chat;
use crate::chat::buffers::{BufferKind, LineKind};
use crate::chat::members::Member;
use crate::event::Effect;

impl Chat {
    /// Someone (maybe we) joined a channel.
    pub(super) fn on_join(&mut self, msg: &Message, time: DateTime<Utc>) {
        let (Some(nick), Some(channel)) = (msg.source_nick(), msg.arg(0)) else {
            return;
        };
        if self.session.is_me(nick) {
            self.we_joined(nick, channel, time);
            return;
        }
        let casemapping = self.session.casemapping;
        let Some(index) = self.buffers.find(channel, casemapping) else {
            return;
        };
        if let Some(buffer) = self.buffers.get_mut(index) {
            buffer.members.insert(
                Member {
                    nick: crate::text::clean(nick),
                    prefixes: String::new(),
                },
                casemapping,
            );
        }
        let host = user_host(msg.source.as_deref());
        self.push_event(
            index,
            time,
            LineKind::Joined,
            &format!("{nick}{host} joined {channel}"),
        );
    }

    /// Our own JOIN: opens (or reopens) the channel's buffer.
    fn we_joined(&mut self, nick: &str, channel: &str, time: DateTime<Utc>) {
        let casemapping = self.session.casemapping;
        self.session.closing.remove(&casemapping.fold(channel));
        let index = self
            .buffers
            .ensure(BufferKind::Channel, channel, casemapping);
        let me = Member {
            nick: crate::text::clean(nick),
            prefixes: String::new(),
        };
        if let Some(buffer) = self.buffers.get_mut(index) {
            buffer.joined = true;
            buffer.members.clear();
            // The server sends the topic (332) after our JOIN if there is one;
            // what we knew from before may be gone (a restart, a new channel).
            buffer.topic = None;
            // NAMES replaces this; until then the list is not empty.
            buffer.members.insert(me, casemapping);
        }
        if self
            .session
            .switch_on_join
            .remove(&casemapping.fold(channel))
        {
            self.switch_to(index);
        }
        self.push_event(
            index,
            time,
            LineKind::Joined,
            &format!("You joined {channel}"),
        );
        if self.session.has_cap("away-notify") {
            self.emit(Effect::Send(Message::new("WHO").with_param(channel)));
        }
    }

    /// Someone (maybe we) left a channel.
    pub(super) fn on_part(&mut self, msg: &Message, time: DateTime<Utc>) {
        let (Some(nick), Some(channel)) = (msg.source_nick(), msg.arg(0)) else {
            return;
        };
        let casemapping = self.session.casemapping;
        let Some(index) = self.buffers.find(channel, casemapping) else {
            return;
        };
        let reason = reason_suffix(msg.arg(1));
        if self.session.is_me(nick) {
            self.session.closing.remove(&casemapping.fold(channel));
            if let Some(buffer) = self.buffers.get_mut(index) {
                buffer.joined = false;
                buffer.members.clear();
                buffer.topic = None;
                buffer.selected_member = None;
            }
            self.push_event(
                index,
                time,
                LineKind::Left,
                &format!("You left {channel}{reason}"),
            );
            return;
        }
        if let Some(buffer) = self.buffers.get_mut(index) {
            buffer.members.remove(nick, casemapping);
        }
        self.push_event(
            index,
            time,
            LineKind::Left,
            &format!("{nick} left {channel}{reason}"),
        );
    }

    /// Someone quit: gone from every channel and private buffer we share.
    pub(super) fn on_quit(&mut self, msg: &Message, time: DateTime<Utc>) {
        let Some(nick) = msg.source_nick() else {
            return;
        };
        let casemapping = self.session.casemapping;
        let shutdown = msg.arg(0).is_some_and(is_shutdown_reason);
        if shutdown {
            self.on_server_shutdown(time);
        }
        let text = format!("{nick} quit{}", reason_suffix(msg.arg(0)));
        for index in 0..self.buffers.len() {
            let Some(buffer) = self.buffers.get_mut(index) else {
                continue;
            };
            let affected = match buffer.kind {
                BufferKind::Channel => buffer.members.remove(nick, casemapping),
                BufferKind::Private => casemapping.eq(&buffer.name, nick),
                BufferKind::Server => false,
            };
            // While the server shuts down, one line said so for everyone.
            if affected && !shutdown {
                self.push_event(index, time, LineKind::Left, &text);
            }
        }
        self.away_nicks.remove(&casemapping.fold(nick));
    }

    /// A nick change, ours or another member's, in every buffer it touches.
    pub(super) fn on_nick(&mut self, msg: &Message, time: DateTime<Utc>) {
        let (Some(old), Some(new)) = (msg.source_nick(), msg.arg(0)) else {
            return;
        };
        let casemapping = self.session.casemapping;
        let own = self.session.is_me(old);
        if own {
            self.session.nick = new.to_owned();
            self.emit(Effect::SetNick(new.to_owned()));
        }
        let (old_folded, new_folded) = (casemapping.fold(old), casemapping.fold(new));
        let text = if own {
            format!("You are now known as {new}")
        } else {
            format!("{old} is now known as {new}")
        };
        let mut told_active = false;
        for index in 0..self.buffers.len() {
            let Some(buffer) = self.buffers.get_mut(index) else {
                continue;
            };
            let affected = match buffer.kind {
                BufferKind::Channel => buffer.members.rename(old, new, casemapping),
                BufferKind::Private => casemapping.eq(&buffer.name, old),
                BufferKind::Server => false,
            };
            if !affected {
                continue;
            }
            if buffer.selected_member.as_deref() == Some(old_folded.as_str()) {
                buffer.selected_member = Some(new_folded.clone());
            }
            for speaker in &mut buffer.recent_speakers {
                if *speaker == old_folded {
                    speaker.clone_from(&new_folded);
                }
            }
            if buffer.kind == BufferKind::Private {
                self.buffers.rename(index, new);
            }
            told_active |= index == self.buffers.active_index();
            self.push_event(index, time, LineKind::Event, &text);
        }
        if own && !told_active {
            // Our own change is news wherever we are looking.
            let active = self.buffers.active_index();
            self.push_event(active, time, LineKind::Event, &text);
        }
        if self.away_nicks.remove(&old_folded) {
            self.away_nicks.insert(new_folded);
        }
    }

    /// Someone (maybe we) was kicked from a channel.
    pub(super) fn on_kick(&mut self, msg: &Message, time: DateTime<Utc>) {
        let (Some(channel), Some(victim)) = (msg.arg(0), msg.arg(1)) else {
            return;
        };
        let by = msg.source_nick().unwrap_or("someone").to_owned();
        let reason = reason_suffix(msg.arg(2));
        let casemapping = self.session.casemapping;
        let Some(index) = self.buffers.find(channel, casemapping) else {
            return;
        };
        if self.session.is_me(victim) {
            if let Some(buffer) = self.buffers.get_mut(index) {
                buffer.joined = false;
                buffer.members.clear();
                buffer.topic = None;
                buffer.selected_member = None;
            }
            let text = format!("You were kicked from {channel} by {by}{reason}");
            self.push_event(index, time, LineKind::Error, &text);
            return;
        }
        if let Some(buffer) = self.buffers.get_mut(index) {
            buffer.members.remove(victim, casemapping);
        }
        let text = format!("{victim} was kicked by {by}{reason}");
        self.push_event(index, time, LineKind::Left, &text);
    }

    /// away-notify: a member went away or came back.
    pub(super) fn on_away_notify(&mut self, msg: &Message) {
        let Some(nick) = msg.source_nick() else {
            return;
        };
        let folded = self.session.casemapping.fold(nick);
        if msg.arg(0).is_some_and(|m| !m.is_empty()) {
            self.away_nicks.insert(folded);
        } else {
            self.away_nicks.remove(&folded);
        }
    }
}

/// `" (user@host)"` from a full source, or nothing.
fn user_host(source: Option<&str>) -> String {
    source
        .and_then(|s| s.split_once('!'))
        .map(|(_, host)| format!(" ({})", crate::text::clean(host)))
        .unwrap_or_default()
}

/// `" (reason)"`, or nothing for an empty reason.
fn reason_suffix(reason: Option<&str>) -> String {
    match reason {
        Some(text) if !text.is_empty() => format!(" ({text})"),
        _ => String::new(),
    }
}

/// Whether a QUIT reason is the server's own shutdown rather than a person
/// leaving: users' reasons carry a `Quit:` prefix on natterd and most
/// servers, so only unprefixed server wording counts.
pub(crate) fn is_shutdown_reason(reason: &str) -> bool {
    let lower = reason.to_ascii_lowercase();
    !lower.starts_with("quit")
        && [
            "shutting down",
            "server shutdown",
            "going down",
            "restarting",
        ]
        .iter()
        .any(|phrase| lower.contains(phrase))
}

impl Chat {
    /// The server said it is shutting down: one line in the server buffer
    /// and each channel, however many members it takes along.
    pub(crate) fn on_server_shutdown(&mut self, time: DateTime<Utc>) {
        if std::mem::replace(&mut self.session.shutting_down, true) {
            return;
        }
        for index in 0..self.buffers.len() {
            let shown = self
                .buffers
                .get(index)
                .is_some_and(|b| b.kind != BufferKind::Private);
            if shown {
                self.push_event(index, time, LineKind::Error, "The server is shutting down.");
            }
        }
    }
}
