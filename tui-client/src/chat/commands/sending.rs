//! Sending chat: the visible buffer, whispers and private buffers, split so
//! each PRIVMSG fits the protocol's line length.

use natter_protocol::Message;

use crate::chat::Chat;
use crate::chat::buffers::{BufferKind, ChatLine, LineKind};
use crate::event::Effect;

/// Overhead a relaying server adds to our line: `:nick!user@host ` with
/// generous user and host lengths, the command, separators and CRLF.
const RELAY_OVERHEAD: usize = 1 + 1 + 10 + 1 + 63 + 1 + 8 + 2 + 2;

impl Chat {
    /// /msg: a whisper to a nick, or a message to a channel.
    pub(super) fn cmd_msg(&mut self, args: &str) {
        let Some((target, text)) = args.split_once(' ').filter(|(_, t)| !t.trim().is_empty())
        else {
            self.error("Usage: /msg NICK TEXT");
            return;
        };
        if self.session.is_channel(target) {
            self.say(target, text, false);
        } else {
            self.whisper(target, text);
        }
    }

    /// Sends a private message, noting it in the visible buffer when the
    /// private buffer is not the one shown.
    pub(super) fn whisper(&mut self, nick: &str, text: &str) {
        let casemapping = self.session.casemapping;
        let showing = self.buffers.active().kind == BufferKind::Private
            && casemapping.eq(&self.buffers.active().name, nick);
        self.say(nick, text, false);
        if !showing {
            self.info(format!("→ {nick}: {text}"));
        }
    }

    /// /query: opens a private buffer, sending text if given.
    pub(super) fn cmd_query(&mut self, args: &str) {
        let (nick, text) = args.split_once(' ').unwrap_or((args, ""));
        if nick.is_empty() || self.session.is_channel(nick) {
            self.error("Usage: /query NICK [TEXT]");
            return;
        }
        self.open_private(nick);
        if !text.trim().is_empty() {
            self.say(nick, text, false);
        }
    }

    /// Opens (or shows) the private buffer with `nick`. A buffer with
    /// nothing in it asks the server for the conversation so far (history
    /// is kept per account on natterd), so reopening a whisper after a
    /// restart shows what was said instead of an empty pane.
    pub(crate) fn open_private(&mut self, nick: &str) {
        let index = self
            .buffers
            .ensure(BufferKind::Private, nick, self.session.casemapping);
        self.switch_to(index);
        if self
            .buffers
            .get(index)
            .is_some_and(|buffer| buffer.lines.is_empty())
        {
            self.request_older(index);
        }
    }

    /// Sends `text` to the visible channel or private chat.
    pub(crate) fn say_to_active(&mut self, text: &str, action: bool) {
        if text.trim().is_empty() {
            if action {
                self.error("Usage: /me ACTION");
            }
            return;
        }
        let buffer = self.buffers.active();
        match buffer.kind {
            BufferKind::Server => self.error(
                "This is the server buffer: switch to a channel with Ctrl+N, or /join #room.",
            ),
            BufferKind::Channel if !buffer.joined => {
                let name = buffer.name.clone();
                self.error(format!("You are not in {name}: /join {name} first."));
            }
            _ => {
                let target = buffer.name.clone();
                self.say(&target, text, action);
            }
        }
    }

    /// Sends PRIVMSG(s) to `target`, split so each fits one IRC line even
    /// after the server adds our prefix; echoes locally unless the server
    /// echoes (echo-message).
    pub(crate) fn say(&mut self, target: &str, text: &str, action: bool) {
        let budget = 512usize
            .saturating_sub(RELAY_OVERHEAD + self.session.nick.len() + target.len())
            .saturating_sub(if action { 9 } else { 0 });
        let clean: String = text
            .chars()
            .map(|c| if c == '\t' { ' ' } else { c })
            .filter(|c| !matches!(c, '\r' | '\n' | '\0'))
            .collect();
        let casemapping = self.session.casemapping;
        let kind = if self.session.is_channel(target) {
            BufferKind::Channel
        } else {
            BufferKind::Private
        };
        let pieces = crate::text::split_by_bytes(&clean, budget);
        for piece in pieces.into_iter().filter(|p| !p.trim().is_empty()) {
            let payload = if action {
                natter_protocol::action(&piece)
            } else {
                piece.clone()
            };
            let message = Message::new("PRIVMSG")
                .with_param(target)
                .with_param(payload);
            self.emit(Effect::Send(message));
            if !self.session.has_cap("echo-message") {
                let index = self.buffers.ensure(kind, target, casemapping);
                let line_kind = if action {
                    LineKind::Action
                } else {
                    LineKind::Message
                };
                let nick = self.session.nick.clone();
                let now = self.now;
                let mut line = ChatLine::new(now, line_kind, &nick, Chat::body(&piece));
                line.own = true;
                self.push_at(index, line);
            }
        }
        if let Some(buffer) = self
            .buffers
            .find(target, casemapping)
            .and_then(|i| self.buffers.get_mut(i))
        {
            buffer.scroll_to_bottom();
        }
    }

    /// /notice TARGET TEXT: a NOTICE (no automatic replies expected).
    pub(super) fn cmd_notice(&mut self, args: &str) {
        let Some((target, text)) = args.split_once(' ').filter(|(_, t)| !t.trim().is_empty())
        else {
            self.error("Usage: /notice NICK|#ROOM TEXT");
            return;
        };
        let text = text.replace(['\r', '\n', '\0'], " ");
        self.emit(Effect::Send(
            Message::new("NOTICE").with_param(target).with_param(&text),
        ));
        if self.session.has_cap("echo-message") {
            return;
        }
        let casemapping = self.session.casemapping;
        match self.buffers.find(target, casemapping) {
            Some(index) => {
                let nick = self.session.nick.clone();
                let mut line = ChatLine::new(self.now, LineKind::Notice, &nick, Chat::body(&text));
                line.own = true;
                self.push_at(index, line);
            }
            None => self.info(format!("→ -{target}- {text}")),
        }
    }

    /// /ctcp NICK COMMAND [ARGS]: a client-to-client query; the answer
    /// shows as "CTCP … reply from …".
    pub(super) fn cmd_ctcp(&mut self, args: &str) {
        let mut words = args.splitn(3, ' ');
        let (Some(target), Some(command)) = (words.next(), words.next()) else {
            self.error("Usage: /ctcp NICK COMMAND [ARGS], e.g. /ctcp bob VERSION");
            return;
        };
        let command = command.to_ascii_uppercase();
        let rest = words.next().unwrap_or_default().trim();
        let rest = if command == "PING" && rest.is_empty() {
            self.now.timestamp_millis().to_string()
        } else {
            rest.to_owned()
        };
        let payload = natter_protocol::ctcp::build(&command, &rest);
        self.emit(Effect::Send(
            Message::new("PRIVMSG")
                .with_param(target)
                .with_param(payload),
        ));
        self.info(format!("CTCP {command} sent to {target}"));
    }

    /// /version [NICK]: the server's version, or NICK's client (CTCP).
    pub(super) fn cmd_version(&mut self, args: &str) {
        match args.split_whitespace().next() {
            Some(nick) => self.cmd_ctcp(&format!("{nick} VERSION")),
            None => self.emit(Effect::Send(Message::new("VERSION"))),
        }
    }
}
