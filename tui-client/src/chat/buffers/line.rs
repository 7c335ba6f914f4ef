//! One line of scrollback: what was said, by whom, when, and how it is
//! shown.

use chrono::{DateTime, Utc};

use crate::settings::Zone;
use crate::text::StyledText;

/// How a line is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    /// Someone said something.
    Message,
    /// `/me` action.
    Action,
    /// A NOTICE.
    Notice,
    /// Someone joined (dimmed).
    Joined,
    /// Someone parted or quit (dimmed).
    Left,
    /// A nick change, mode change, topic change or kick (dimmed).
    Event,
    /// Information from the client or server.
    Info,
    /// Something went wrong.
    Error,
    /// Marks the start of a new day.
    DaySeparator,
}

/// One line of scrollback.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatLine {
    /// Increasing from the oldest line to the newest, stable while the line
    /// is in scrollback (history loaded above the oldest line gets lower,
    /// even negative, numbers).
    pub seq: i64,
    /// When it was said (server-time when the server gave one).
    pub time: DateTime<Utc>,
    /// How it is shown.
    pub kind: LineKind,
    /// Who said it; empty for events and info.
    pub nick: String,
    /// The text, already sanitised and styled.
    pub body: Vec<StyledText>,
    /// Whether it mentions us (or is a whisper to us).
    pub highlight: bool,
    /// Whether we said it.
    pub own: bool,
    /// Whether it is history replayed by the server (no badge, no bell,
    /// shown in the backlog style).
    pub replayed: bool,
    /// The server's id for the message (IRCv3 `msgid`), the anchor for
    /// loading older history.
    pub msgid: Option<String>,
    /// Extra cells wrapped rows are indented by, so a table row (`/help`)
    /// keeps its second column when it wraps.
    pub hang: usize,
}

impl ChatLine {
    /// A line with no sequence number yet; `Buffers::push` assigns it.
    pub fn new(time: DateTime<Utc>, kind: LineKind, nick: &str, body: Vec<StyledText>) -> ChatLine {
        ChatLine {
            seq: 0,
            time,
            kind,
            nick: crate::text::clean(nick),
            body,
            highlight: false,
            own: false,
            replayed: false,
            msgid: None,
            hang: 0,
        }
    }

    /// The body as plain text (for tests and searches).
    pub fn text(&self) -> String {
        self.body.iter().map(|run| run.text.as_str()).collect()
    }
}

/// A day separator for the day of `time` (in the user's `offset`), in the
/// backlog style when it heads replayed lines.
pub(crate) fn day_separator(time: DateTime<Utc>, zone: &Zone, replayed: bool) -> ChatLine {
    let label = zone
        .local(time)
        .date_naive()
        .format("%A %-d %B %Y")
        .to_string();
    let mut separator = ChatLine::new(time, LineKind::DaySeparator, "", Vec::new());
    separator.body = vec![StyledText::new(label, Default::default())];
    separator.replayed = replayed;
    separator
}
