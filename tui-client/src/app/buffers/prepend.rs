//! Putting older lines above a buffer's scrollback: day separators where the
//! day changes (the block starts with one, as its lines may be from another
//! day), numbers below the oldest line's, and never beyond the scrollback
//! cap. The view is anchored to its bottom line, so it does not move.

use chrono::NaiveDate;

use super::{Buffers, ChatLine, LineKind, ScrollAnchor, day_separator};

impl Buffers {
    /// Puts `lines` (oldest first, all older than buffer `index`'s lines)
    /// above its scrollback. Returns how many of them were kept: the oldest
    /// ones are dropped when the scrollback would exceed its cap.
    pub fn prepend(&mut self, index: usize, lines: Vec<ChatLine>) -> usize {
        let offset = self.utc_offset;
        let day = |line: &ChatLine| line.time.with_timezone(&offset).date_naive();
        let max_lines = self.max_lines;
        let Some(buffer) = self.list.get_mut(index) else {
            return 0;
        };
        let mut block: Vec<ChatLine> = Vec::with_capacity(lines.len() + 2);
        let mut last_day: Option<NaiveDate> = None;
        for line in lines {
            if line.kind == LineKind::DaySeparator {
                continue;
            }
            if last_day != Some(day(&line)) {
                last_day = Some(day(&line));
                block.push(day_separator(line.time, offset, line.replayed));
            }
            block.push(line);
        }
        let Some(last_day) = last_day else {
            return 0;
        };
        match buffer.lines.front() {
            Some(front) if front.kind == LineKind::DaySeparator && day(front) == last_day => {
                // The block now starts that day: its separator moves up.
                if let Some(removed) = buffer.lines.pop_front()
                    && buffer.scroll.is_some_and(|a| a.seq == removed.seq)
                    && let Some(next) = buffer.lines.front()
                {
                    buffer.scroll = Some(ScrollAnchor {
                        seq: next.seq,
                        rows_below: 0,
                    });
                }
            }
            Some(front) if front.kind != LineKind::DaySeparator && day(front) != last_day => {
                block.push(day_separator(front.time, offset, front.replayed));
            }
            _ => {}
        }
        let room = max_lines.saturating_sub(buffer.lines.len());
        if block.len() > room {
            block.drain(..block.len() - room);
        }
        let kept = block
            .iter()
            .filter(|line| line.kind != LineKind::DaySeparator)
            .count();
        for mut line in block.into_iter().rev() {
            line.seq = self.next_older_seq;
            self.next_older_seq -= 1;
            buffer.lines.push_front(line);
        }
        kept
    }
}
