//! One buffer: its scrollback, unread and mention counts, members, topic,
//! where the user reads in it, and how far back its history is loaded.

use std::collections::VecDeque;

use chrono::{DateTime, Utc};

use super::Older;
use super::line::ChatLine;
use crate::chat::members::Members;

/// Where a scrolled-up view ends: the line at the bottom of the pane and how
/// many of its wrapped rows are hidden below the pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScrollAnchor {
    /// `seq` of the bottom line.
    pub seq: i64,
    /// Rows of that line below the bottom edge.
    pub rows_below: usize,
}

/// What a buffer is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum BufferKind {
    /// Server notices, MOTD, errors without a better place.
    Server,
    /// A channel such as `#lobby`.
    Channel,
    /// A private chat with one nick.
    Private,
}

/// One buffer.
#[derive(Debug, Clone)]
pub struct Buffer {
    /// Channel name, nick, or the server label.
    pub name: String,
    /// What it is for.
    pub kind: BufferKind,
    /// Scrollback, oldest first.
    pub lines: VecDeque<ChatLine>,
    /// Messages arrived while not visible.
    pub unread: usize,
    /// Mentions or whispers arrived while not visible.
    pub mentions: usize,
    /// Channel members (empty for other kinds).
    pub members: Members,
    /// Channel topic.
    pub topic: Option<String>,
    /// Whether we are in the channel right now.
    pub joined: bool,
    /// `None` while following new lines; otherwise the scrolled position.
    pub scroll: Option<ScrollAnchor>,
    /// Lines that arrived below a scrolled-up view.
    pub unseen_below: usize,
    /// Folded nicks of recent speakers, most recent last.
    pub recent_speakers: Vec<String>,
    /// Folded nick of the member selected in the sidebar.
    pub selected_member: Option<String>,
    /// `seq` of the first line that arrived while the buffer was hidden: a
    /// "new messages" rule is drawn above it.
    pub read_marker: Option<i64>,
    /// How far back the server's history has been loaded into `lines`.
    pub older: Older,
    /// Messages hidden here because their sender is ignored.
    pub ignored: usize,
    /// Who is typing here: nick, folded nick, until when it shows.
    pub typing: Vec<(String, String, DateTime<Utc>)>,
}

impl Buffer {
    /// An empty buffer of `kind` called `name`.
    pub(super) fn new(kind: BufferKind, name: &str) -> Buffer {
        Buffer {
            name: crate::text::clean(name),
            kind,
            lines: VecDeque::new(),
            unread: 0,
            mentions: 0,
            members: Members::default(),
            topic: None,
            joined: false,
            scroll: None,
            unseen_below: 0,
            recent_speakers: Vec::new(),
            selected_member: None,
            read_marker: None,
            older: Older::Unknown,
            ignored: 0,
            typing: Vec::new(),
        }
    }

    /// The last `max` different link targets of the scrollback, newest
    /// first.
    pub fn recent_links(&self, max: usize) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for line in self.lines.iter().rev() {
            let mut in_line: Vec<&str> = Vec::new();
            for run in &line.body {
                if let Some(link) = run.link.as_deref()
                    && in_line.last() != Some(&link)
                {
                    in_line.push(link);
                }
            }
            for link in in_line.into_iter().rev() {
                if !out.iter().any(|seen| seen == link) {
                    out.push(link.to_owned());
                    if out.len() == max {
                        return out;
                    }
                }
            }
        }
        out
    }

    /// Notes that `folded_nick` just spoke, for nick completion.
    pub fn note_speaker(&mut self, folded_nick: String) {
        self.recent_speakers.retain(|n| *n != folded_nick);
        self.recent_speakers.push(folded_nick);
        if self.recent_speakers.len() > 64 {
            self.recent_speakers.remove(0);
        }
    }
}

/// Where the user reads in a buffer: kept with the buffer so lines arriving
/// below or trimmed above keep it valid; measuring rows is the view's
/// business (`geometry::scroll`).
impl Buffer {
    /// Position of the line numbered `seq`: numbers increase down the
    /// scrollback but have gaps (they are shared by all buffers).
    pub fn index_of(&self, seq: i64) -> Option<usize> {
        self.lines.binary_search_by_key(&seq, |line| line.seq).ok()
    }

    /// Lines ending at the bottom of the view, with the number of rows of
    /// the last one hidden below: what the renderer walks backwards from.
    pub fn view_bottom(&self) -> Option<(usize, usize)> {
        let last = self.lines.len().checked_sub(1)?;
        match self.scroll {
            None => Some((last, 0)),
            Some(anchor) => Some(
                self.index_of(anchor.seq)
                    .map_or((0, 0), |i| (i, anchor.rows_below)),
            ),
        }
    }

    /// Back to following new lines.
    pub fn scroll_to_bottom(&mut self) {
        self.scroll = None;
        self.unseen_below = 0;
    }
}
