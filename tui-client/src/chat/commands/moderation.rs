//! Channel operator commands: /kick, /invite, /mode and its shortcuts
//! (/op, /deop, /voice, /devoice, /ban, /unban).

use natter_protocol::Message;

use crate::chat::Chat;
use crate::event::Effect;

/// A shortcut that sets one mode on each of several nicks or masks.
struct ModeShortcut {
    /// `+o`, `-v`, `+b`...
    change: &'static str,
    /// The usage shown when the nicks or masks are missing.
    usage: &'static str,
    /// Whether the arguments are ban masks (a bare nick becomes `NICK!*@*`).
    masks: bool,
}

impl Chat {
    /// Runs an operator command; false when `name` is not one.
    pub(super) fn run_moderation(&mut self, name: &str, args: &str) -> bool {
        let mode = |change, usage, masks| ModeShortcut {
            change,
            usage,
            masks,
        };
        let shortcut = match name {
            "kick" => {
                self.cmd_kick(args);
                return true;
            }
            "invite" => {
                self.cmd_invite(args);
                return true;
            }
            "mode" => {
                self.cmd_mode(args);
                return true;
            }
            "op" => mode("+o", "/op NICK [NICK...]", false),
            "deop" => mode("-o", "/deop NICK [NICK...]", false),
            "voice" => mode("+v", "/voice NICK [NICK...]", false),
            "devoice" => mode("-v", "/devoice NICK [NICK...]", false),
            "ban" => mode("+b", "/ban [MASK...]", true),
            "unban" => mode("-b", "/unban MASK [MASK...]", true),
            _ => return false,
        };
        self.run_mode_shortcut(&shortcut, args);
        true
    }

    /// /kick [#ROOM] NICK [REASON]: removes NICK from the channel.
    fn cmd_kick(&mut self, args: &str) {
        let usage = "Usage: /kick NICK [REASON] (inside a channel, or /kick #ROOM NICK [REASON])";
        let (channel, rest) = self.channel_arg(args);
        let (nick, reason) = rest.split_once(' ').unwrap_or((rest, ""));
        let Some(channel) = channel.filter(|_| !nick.is_empty()) else {
            self.error(usage);
            return;
        };
        let mut message = Message::new("KICK").with_param(channel).with_param(nick);
        if !reason.trim().is_empty() {
            message = message.with_param(reason.trim());
        }
        self.send_checked(message, usage);
    }

    /// /invite NICK [#ROOM]: invites NICK to the channel (default: this one).
    fn cmd_invite(&mut self, args: &str) {
        let usage = "Usage: /invite NICK [#ROOM] (#ROOM defaults to this channel)";
        let mut words = args.split_whitespace();
        let nick = words.next().filter(|n| !self.session.is_channel(n));
        let channel = match words.next() {
            Some(channel) if self.session.is_channel(channel) => Some(channel.to_owned()),
            Some(_) => None,
            None => self.current_channel(),
        };
        let (Some(nick), Some(channel)) = (nick, channel) else {
            self.error(usage);
            return;
        };
        let message = Message::new("INVITE").with_param(nick).with_param(channel);
        self.send_checked(message, usage);
    }

    /// /mode [TARGET] [MODES [ARGS]]: sets modes, or shows them when no
    /// change is given. Without a target the change is for this channel.
    fn cmd_mode(&mut self, args: &str) {
        let usage = "Usage: /mode [TARGET] MODES [ARGS], e.g. /mode +m or /mode #room +o bob (TARGET defaults to this channel; /mode alone shows its modes)";
        let mut words: Vec<&str> = args.split_whitespace().collect();
        let names_target = words
            .first()
            .is_some_and(|w| !w.starts_with('+') && !w.starts_with('-'));
        let target = if names_target {
            Some(words.remove(0).to_owned())
        } else {
            self.current_channel()
        };
        let Some(target) = target else {
            self.error(usage);
            return;
        };
        let message = Message::new("MODE").with_param(target).with_params(words);
        self.send_checked(message, usage);
    }

    /// /op, /voice, /ban...: one MODE line per group of nicks the server
    /// takes at once (ISUPPORT MODES). /ban alone lists the bans.
    fn run_mode_shortcut(&mut self, shortcut: &ModeShortcut, args: &str) {
        let usage = format!("Usage: {} (inside a channel)", shortcut.usage);
        let (channel, rest) = self.channel_arg(args);
        let Some(channel) = channel else {
            self.error(usage);
            return;
        };
        let targets: Vec<String> = rest
            .split_whitespace()
            .map(|t| ban_mask(t, shortcut.masks))
            .collect();
        if targets.is_empty() {
            if shortcut.change == "+b" {
                self.emit(Effect::Send(
                    Message::new("MODE").with_param(channel).with_param("+b"),
                ));
            } else {
                self.error(usage);
            }
            return;
        }
        let (sign, letter) = shortcut.change.split_at(1);
        for group in targets.chunks(self.session.modes_per_line.max(1)) {
            let modes = format!("{sign}{}", letter.repeat(group.len()));
            let message = Message::new("MODE")
                .with_param(channel.clone())
                .with_param(modes)
                .with_params(group.iter().cloned());
            self.send_checked(message, &usage);
        }
    }

    /// The visible buffer's name when it is a channel.
    fn current_channel(&self) -> Option<String> {
        self.channel_arg("").0
    }

    /// Sends `message` unless one of its words could not be sent as typed
    /// (a middle word starting with `:`), which shows `usage` instead.
    fn send_checked(&mut self, message: Message, usage: &str) {
        if message.has_encodable_params() {
            self.emit(Effect::Send(message));
        } else {
            self.error(usage);
        }
    }
}

/// A ban mask for `target`: a bare nick bans every address it uses.
fn ban_mask(target: &str, masks: bool) -> String {
    if masks && !target.contains(['!', '@']) {
        format!("{target}!*@*")
    } else {
        target.to_owned()
    }
}
