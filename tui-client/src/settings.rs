//! Settings resolved from the command line and config file, shared by the
//! chat model and the view (plain data, no behaviour).

use chrono::{FixedOffset, Offset, Utc};

/// The room every natter user lands in.
pub const DEFAULT_CHANNEL: &str = "#lobby";

/// Settings the app needs, resolved from the command line and config file.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The nick asked for.
    pub nick: String,
    /// `host:port` shown in the status line and the server tab.
    pub server_label: String,
    /// Channels to join after registering (always includes `#lobby`).
    pub channels: Vec<String>,
    /// Ring the bell for a mention or whisper in a hidden buffer.
    pub bell: bool,
    /// Extra words that count as mentions.
    pub highlights: Vec<String>,
    /// Scrollback lines kept per buffer.
    pub scrollback_lines: usize,
    /// A paste of more lines than this asks before sending.
    pub paste_confirm_lines: usize,
    /// The user's UTC offset for timestamps and day separators.
    pub utc_offset: FixedOffset,
    /// Sidebar width in cells.
    pub sidebar_width: u16,
}

impl Settings {
    /// Defaults for `nick` on `server_label`, in UTC.
    pub fn new(nick: &str, server_label: &str) -> Settings {
        Settings {
            nick: nick.to_owned(),
            server_label: server_label.to_owned(),
            channels: vec![DEFAULT_CHANNEL.to_owned()],
            bell: true,
            highlights: Vec::new(),
            scrollback_lines: 100_000,
            paste_confirm_lines: 3,
            utc_offset: Utc.fix(),
            sidebar_width: 20,
        }
    }
}
