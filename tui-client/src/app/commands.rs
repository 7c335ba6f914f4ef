//! What happens when a line is submitted: slash commands, the seeds'
//! shortcuts (`#`, `&`, `text@nick`) and plain chat, split to fit the
//! protocol's line length.

use natter_protocol::Message;

use super::buffers::{BufferKind, ChatLine, LineKind};
use super::{App, Overlay};
use crate::event::Effect;

/// Every command with its usage and what it does: `/help`, `&` and the F1
/// overlay show this list.
pub const COMMAND_HELP: &[(&str, &str)] = &[
    ("/msg NICK TEXT", "whisper NICK (also /w)"),
    ("/query NICK [TEXT]", "open a private buffer with NICK"),
    ("/me ACTION", "describe what you do: * alice waves"),
    ("/nick NEW", "change your nick"),
    ("/join #ROOM[,#ROOM2]", "join (and create) channels"),
    ("/part [#ROOM] [REASON]", "leave a channel, keep its buffer"),
    ("/close", "leave and close the current buffer"),
    ("/topic [TEXT]", "show or set the channel topic"),
    ("/names [#ROOM]", "list a channel's members"),
    ("/whois NICK", "who is NICK?"),
    ("/away [MESSAGE]", "mark yourself away"),
    ("/back", "mark yourself back"),
    ("/clear", "clear the current buffer's scrollback"),
    ("/raw LINE", "send a raw IRC line (also /quote)"),
    ("/help", "this list (also &)"),
    ("/quit [MESSAGE]", "leave natter"),
    ("#", "list the members of this channel"),
    ("&", "show this help"),
    ("TEXT@NICK", "whisper NICK when NICK is in this channel"),
    ("//TEXT", "send TEXT starting with a slash"),
];

/// Most lines one paste may send (they go out paced, about two a second).
pub const MAX_PASTE_LINES: usize = 200;

/// Overhead a relaying server adds to our line: `:nick!user@host ` with
/// generous user and host lengths, the command, separators and CRLF.
const RELAY_OVERHEAD: usize = 1 + 1 + 10 + 1 + 63 + 1 + 8 + 2 + 2;

impl App {
    /// Enter: sends or runs what is in the input line.
    pub(crate) fn submit_input(&mut self) {
        let text = self.input.text().to_owned();
        if text.trim().is_empty() {
            return;
        }
        let lines: Vec<String> = text
            .split('\n')
            .filter(|line| !line.trim().is_empty())
            .map(str::to_owned)
            .collect();
        let local = lines.len() == 1 && is_local(&lines[0]);
        if !local && !self.session.registered {
            self.error("Not connected: your text stays in the input line; press Enter again once the status line says connected.");
            return;
        }
        self.input.submit();
        if lines.len() > 1 {
            if lines.len() > self.settings.paste_confirm_lines {
                self.overlay = Some(Overlay::ConfirmPaste { lines });
            } else {
                self.say_lines(&lines);
            }
            return;
        }
        self.run_line(&text);
    }

    /// Sends each line as a message to the visible buffer (a confirmed paste).
    pub(crate) fn say_lines(&mut self, lines: &[String]) {
        if lines.len() > MAX_PASTE_LINES {
            self.error(format!(
                "That paste has {} lines; natter sends at most {MAX_PASTE_LINES} at once. Share a long text as a file or link instead.",
                lines.len()
            ));
            self.input.set_text(&lines.join("\n"));
            return;
        }
        for line in lines {
            self.say_to_active(line, false);
        }
    }

    /// Runs one typed line.
    pub fn run_line(&mut self, line: &str) {
        if let Some(rest) = line.strip_prefix('/') {
            if rest.starts_with('/') {
                self.say_to_active(rest, false);
            } else {
                self.run_command(rest);
            }
            return;
        }
        match line.trim() {
            "#" => {
                self.names_here();
                return;
            }
            "&" => {
                self.print_help();
                return;
            }
            _ => {}
        }
        if let Some((text, nick)) = self.whisper_shortcut(line) {
            self.whisper(&nick, &text);
            return;
        }
        self.say_to_active(line, false);
    }

    /// `text@nick` when `nick` is a member of the visible channel.
    fn whisper_shortcut(&self, line: &str) -> Option<(String, String)> {
        let (text, nick) = line.rsplit_once('@')?;
        let nick = nick.trim();
        let text = text.trim_end();
        let buffer = self.buffers.active();
        let is_member = buffer.kind == BufferKind::Channel
            && buffer.members.contains(nick, self.session.casemapping);
        (is_member && !text.trim().is_empty() && !self.session.is_me(nick))
            .then(|| (text.to_owned(), nick.to_owned()))
    }

    fn run_command(&mut self, rest: &str) {
        let (name, args) = rest.split_once(' ').unwrap_or((rest, ""));
        let args = args.trim();
        match name.to_ascii_lowercase().as_str() {
            "msg" | "w" | "whisper" | "privmsg" => self.cmd_msg(args),
            "query" | "q" => self.cmd_query(args),
            "me" => self.say_to_active(args, true),
            "nick" => self.cmd_nick(args),
            "join" | "j" => self.cmd_join(args),
            "part" | "leave" => self.cmd_part(args),
            "close" => self.cmd_close(),
            "topic" => self.cmd_topic(args),
            "names" => self.cmd_names(args),
            "whois" => self.cmd_simple("WHOIS", args, "/whois NICK"),
            "away" => {
                let message = if args.is_empty() { "away" } else { args };
                self.emit(Effect::Send(Message::new("AWAY").with_param(message)));
            }
            "back" => self.emit(Effect::Send(Message::new("AWAY"))),
            "quit" | "exit" => self.quit(if args.is_empty() { "natter" } else { args }),
            "help" => self.print_help(),
            "clear" => {
                let buffer = self.buffers.active_mut();
                buffer.lines.clear();
                buffer.scroll_to_bottom();
            }
            "raw" | "quote" => match Message::parse(args) {
                Ok(message) if !args.is_empty() => self.emit(Effect::Send(message)),
                _ => self.error("Usage: /raw COMMAND [PARAMS] :TRAILING, e.g. /raw MODE #lobby +t"),
            },
            _ => self.error(format!("Unknown command /{name}. Type /help for the list.")),
        }
    }

    /// Leaves natter with a QUIT `reason`.
    pub(crate) fn quit(&mut self, reason: &str) {
        self.quitting = true;
        self.emit(Effect::Quit(reason.to_owned()));
    }

    fn cmd_simple(&mut self, command: &str, args: &str, usage: &str) {
        let Some(target) = args.split_whitespace().next() else {
            self.error(format!("Usage: {usage}"));
            return;
        };
        self.emit(Effect::Send(Message::new(command).with_param(target)));
    }

    fn cmd_msg(&mut self, args: &str) {
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
    fn whisper(&mut self, nick: &str, text: &str) {
        let casemapping = self.session.casemapping;
        let showing = self.buffers.active().kind == BufferKind::Private
            && casemapping.eq(&self.buffers.active().name, nick);
        self.say(nick, text, false);
        if !showing {
            self.info(format!("→ {nick}: {text}"));
        }
    }

    fn cmd_query(&mut self, args: &str) {
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

    /// Opens (or shows) the private buffer with `nick`.
    pub(crate) fn open_private(&mut self, nick: &str) {
        let index = self
            .buffers
            .ensure(BufferKind::Private, nick, self.session.casemapping);
        self.switch_to(index);
    }

    fn cmd_nick(&mut self, args: &str) {
        let nick = args.split_whitespace().next().unwrap_or_default();
        if nick.is_empty() {
            self.error("Usage: /nick NEWNICK");
            return;
        }
        self.emit(Effect::Send(Message::new("NICK").with_param(nick)));
    }

    fn cmd_join(&mut self, args: &str) {
        let mut parts = args.split_whitespace();
        let Some(list) = parts.next() else {
            self.error("Usage: /join #ROOM[,#ROOM2] [KEY]");
            return;
        };
        let channels: Vec<String> = list
            .split(',')
            .filter(|c| !c.is_empty())
            .map(|c| {
                if self.session.is_channel(c) {
                    c.to_owned()
                } else {
                    format!("#{c}")
                }
            })
            .collect();
        let casemapping = self.session.casemapping;
        if let Some(first) = channels.first() {
            match self.buffers.find(first, casemapping) {
                Some(index) if self.buffers.get(index).is_some_and(|b| b.joined) => {
                    self.switch_to(index);
                }
                _ => {
                    self.session.switch_on_join.insert(casemapping.fold(first));
                }
            }
        }
        let mut message = Message::new("JOIN").with_param(channels.join(","));
        if let Some(key) = parts.next() {
            message = message.with_param(key);
        }
        self.emit(Effect::Send(message));
    }

    /// The channel named first in `args`, or the visible one.
    fn channel_arg<'a>(&self, args: &'a str) -> (Option<String>, &'a str) {
        let first = args.split_whitespace().next().unwrap_or_default();
        if self.session.is_channel(first) {
            let rest = args[first.len()..].trim();
            return (Some(first.to_owned()), rest);
        }
        let buffer = self.buffers.active();
        let here = (buffer.kind == BufferKind::Channel).then(|| buffer.name.clone());
        (here, args)
    }

    fn cmd_part(&mut self, args: &str) {
        let (channel, reason) = self.channel_arg(args);
        let Some(channel) = channel else {
            self.error("Usage: /part #ROOM [REASON] (or use it inside a channel)");
            return;
        };
        let mut message = Message::new("PART").with_param(channel);
        if !reason.is_empty() {
            message = message.with_param(reason);
        }
        self.emit(Effect::Send(message));
    }

    fn cmd_close(&mut self) {
        let index = self.buffers.active_index();
        let buffer = self.buffers.active();
        match buffer.kind {
            BufferKind::Server => {
                self.error("The server buffer stays open; use /quit to leave natter.");
            }
            BufferKind::Channel => {
                if buffer.joined && self.session.registered {
                    let folded = self.session.casemapping.fold(&buffer.name);
                    self.session.closing.insert(folded);
                    let part = Message::new("PART").with_param(buffer.name.clone());
                    self.emit(Effect::Send(part));
                }
                self.buffers.remove(index);
            }
            BufferKind::Private => self.buffers.remove(index),
        }
    }

    fn cmd_topic(&mut self, args: &str) {
        let (channel, text) = self.channel_arg(args);
        let Some(channel) = channel else {
            self.error("Usage: /topic [#ROOM] [NEW TOPIC]");
            return;
        };
        if text.is_empty() {
            let topic = self
                .buffers
                .find(&channel, self.session.casemapping)
                .and_then(|i| self.buffers.get(i))
                .and_then(|b| b.topic.clone());
            match topic {
                Some(topic) => self.info(format!("Topic of {channel}: {topic}")),
                None => self.info(format!("No topic is set for {channel}")),
            }
            return;
        }
        let message = Message::new("TOPIC").with_param(channel).with_param(text);
        self.emit(Effect::Send(message));
    }

    fn cmd_names(&mut self, args: &str) {
        let (channel, _) = self.channel_arg(args);
        let Some(channel) = channel else {
            self.error("Usage: /names #ROOM (or use it inside a channel)");
            return;
        };
        let folded = self.session.casemapping.fold(&channel);
        self.session.names_requested.insert(folded);
        self.emit(Effect::Send(Message::new("NAMES").with_param(channel)));
    }

    /// The seeds' `#`: lists the visible channel's members right away.
    fn names_here(&mut self) {
        let index = self.buffers.active_index();
        if self.buffers.active().kind == BufferKind::Channel {
            self.list_members(index);
        } else {
            self.error("# lists the members of a channel; switch to one with Ctrl+N.");
        }
    }

    /// Prints the commands and the most useful keys into the visible buffer.
    pub(crate) fn print_help(&mut self) {
        let index = self.buffers.active_index();
        self.push_line(index, LineKind::Info, "", "Commands (F1 shows every key):");
        for (usage, what) in COMMAND_HELP {
            self.push_line(index, LineKind::Info, "", &format!("  {usage:<24} {what}"));
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
                let mut line = ChatLine::new(now, line_kind, &nick, App::body(&piece));
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
}

/// Lines that work without a connection.
fn is_local(line: &str) -> bool {
    let trimmed = line.trim();
    if trimmed == "#" || trimmed == "&" {
        return true;
    }
    let Some(rest) = trimmed.strip_prefix('/') else {
        return false;
    };
    let name = rest.split_whitespace().next().unwrap_or_default();
    matches!(
        name.to_ascii_lowercase().as_str(),
        "help" | "clear" | "close" | "quit" | "exit" | "query" | "q"
    ) && !(name.eq_ignore_ascii_case("query") && rest.split_whitespace().count() > 2)
}
