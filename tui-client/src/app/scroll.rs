//! Scrolling a buffer by display rows: the view is anchored to a line, so
//! new lines arriving below never move what the user is reading, and every
//! step costs only the rows it passes.

use super::buffers::Buffer;
use crate::ui::lines;

/// Where a scrolled-up view ends: the line at the bottom of the pane and how
/// many of its wrapped rows are hidden below the pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScrollAnchor {
    /// `seq` of the bottom line.
    pub seq: i64,
    /// Rows of that line below the bottom edge.
    pub rows_below: usize,
}

impl Buffer {
    /// Position of the line numbered `seq`: numbers increase down the
    /// scrollback but have gaps (they are shared by all buffers).
    pub(crate) fn index_of(&self, seq: i64) -> Option<usize> {
        self.lines.binary_search_by_key(&seq, |line| line.seq).ok()
    }

    fn height(&self, index: usize, width: usize) -> usize {
        self.lines.get(index).map_or(1, |line| {
            lines::height(line, width).max(1) + lines::decorations(self, index).len()
        })
    }

    /// The bottom line index and hidden rows, following or scrolled.
    fn bottom(&self) -> Option<(usize, usize)> {
        let last = self.lines.len().checked_sub(1)?;
        match self.scroll {
            None => Some((last, 0)),
            Some(anchor) => Some(
                self.index_of(anchor.seq)
                    .map_or((0, 0), |i| (i, anchor.rows_below)),
            ),
        }
    }

    /// Scrolls up `rows` rows, stopping when the first line reaches the top of
    /// a pane `width` wide and `view_height` high.
    pub fn scroll_up(&mut self, rows: usize, width: usize, view_height: usize) {
        let Some((mut index, mut below)) = self.bottom() else {
            return;
        };
        below += rows;
        while below >= self.height(index, width) && index > 0 {
            below -= self.height(index, width);
            index -= 1;
        }
        below = below.min(self.height(index, width) - 1);
        // Never scroll past the top: the pane must stay full.
        let mut above = self.height(index, width) - below - 1;
        let mut walk = index;
        while above + 1 < view_height && walk > 0 {
            walk -= 1;
            above += self.height(walk, width);
        }
        if above + 1 < view_height {
            self.scroll_to_top(width, view_height);
            return;
        }
        self.set_anchor(index, below);
    }

    /// Scrolls so that the first line is at the top of the pane.
    pub fn scroll_to_top(&mut self, width: usize, view_height: usize) {
        let mut remaining = view_height;
        let mut index = 0;
        while index < self.lines.len() {
            let h = self.height(index, width);
            if remaining <= h {
                self.set_anchor(index, h - remaining);
                return;
            }
            remaining -= h;
            index += 1;
        }
        // Everything fits: nothing to scroll.
        self.scroll_to_bottom();
    }

    /// Scrolls down `rows` rows; reaching the end resumes following.
    pub fn scroll_down(&mut self, rows: usize, width: usize) {
        let Some((mut index, mut below)) = self.bottom() else {
            return;
        };
        if self.scroll.is_none() {
            return;
        }
        let mut remaining = rows;
        loop {
            if remaining <= below {
                below -= remaining;
                break;
            }
            remaining -= below + 1;
            if index + 1 >= self.lines.len() {
                self.scroll_to_bottom();
                return;
            }
            index += 1;
            below = self.height(index, width) - 1;
        }
        self.set_anchor(index, below);
    }

    fn set_anchor(&mut self, index: usize, rows_below: usize) {
        let last = self.lines.len().saturating_sub(1);
        if index >= last && rows_below == 0 {
            self.scroll_to_bottom();
            return;
        }
        if let Some(line) = self.lines.get(index) {
            self.scroll = Some(ScrollAnchor {
                seq: line.seq,
                rows_below,
            });
        }
    }

    /// Whether a pane `width` wide and `view_height` high shows the first
    /// line (and what is drawn above it).
    pub fn shows_top(&self, width: usize, view_height: usize) -> bool {
        let Some((mut index, below)) = self.bottom() else {
            return true;
        };
        let mut rows = self.height(index, width).saturating_sub(below);
        while rows <= view_height {
            if index == 0 {
                return true;
            }
            index -= 1;
            rows += self.height(index, width);
        }
        false
    }

    /// Back to following new lines.
    pub fn scroll_to_bottom(&mut self) {
        self.scroll = None;
        self.unseen_below = 0;
    }

    /// Lines ending at the bottom of the view, with the number of rows of
    /// the last one hidden below: what the renderer walks backwards from.
    pub fn view_bottom(&self) -> Option<(usize, usize)> {
        self.bottom()
    }
}
