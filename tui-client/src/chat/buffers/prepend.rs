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
        let zone = self.zone.clone();
        let day = |line: &ChatLine| zone.local(line.time).date_naive();
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
                block.push(day_separator(line.time, &zone, line.replayed));
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
                block.push(day_separator(front.time, &zone, front.replayed));
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

#[cfg(test)]
mod tests {
    use chrono::{FixedOffset, TimeZone, Utc};

    use crate::settings::Zone;

    use super::super::{BufferKind, Buffers, ChatLine, LineKind};
    use crate::text::StyledText;

    fn said(day: u32, hour: u32, text: &str) -> ChatLine {
        let time = Utc.with_ymd_and_hms(2026, 11, day, hour, 0, 0).unwrap();
        let mut line = ChatLine::new(
            time,
            LineKind::Message,
            "bob",
            vec![StyledText::new(text, Default::default())],
        );
        line.replayed = true;
        line
    }

    fn lobby(max_lines: usize) -> (Buffers, usize) {
        let mut buffers = Buffers::new(
            "srv",
            max_lines,
            Zone::Fixed(FixedOffset::east_opt(0).unwrap()),
        );
        let index = buffers.ensure(BufferKind::Channel, "#lobby", Default::default());
        (buffers, index)
    }

    fn texts(buffers: &Buffers, index: usize) -> Vec<String> {
        buffers
            .get(index)
            .unwrap()
            .lines
            .iter()
            .map(ChatLine::text)
            .collect()
    }

    #[test]
    fn older_days_get_separators_and_the_junction_keeps_one_per_day() {
        let (mut buffers, index) = lobby(1000);
        buffers.push(index, said(22, 9, "today"));
        assert_eq!(
            buffers.prepend(index, vec![said(21, 20, "b"), said(22, 8, "c")]),
            2
        );
        assert_eq!(
            texts(&buffers, index),
            [
                "Saturday 21 November 2026",
                "b",
                "Sunday 22 November 2026",
                "c",
                "today"
            ]
        );
        // The next block ends on Saturday: Saturday's separator moves up.
        assert_eq!(
            buffers.prepend(index, vec![said(20, 10, "z"), said(21, 7, "a")]),
            2
        );
        assert_eq!(
            texts(&buffers, index),
            [
                "Friday 20 November 2026",
                "z",
                "Saturday 21 November 2026",
                "a",
                "b",
                "Sunday 22 November 2026",
                "c",
                "today"
            ]
        );
        let seqs: Vec<i64> = buffers
            .get(index)
            .unwrap()
            .lines
            .iter()
            .map(|l| l.seq)
            .collect();
        assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    }

    #[test]
    fn the_scrollback_cap_keeps_the_newest_of_the_block() {
        let (mut buffers, index) = lobby(100);
        for hour in 0..98 {
            buffers.push(index, said(22, hour % 24, "live"));
        }
        let held = buffers.get(index).unwrap().lines.len();
        let kept = buffers.prepend(
            index,
            (1..=10).map(|h| said(21, h, &format!("old {h}"))).collect(),
        );
        assert_eq!(buffers.get(index).unwrap().lines.len(), 100);
        // Two free lines: the newest old message and Sunday's separator.
        assert_eq!((held, kept), (98, 1));
        assert_eq!(texts(&buffers, index)[0], "old 10");
    }
}
