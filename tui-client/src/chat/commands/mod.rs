//! What happens when a line is submitted: slash commands, the seeds'
//! shortcuts (`#`, `&`, `text@nick`) and plain chat. This module reads the
//! line and dispatches; the commands themselves live by family in the
//! submodules.

mod account;
mod channels;
mod moderation;
mod sending;

use natter_protocol::Message;

use super::{Chat, ConnectionState};
use ratatui::style::Style;

use super::buffers::{BufferKind, ChatLine, LineKind};
use crate::event::Effect;
use crate::text::StyledText;

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
    (
        "/list [#ROOM,...]",
        "list the server's channels with members and topics",
    ),
    (
        "/invite NICK [#ROOM]",
        "invite NICK to this channel (or #ROOM)",
    ),
    (
        "/kick NICK [REASON]",
        "remove NICK from this channel (operators)",
    ),
    ("/op NICK...", "make NICK a channel operator"),
    ("/deop NICK...", "take NICK's operator status"),
    ("/voice NICK...", "let NICK speak in a moderated channel"),
    ("/devoice NICK...", "take NICK's voice"),
    (
        "/ban [MASK...]",
        "ban MASK or a nick (from any address); alone: list bans",
    ),
    ("/unban MASK...", "lift a ban"),
    (
        "/mode [TARGET] MODES [ARGS]",
        "set or show modes of TARGET (default: this channel)",
    ),
    ("/whois NICK", "who is NICK?"),
    (
        "/register PASSWORD",
        "register your nick as an account (NickServ)",
    ),
    (
        "/login [ACCOUNT] PASSWORD",
        "log in to your account (also /identify); /logout",
    ),
    (
        "/ignore [MASK]",
        "hide a nick's (or nick!user@host mask's) messages and whispers; alone: list",
    ),
    ("/unignore MASK", "stop ignoring MASK"),
    ("/away [MESSAGE]", "mark yourself away"),
    ("/back", "mark yourself back"),
    ("/clear", "clear the current buffer's scrollback"),
    (
        "/url [N]",
        "list this buffer's recent links; /url N opens link N (also Alt+U)",
    ),
    (
        "/search [TEXT]",
        "search this buffer's scrollback (also Ctrl+F)",
    ),
    ("/buffer N", "show buffer N (also /b N)"),
    (
        "/buffer move N",
        "move this buffer's tab to number N (also Alt+Shift+Left/Right)",
    ),
    ("/notice TARGET TEXT", "send a NOTICE to a nick or channel"),
    (
        "/ctcp NICK COMMAND",
        "send a CTCP query (VERSION, PING, TIME, CLIENTINFO)",
    ),
    ("/version [NICK]", "the server's version, or NICK's client"),
    ("/raw LINE", "send a raw IRC line (also /quote)"),
    (
        "/ANYTHING ARGS",
        "other commands go to the server as typed (/knock, /motd …)",
    ),
    ("/help", "this list (also &)"),
    (
        "/connect HOST[:PORT]",
        "open another network (irc:// or ircs:// too); Ctrl+X switches",
    ),
    (
        "/disconnect [REASON]",
        "leave this network and close its buffers",
    ),
    (
        "/reconnect",
        "try again after a failure natter does not retry by itself",
    ),
    ("/quit [MESSAGE]", "leave natter"),
    ("#", "list the members of this channel"),
    ("&", "show this help"),
    ("TEXT@NICK", "whisper NICK when NICK is in this channel"),
    ("//TEXT", "send TEXT starting with a slash"),
];

/// Width of the command column of `/help`.
const HELP_COLUMN: usize = 24;

/// Most links /url and Alt+U offer.
pub const MAX_LINKS: usize = 20;

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

    /// /buffer N shows buffer N; /buffer move N moves this one to number N.
    fn cmd_buffer(&mut self, args: &str) {
        let words: Vec<&str> = args.split_whitespace().collect();
        let count = self.buffers.len();
        let number = |word: &str| {
            word.parse::<usize>()
                .ok()
                .filter(|n| (1..=count).contains(n))
        };
        match words.as_slice() {
            [n] if number(n).is_some() => {
                self.switch_to(number(n).unwrap_or(1) - 1);
            }
            ["move", n] => match number(n) {
                Some(1) => self.error("The server buffer keeps number 1."),
                Some(to) => {
                    let from = self.buffers.active_index();
                    if self.buffers.move_to(from, to - 1).is_none() {
                        self.error("The server buffer keeps number 1.");
                    }
                }
                None => self.error(format!(
                    "There is no buffer {n}: numbers go from 1 to {count}."
                )),
            },
            _ => self.error("Usage: /buffer N, or /buffer move N"),
        }
    }

    /// /url lists the visible buffer's recent links, numbered, newest
    /// first; /url N opens link N. Nothing is ever opened without this.
    fn cmd_url(&mut self, args: &str) {
        let links = self.buffers.active().recent_links(MAX_LINKS);
        if links.is_empty() {
            self.info("No links in this buffer yet.");
            return;
        }
        if args.is_empty() {
            self.info("Links here, newest first (/url N opens one, Alt+U picks):");
            for (number, link) in links.iter().enumerate() {
                self.info(format!("  {:>2}  {link}", number + 1));
            }
            return;
        }
        match args
            .parse::<usize>()
            .ok()
            .and_then(|n| links.get(n.checked_sub(1)?))
        {
            Some(link) => {
                self.info(format!("Opening {link}"));
                self.emit(Effect::OpenLink(link.clone()));
            }
            None => self.error(format!(
                "Usage: /url N with N from 1 to {}; /url alone lists them.",
                links.len()
            )),
        }
    }

    /// Moves the visible buffer's tab `step` places (never before the
    /// server buffer).
    pub fn move_active_buffer(&mut self, step: isize) {
        let from = self.buffers.active_index();
        let to = from as isize + step;
        if to >= 1 {
            let _ = self.buffers.move_to(from, to as usize);
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

    /// Prints the commands and the most useful keys into the visible buffer.
    pub(crate) fn print_help(&mut self) {
        let index = self.buffers.active_index();
        self.push_line(index, LineKind::Info, "", "Commands (F1 shows every key):");
        for (usage, what) in COMMAND_HELP {
            let text = format!("  {usage:<HELP_COLUMN$} {what}");
            let mut line = ChatLine::new(
                self.now,
                LineKind::Info,
                "",
                vec![StyledText::new(text, Style::default())],
            );
            // Wrapped descriptions continue under the description column.
            line.hang = HELP_COLUMN + 3;
            self.buffers.push(index, line);
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
