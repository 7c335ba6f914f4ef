//! The command list: its rows (usage and what each does), which `/help`,
//! `&`, the F1 overlay and command completion all read, and `/help` itself.

use ratatui::style::Style;

use crate::chat::Chat;
use crate::chat::buffers::{ChatLine, LineKind};
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

impl Chat {
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
