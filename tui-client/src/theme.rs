//! Colours and styles, in one place so the look can change in one place.

use ratatui::style::{Color, Modifier, Style};

/// Nick colours: readable on dark and light backgrounds.
pub const NICK_COLORS: [Color; 12] = [
    Color::Red,
    Color::Green,
    Color::Yellow,
    Color::Blue,
    Color::Magenta,
    Color::Cyan,
    Color::LightRed,
    Color::LightGreen,
    Color::LightYellow,
    Color::LightBlue,
    Color::LightMagenta,
    Color::LightCyan,
];

/// A stable colour for a nick: the same nick (after case folding) always
/// gets the same colour, in every buffer and every session.
pub fn nick_color(folded_nick: &str) -> Color {
    // FNV-1a: tiny, stable across runs and platforms.
    let mut hash: u32 = 0x811c_9dc5;
    for byte in folded_nick.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    NICK_COLORS[(hash % NICK_COLORS.len() as u32) as usize]
}

/// Timestamps, joins, parts and other quiet lines.
pub const DIM: Style = Style::new().fg(Color::DarkGray);
/// Information from the client or server.
pub const INFO: Style = Style::new().fg(Color::Cyan);
/// Errors.
pub const ERROR: Style = Style::new().fg(Color::LightRed);
/// The nick of a line that mentions us.
pub const HIGHLIGHT: Style = Style::new()
    .fg(Color::Black)
    .bg(Color::Yellow)
    .add_modifier(Modifier::BOLD);
/// Our own nick.
pub const OWN_NICK: Style = Style::new().add_modifier(Modifier::BOLD);
/// The visible tab.
pub const TAB_ACTIVE: Style = Style::new()
    .fg(Color::Black)
    .bg(Color::Cyan)
    .add_modifier(Modifier::BOLD);
/// A tab with a mention or whisper waiting.
pub const TAB_MENTION: Style = Style::new()
    .fg(Color::Black)
    .bg(Color::Yellow)
    .add_modifier(Modifier::BOLD);
/// A tab with unread messages.
pub const TAB_UNREAD: Style = Style::new().fg(Color::White).add_modifier(Modifier::BOLD);
/// A quiet tab.
pub const TAB_IDLE: Style = Style::new().fg(Color::Gray);
/// The tab bar and status bar background.
pub const BAR: Style = Style::new().bg(Color::Indexed(236)).fg(Color::Gray);
/// Connected.
pub const GOOD: Style = Style::new().fg(Color::LightGreen);
/// Connecting or registering.
pub const WARN: Style = Style::new().fg(Color::Yellow);
/// The topic line.
pub const TOPIC: Style = Style::new().fg(Color::Gray).add_modifier(Modifier::ITALIC);
/// The selected member.
pub const SELECTED: Style = Style::new().add_modifier(Modifier::REVERSED);
/// Overlay borders and titles.
pub const OVERLAY: Style = Style::new().fg(Color::Cyan);
/// The "new messages below" bar.
pub const SCROLL_MARK: Style = Style::new()
    .fg(Color::Black)
    .bg(Color::LightBlue)
    .add_modifier(Modifier::BOLD);
/// The "new messages" rule above the first unread line.
pub const READ_MARKER: Style = Style::new().fg(Color::LightRed);
/// History replayed by the server (backlog): its colours, dimmed.
pub const BACKLOG: Style = Style::new().add_modifier(Modifier::DIM);
/// The time of a backlog line: blue instead of grey, so the backlog reads
/// as the past even where the terminal ignores dimming.
pub const BACKLOG_TIME: Style = Style::new().fg(Color::Blue);
/// The "earlier messages" rule above replayed history.
pub const BACKLOG_RULE: Style = Style::new().fg(Color::Blue);
/// The `[search]` prompt.
pub const SEARCH_PROMPT: Style = Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD);
/// Every occurrence of the search text in the messages.
pub const SEARCH_MATCH: Style = Style::new().fg(Color::Black).bg(Color::Yellow);
/// The line of the match the search shows now.
pub const SEARCH_CURRENT: Style = Style::new().bg(Color::Indexed(238));
/// The input line's hint while it is empty.
pub const PLACEHOLDER: Style = Style::new()
    .fg(Color::DarkGray)
    .add_modifier(Modifier::ITALIC);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nick_colours_are_stable_and_spread() {
        assert_eq!(nick_color("alice"), nick_color("alice"));
        let colours: std::collections::HashSet<_> = ["alice", "bob", "carol", "dave", "erin"]
            .iter()
            .map(|n| format!("{:?}", nick_color(n)))
            .collect();
        assert!(colours.len() >= 3);
    }
}
