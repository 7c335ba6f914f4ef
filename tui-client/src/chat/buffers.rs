//! Buffers: the server buffer, one per channel and one per private chat, each
//! with its scrollback (capped), unread and mention counts, members and
//! scroll position, and how far back its history has been loaded.

mod prepend;

use std::collections::VecDeque;

use chrono::{DateTime, Utc};
use natter_protocol::Casemapping;

pub use super::history::Older;
use super::members::Members;
use crate::settings::Zone;
use crate::text::StyledText;

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
    fn new(kind: BufferKind, name: &str) -> Buffer {
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

/// All buffers, in tab order, and which one is shown.
#[derive(Debug, Clone)]
pub struct Buffers {
    list: Vec<Buffer>,
    active: usize,
    next_seq: i64,
    /// The next number for a line put above the oldest one (counts down).
    next_older_seq: i64,
    /// Scrollback cap per buffer.
    pub max_lines: usize,
    /// The user's UTC offset, for day separators.
    pub zone: Zone,
    /// Whether this network is the one on screen: when it is not, no
    /// buffer of it is visible and every line counts as unread.
    pub shown: bool,
}

impl Buffers {
    /// A list holding only the server buffer named `server_label`.
    pub fn new(server_label: &str, max_lines: usize, zone: Zone) -> Buffers {
        Buffers {
            list: vec![Buffer::new(BufferKind::Server, server_label)],
            active: 0,
            next_seq: 1,
            next_older_seq: 0,
            max_lines: max_lines.max(100),
            zone,
            shown: true,
        }
    }

    /// All buffers in tab order.
    pub fn all(&self) -> &[Buffer] {
        &self.list
    }

    /// Number of buffers.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Always false: the server buffer cannot be closed.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Index of the visible buffer.
    pub fn active_index(&self) -> usize {
        self.active
    }

    /// The visible buffer.
    pub fn active(&self) -> &Buffer {
        &self.list[self.active.min(self.list.len() - 1)]
    }

    /// The visible buffer, mutably.
    pub fn active_mut(&mut self) -> &mut Buffer {
        let index = self.active.min(self.list.len() - 1);
        &mut self.list[index]
    }

    /// Buffer by index.
    pub fn get(&self, index: usize) -> Option<&Buffer> {
        self.list.get(index)
    }

    /// Buffer by index, mutably.
    pub fn get_mut(&mut self, index: usize) -> Option<&mut Buffer> {
        self.list.get_mut(index)
    }

    /// Index of the channel or private buffer called `name`.
    pub fn find(&self, name: &str, casemapping: Casemapping) -> Option<usize> {
        let folded = casemapping.fold(name);
        self.list
            .iter()
            .position(|b| b.kind != BufferKind::Server && casemapping.fold(&b.name) == folded)
    }

    /// Index of the buffer called `name`, creating it when missing. A new
    /// buffer takes the next free number (the end of the tabs), so the
    /// numbers of the others never change under the user's fingers.
    pub fn ensure(&mut self, kind: BufferKind, name: &str, casemapping: Casemapping) -> usize {
        if let Some(index) = self.find(name, casemapping) {
            return index;
        }
        self.list.push(Buffer::new(kind, name));
        self.list.len() - 1
    }

    /// Moves buffer `from` to position `to` (both indexes; the server
    /// buffer stays first), keeping the same buffer shown. Returns the new
    /// index, or `None` when either is out of range.
    pub fn move_to(&mut self, from: usize, to: usize) -> Option<usize> {
        if from == 0 || to == 0 || from >= self.list.len() || to >= self.list.len() {
            return None;
        }
        let shown = self.active;
        let buffer = self.list.remove(from);
        self.list.insert(to, buffer);
        self.active = if shown == from {
            to
        } else if from < shown && shown <= to {
            shown - 1
        } else if to <= shown && shown < from {
            shown + 1
        } else {
            shown
        };
        Some(to)
    }

    /// Shows buffer `index` and clears its unread marks.
    pub fn set_active(&mut self, index: usize) {
        if index < self.list.len() {
            if index != self.active
                && let Some(left) = self.list.get_mut(self.active)
            {
                // What was there has been read; the next unread lines get a new marker.
                left.read_marker = None;
            }
            self.active = index;
            let buffer = &mut self.list[index];
            buffer.unread = 0;
            buffer.mentions = 0;
        }
    }

    /// This network comes on screen (`true`) or leaves it: its visible
    /// buffer is read once it shows again.
    pub fn set_shown(&mut self, shown: bool) {
        self.shown = shown;
        if shown {
            self.set_active(self.active);
        }
    }

    /// Closes buffer `index` (never the server buffer).
    pub fn remove(&mut self, index: usize) {
        if index == 0 || index >= self.list.len() {
            return;
        }
        self.list.remove(index);
        if self.active >= index && self.active > 0 {
            self.active -= 1;
        }
        let active = self.active;
        self.set_active(active);
    }

    /// Appends a line to buffer `index`, adding a day separator when the
    /// day changed, counting unread and mentions when it is not visible, and
    /// keeping a scrolled-up view still. Returns whether it is visible now.
    pub fn push(&mut self, index: usize, mut line: ChatLine) -> bool {
        let zone = self.zone.clone();
        let visible = self.shown && index == self.active;
        let Some(buffer) = self.list.get_mut(index) else {
            return false;
        };
        let day = zone.local(line.time).date_naive();
        let new_day = buffer
            .lines
            .iter()
            .rev()
            .find(|l| l.kind != LineKind::DaySeparator)
            .is_some_and(|last| zone.local(last.time).date_naive() != day);
        if new_day {
            let mut separator = day_separator(line.time, &zone, line.replayed);
            separator.seq = self.next_seq;
            self.next_seq += 1;
            buffer.lines.push_back(separator);
        }
        line.seq = self.next_seq;
        self.next_seq += 1;
        // Server chatter (notices, MOTD) is not worth a badge; people are.
        let counts = matches!(
            line.kind,
            LineKind::Message | LineKind::Action | LineKind::Notice
        ) && !line.own
            && !line.replayed
            && (buffer.kind != BufferKind::Server || line.highlight);
        if counts && !visible {
            if buffer.unread == 0 && buffer.read_marker.is_none() && !buffer.lines.is_empty() {
                buffer.read_marker = Some(line.seq);
            }
            buffer.unread += 1;
            if line.highlight {
                buffer.mentions += 1;
            }
        }
        if buffer.scroll.is_some() && counts {
            buffer.unseen_below += 1;
        }
        buffer.lines.push_back(line);
        while buffer.lines.len() > self.max_lines {
            buffer.lines.pop_front();
            if buffer.older == Older::Complete {
                // The start of history is no longer in scrollback.
                buffer.older = Older::Unknown;
            }
        }
        if let Some(anchor) = buffer.scroll
            && buffer.index_of(anchor.seq).is_none()
            && let Some(first) = buffer.lines.front()
        {
            buffer.scroll = Some(ScrollAnchor {
                seq: first.seq,
                rows_below: 0,
            });
        }
        visible
    }

    /// Index of the next buffer after the active one with a mention or
    /// whisper waiting, else with unread messages.
    pub fn next_with_activity(&self) -> Option<usize> {
        let n = self.list.len();
        let order = (1..n).map(|step| (self.active + step) % n);
        let candidates: Vec<usize> = order.collect();
        candidates
            .iter()
            .copied()
            .find(|&i| self.list[i].mentions > 0)
            .or_else(|| {
                candidates
                    .iter()
                    .copied()
                    .find(|&i| self.list[i].unread > 0)
            })
    }

    /// Renames a private buffer after a nick change.
    pub fn rename(&mut self, index: usize, name: &str) {
        if let Some(buffer) = self.list.get_mut(index) {
            buffer.name = crate::text::clean(name);
        }
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
