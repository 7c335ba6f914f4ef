//! Scrolling a buffer by display rows: the view is anchored to a line, so
//! new lines arriving below never move what the user is reading, and every
//! step costs only the rows it passes. These functions measure lines (they
//! need the pane's width), so they live here, not in the chat model, which
//! only stores the anchor.

use super::lines;
use crate::chat::buffers::{Buffer, ScrollAnchor};

fn height(buffer: &Buffer, index: usize, width: usize) -> usize {
    buffer.lines.get(index).map_or(1, |line| {
        lines::height(line, width).max(1) + lines::decorations(buffer, index).len()
    })
}

/// Scrolls up `rows` rows, stopping when the first line reaches the top of
/// a pane `width` wide and `view_height` high.
pub fn scroll_up(buffer: &mut Buffer, rows: usize, width: usize, view_height: usize) {
    let Some((mut index, mut below)) = buffer.view_bottom() else {
        return;
    };
    below += rows;
    while below >= height(buffer, index, width) && index > 0 {
        below -= height(buffer, index, width);
        index -= 1;
    }
    below = below.min(height(buffer, index, width) - 1);
    // Never scroll past the top: the pane must stay full.
    let mut above = height(buffer, index, width) - below - 1;
    let mut walk = index;
    while above + 1 < view_height && walk > 0 {
        walk -= 1;
        above += height(buffer, walk, width);
    }
    if above + 1 < view_height {
        scroll_to_top(buffer, width, view_height);
        return;
    }
    set_anchor(buffer, index, below);
}

/// Scrolls so that the first line is at the top of the pane.
pub fn scroll_to_top(buffer: &mut Buffer, width: usize, view_height: usize) {
    let mut remaining = view_height;
    let mut index = 0;
    while index < buffer.lines.len() {
        let h = height(buffer, index, width);
        if remaining <= h {
            set_anchor(buffer, index, h - remaining);
            return;
        }
        remaining -= h;
        index += 1;
    }
    // Everything fits: nothing to scroll.
    buffer.scroll_to_bottom();
}

/// Scrolls down `rows` rows; reaching the end resumes following.
pub fn scroll_down(buffer: &mut Buffer, rows: usize, width: usize) {
    let Some((mut index, mut below)) = buffer.view_bottom() else {
        return;
    };
    if buffer.scroll.is_none() {
        return;
    }
    let mut remaining = rows;
    loop {
        if remaining <= below {
            below -= remaining;
            break;
        }
        remaining -= below + 1;
        if index + 1 >= buffer.lines.len() {
            buffer.scroll_to_bottom();
            return;
        }
        index += 1;
        below = height(buffer, index, width) - 1;
    }
    set_anchor(buffer, index, below);
}

/// Scrolls so that line `index` shows about the middle of a pane `width`
/// wide and `view_height` high (a search match, with what follows it).
pub fn reveal(buffer: &mut Buffer, index: usize, width: usize, view_height: usize) {
    let mut bottom = index;
    let mut below = 0;
    while bottom + 1 < buffer.lines.len()
        && below + height(buffer, bottom + 1, width) <= view_height / 2
    {
        bottom += 1;
        below += height(buffer, bottom, width);
    }
    set_anchor(buffer, bottom, 0);
}

fn set_anchor(buffer: &mut Buffer, index: usize, rows_below: usize) {
    let last = buffer.lines.len().saturating_sub(1);
    if index >= last && rows_below == 0 {
        buffer.scroll_to_bottom();
        return;
    }
    if let Some(line) = buffer.lines.get(index) {
        buffer.scroll = Some(ScrollAnchor {
            seq: line.seq,
            rows_below,
        });
    }
}

/// Whether a pane `width` wide and `view_height` high shows the first
/// line (and what is drawn above it).
pub fn shows_top(buffer: &Buffer, width: usize, view_height: usize) -> bool {
    let Some((mut index, below)) = buffer.view_bottom() else {
        return true;
    };
    let mut rows = height(buffer, index, width).saturating_sub(below);
    while rows <= view_height {
        if index == 0 {
            return true;
        }
        index -= 1;
        rows += height(buffer, index, width);
    }
    false
}
