//! Typing notifications (IRCv3 `+typing` client tag on TAGMSG): who is
//! typing in each buffer, and ours sent at most once per 3 s, with `done`
//! when the line is sent or cleared. Only with the message-tags capability,
//! and only when `typing` is on in the config.

use chrono::{DateTime, Duration, Utc};
use natter_protocol::Message;

use super::Chat;
use super::buffers::BufferKind;
use crate::event::Effect;

/// Least time between two `active` notifications to one target.
const SEND_EVERY_SECONDS: i64 = 3;
/// An `active` notification shows this long unless renewed (spec: 6 s).
const SHOWN_SECONDS: i64 = 6;

impl Chat {
    /// TAGMSG: a typing notification from someone else.
    pub(super) fn on_tagmsg(&mut self, msg: &Message) {
        let (Some(nick), Some(target), Some(state)) =
            (msg.source_nick(), msg.arg(0), msg.tag_value("+typing"))
        else {
            return;
        };
        let casemapping = self.session.casemapping;
        if self.session.is_me(nick)
            || msg
                .source
                .as_deref()
                .is_some_and(|s| self.ignores.matches(s, casemapping))
        {
            return;
        }
        let name = if self.session.is_channel(target) {
            target
        } else {
            nick
        };
        let Some(index) = self.buffers.find(name, casemapping) else {
            return;
        };
        let until = self.now + Duration::seconds(SHOWN_SECONDS);
        if let Some(buffer) = self.buffers.get_mut(index) {
            let folded = casemapping.fold(nick);
            buffer
                .typing
                .retain(|(n, _, _)| casemapping.fold(n) != folded);
            if state == "active" {
                buffer.typing.push((nick.to_owned(), folded, until));
            }
        }
    }

    /// A message from `nick` ends their typing notification in `index`.
    pub(crate) fn typing_ended(&mut self, index: usize, nick: &str) {
        let folded = self.session.casemapping.fold(nick);
        if let Some(buffer) = self.buffers.get_mut(index) {
            buffer.typing.retain(|(_, f, _)| *f != folded);
        }
    }

    /// Who is typing in the visible buffer now, in the order they started.
    pub fn typing_here(&self) -> Vec<&str> {
        self.buffers
            .active()
            .typing
            .iter()
            .filter(|(_, _, until)| *until > self.now)
            .map(|(nick, _, _)| nick.as_str())
            .collect()
    }

    /// Drops notifications that ran out by `now`; true when one did (the
    /// status line changes).
    pub(crate) fn expire_typing(&mut self, now: DateTime<Utc>) -> bool {
        let mut changed = false;
        for index in 0..self.buffers.len() {
            if let Some(buffer) = self.buffers.get_mut(index) {
                let before = buffer.typing.len();
                buffer.typing.retain(|(_, _, until)| *until > now);
                changed |= buffer.typing.len() != before;
            }
        }
        changed
    }

    fn typing_target(&self) -> Option<String> {
        if !self.settings.typing
            || !self.session.registered
            || !self.session.has_cap("message-tags")
        {
            return None;
        }
        let buffer = self.buffers.active();
        match buffer.kind {
            BufferKind::Channel if buffer.joined => Some(buffer.name.clone()),
            BufferKind::Private => Some(buffer.name.clone()),
            _ => None,
        }
    }

    /// The input line changed: tell the target we are typing (throttled),
    /// or that we stopped (`empty`: sent or cleared).
    pub fn typing_input_changed(&mut self, empty: bool) {
        let Some(target) = self.typing_target() else {
            return;
        };
        let now = self.now;
        let state = if empty {
            if self.typing_sent.take().is_none() {
                return;
            }
            "done"
        } else {
            let recent = self.typing_sent.as_ref().is_some_and(|(t, at)| {
                *t == target && (now - *at).num_seconds() < SEND_EVERY_SECONDS
            });
            if recent {
                return;
            }
            self.typing_sent = Some((target.clone(), now));
            "active"
        };
        let message = Message::new("TAGMSG")
            .with_tag("+typing", Some(state.to_owned()))
            .with_param(target);
        self.emit(Effect::Send(message));
    }
}
