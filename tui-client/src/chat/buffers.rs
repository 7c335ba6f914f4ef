//! The buffers of one network in tab order (the server buffer, one per
//! channel and one per private chat) and which one is shown; lines
//! arriving into them: day separators, unread and mention counts, the
//! scrollback cap. One buffer is [`buffer`]'s, one line [`line`]'s.

mod buffer;
mod line;
mod prepend;

use natter_protocol::Casemapping;

pub use super::history::Older;
use crate::settings::Zone;
pub use buffer::{Buffer, BufferKind, ScrollAnchor};
pub(crate) use line::day_separator;
pub use line::{ChatLine, LineKind};

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
