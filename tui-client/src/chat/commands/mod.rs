//! What happens when a line is submitted: slash commands, the seeds'
//! shortcuts (`#`, `&`, `text@nick`) and plain chat. This module reads the
//! line and dispatches; the commands themselves live by family in the
//! submodules.

mod account;
mod channels;
mod help;
mod moderation;
mod sending;
mod tabs;

pub use help::COMMAND_HELP;
pub use tabs::MAX_LINKS;

use natter_protocol::Message;

use super::buffers::BufferKind;
use super::{Chat, ConnectionState};
use crate::event::Effect;

/// Most lines one paste may send (they go out paced, about two a second).
pub const MAX_PASTE_LINES: usize = 200;

impl Chat {
    /// Sends each line as a message to the visible buffer (a confirmed
    /// paste). Returns false, sending nothing, when there are too many: the
    /// caller gives the text back to the user.
    pub fn say_lines(&mut self, lines: &[String]) -> bool {
        if lines.len() > MAX_PASTE_LINES {
            self.error(format!(
                "That paste has {} lines; natter sends at most {MAX_PASTE_LINES} at once. Share a long text as a file or link instead.",
                lines.len()
            ));
            return false;
        }
        for line in lines {
            self.say_to_active(line, false);
        }
        true
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
            "list" => self.cmd_list(args),
            "whois" => self.cmd_simple("WHOIS", args, "/whois NICK"),
            "register" => self.cmd_register(args),
            "login" | "identify" => self.cmd_login(args),
            "logout" => self.cmd_logout(),
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
            "buffer" | "b" => self.cmd_buffer(args),
            "url" | "urls" | "links" => self.cmd_url(args),
            "connect" => {
                if args.is_empty() || args.contains(char::is_whitespace) {
                    self.error("Usage: /connect HOST[:PORT] (or irc://HOST:PORT, ircs://HOST:PORT)");
                } else {
                    self.emit(Effect::OpenNetwork {
                        address: args.to_owned(),
                    });
                }
            }
            "disconnect" => self.emit(Effect::CloseNetwork {
                reason: if args.is_empty() { "natter" } else { args }.to_owned(),
            }),
            "ignore" => self.cmd_ignore(args, true),
            "unignore" => self.cmd_ignore(args, false),
            "reconnect" => match self.connection {
                ConnectionState::Failed { .. } | ConnectionState::Untrusted { .. } => {
                    self.emit(Effect::Reconnect)
                }
                _ => self.info("natter reconnects by itself; /reconnect is for after a failure it cannot retry."),
            },
            "notice" => self.cmd_notice(args),
            "ctcp" => self.cmd_ctcp(args),
            "version" => self.cmd_version(args),
            other => {
                if !self.run_moderation(other, args) {
                    self.send_unknown(name, args);
                }
            }
        }
    }

    /// A command natter does not know goes to the server as typed (as irssi
    /// and weechat do): `/knock #room please` sends `KNOCK #room please`,
    /// and the server answers (an unknown one with 421).
    fn send_unknown(&mut self, name: &str, args: &str) {
        let line = format!("{} {args}", name.to_ascii_uppercase());
        match Message::parse(line.trim_end()) {
            Ok(message) if name.chars().all(|c| c.is_ascii_alphanumeric()) => {
                self.emit(Effect::Send(message));
            }
            _ => self.error(format!(
                "/{name} is not a command natter or IRC knows. Type /help for the list."
            )),
        }
    }

    /// Leaves natter with a QUIT `reason`.
    pub fn quit(&mut self, reason: &str) {
        self.quitting = true;
        self.emit(Effect::Quit(reason.to_owned()));
    }

    /// A command whose one argument is required, such as /whois NICK.
    fn cmd_simple(&mut self, command: &str, args: &str, usage: &str) {
        let Some(target) = args.split_whitespace().next() else {
            self.error(format!("Usage: {usage}"));
            return;
        };
        self.emit(Effect::Send(Message::new(command).with_param(target)));
    }

    /// /nick: asks the server for a new nick.
    fn cmd_nick(&mut self, args: &str) {
        let nick = args.split_whitespace().next().unwrap_or_default();
        if nick.is_empty() {
            self.error("Usage: /nick NEWNICK");
            return;
        }
        self.emit(Effect::Send(Message::new("NICK").with_param(nick)));
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
}

/// Lines that work without a connection.
pub fn is_local(line: &str) -> bool {
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
        "help"
            | "clear"
            | "close"
            | "quit"
            | "exit"
            | "query"
            | "q"
            | "reconnect"
            | "search"
            | "url"
            | "urls"
            | "connect"
            | "disconnect"
            | "links"
            | "ignore"
            | "unignore"
    ) && !(name.eq_ignore_ascii_case("query") && rest.split_whitespace().count() > 2)
}
