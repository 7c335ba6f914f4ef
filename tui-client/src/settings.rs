//! Settings resolved from the command line and config file, shared by the
//! chat model and the view (plain data, no behaviour).

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, Offset, TimeZone, Utc};

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
    /// How to get attention for a mention or whisper (`notify`).
    pub notify: Notify,
    /// Send and show typing notifications (`typing`).
    pub typing: bool,
    /// Extra words that count as mentions.
    pub highlights: Vec<String>,
    /// Scrollback lines kept per buffer.
    pub scrollback_lines: usize,
    /// A paste of more lines than this asks before sending.
    pub paste_confirm_lines: usize,
    /// The user's time zone for timestamps and day separators.
    pub zone: Zone,
    /// Sidebar width in cells.
    pub sidebar_width: u16,
    /// `[keys]` from the config: action name and keys (checked when read).
    pub key_overrides: Vec<(String, Vec<String>)>,
    /// Ignore masks saved by /ignore.
    pub ignores: Vec<String>,
    /// Where /ignore saves its list (beside the config file).
    pub ignore_file: Option<std::path::PathBuf>,
    /// The program (and first arguments) that opens a link.
    pub opener: Vec<String>,
    /// More networks to open at start (`servers`), as addresses.
    pub servers: Vec<String>,
    /// Colours and styles (`[theme]`).
    pub theme: Arc<crate::theme::Theme>,
}

impl Settings {
    /// Defaults for `nick` on `server_label`, in UTC.
    pub fn new(nick: &str, server_label: &str) -> Settings {
        Settings {
            nick: nick.to_owned(),
            server_label: server_label.to_owned(),
            channels: vec![DEFAULT_CHANNEL.to_owned()],
            bell: true,
            notify: Notify::Bell,
            typing: true,
            highlights: Vec::new(),
            scrollback_lines: 100_000,
            paste_confirm_lines: 3,
            zone: Zone::Fixed(Utc.fix()),
            sidebar_width: 20,
            key_overrides: Vec::new(),
            ignores: Vec::new(),
            ignore_file: None,
            opener: default_opener(),
            servers: Vec::new(),
            theme: Arc::default(),
        }
    }
}

/// The platform's "open this with the default program" command.
pub fn default_opener() -> Vec<String> {
    let program = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    vec![program.to_owned()]
}

/// How a mention or whisper you are not looking at gets your attention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Notify {
    /// The terminal bell.
    #[default]
    Bell,
    /// A desktop notification through the terminal (OSC 777 and OSC 9).
    Osc,
    /// Both.
    Both,
    /// Nothing.
    None,
}

/// A rule giving the UTC offset in force at an instant.
pub type OffsetRule = Arc<dyn Fn(DateTime<Utc>) -> FixedOffset + Send + Sync>;

/// The user's time zone. The offset is looked up for each instant shown,
/// so a daylight-saving change takes effect at once, not at the next start.
#[derive(Clone)]
pub enum Zone {
    /// Always this offset (tests, or a zone without rules).
    Fixed(FixedOffset),
    /// The system's local time zone (`TZ`, `/etc/localtime`).
    Local,
    /// Any other rule (tests of a daylight-saving change).
    Rule(OffsetRule),
}

impl Zone {
    /// The offset in force at `time`.
    pub fn offset_at(&self, time: DateTime<Utc>) -> FixedOffset {
        match self {
            Zone::Fixed(offset) => *offset,
            Zone::Local => chrono::Local
                .offset_from_utc_datetime(&time.naive_utc())
                .fix(),
            Zone::Rule(rule) => rule(time),
        }
    }

    /// `time` on the user's clock.
    pub fn local(&self, time: DateTime<Utc>) -> DateTime<FixedOffset> {
        time.with_timezone(&self.offset_at(time))
    }
}

impl fmt::Debug for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Zone::Fixed(offset) => write!(f, "Zone::Fixed({offset})"),
            Zone::Local => f.write_str("Zone::Local"),
            Zone::Rule(_) => f.write_str("Zone::Rule(..)"),
        }
    }
}
