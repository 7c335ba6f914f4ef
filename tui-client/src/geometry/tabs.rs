//! Where each buffer tab goes in the tab bar: labels with unread counts and
//! mention marks, scrolled so the visible buffer's tab always shows. Drawing
//! and mouse clicks both use this layout.

use ratatui::layout::Rect;
use ratatui::style::Style;

use crate::chat::Chat;
use crate::chat::buffers::BufferKind;
use crate::text;

/// One tab's label, position and look.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TabSlot {
    /// Buffer index.
    pub index: usize,
    /// Left column, relative to the tab bar.
    pub x: u16,
    /// The text shown.
    pub label: String,
    /// How it looks.
    pub style: Style,
}

fn label(chat: &Chat, index: usize) -> (String, Style) {
    let theme = &chat.settings.theme;
    let Some(buffer) = chat.buffers.get(index) else {
        return (String::new(), theme.tab_idle);
    };
    let name = match buffer.kind {
        BufferKind::Server => chat
            .session
            .network
            .clone()
            .unwrap_or_else(|| buffer.name.clone()),
        _ => buffer.name.clone(),
    };
    let name = text::truncate_marked(&name, 24);
    let badge = if buffer.mentions > 0 {
        format!(" {}!", buffer.unread)
    } else if buffer.unread > 0 {
        format!(" {}", buffer.unread)
    } else {
        String::new()
    };
    let style = if index == chat.buffers.active_index() {
        theme.tab_active
    } else if buffer.mentions > 0 {
        theme.tab_mention
    } else if buffer.unread > 0 {
        theme.tab_unread
    } else {
        theme.tab_idle
    };
    (format!(" {}:{name}{badge} ", index + 1), style)
}

/// Activity of tabs scrolled out of the bar, for its overflow marks.
fn hidden_mark(chat: &Chat, range: std::ops::Range<usize>, left: bool) -> (String, Style) {
    let theme = &chat.settings.theme;
    let buffers = range.clone().filter_map(|i| chat.buffers.get(i));
    let (mut mentions, mut unread) = (false, false);
    for buffer in buffers {
        mentions |= buffer.mentions > 0;
        unread |= buffer.unread > 0;
    }
    let count = range.len();
    let bang = if mentions { "!" } else { "" };
    let label = if left {
        format!("‹{count}{bang} ")
    } else {
        format!(" {count}{bang}›")
    };
    let style = if mentions {
        theme.tab_mention
    } else if unread {
        theme.tab_unread
    } else {
        theme.tab_idle
    };
    (label, style)
}

fn cells(text: &str) -> u32 {
    u32::try_from(text::width(text)).unwrap_or(u32::MAX)
}

/// The tabs that fit in `width`, scrolled so the visible buffer's tab
/// shows; tabs that do not fit are counted in a mark at each end (`‹2`,
/// `3!›`), coloured by their activity. Clicking a mark shows the nearest
/// hidden buffer.
pub fn layout(chat: &Chat, width: u16) -> Vec<TabSlot> {
    let labels: Vec<(String, Style)> = (0..chat.buffers.len()).map(|i| label(chat, i)).collect();
    let widths: Vec<u32> = labels.iter().map(|(l, _)| cells(l) + 1).collect();
    let n = labels.len();
    let width = u32::from(width);
    let active = chat.buffers.active_index().min(n.saturating_sub(1));
    let mut window = (0, n);
    if widths.iter().sum::<u32>() > width {
        window = (active, active + 1);
        for first in 0..=active {
            let left = if first > 0 {
                cells(&hidden_mark(chat, 0..first, true).0)
            } else {
                0
            };
            let right_reserve = cells(&hidden_mark(chat, first..n, false).0);
            let mut used = left;
            let mut end = first;
            while end < n && used + widths[end] <= width {
                used += widths[end];
                end += 1;
            }
            if end < n {
                // Not all fit: make room for the right mark.
                while end > first && used + right_reserve > width {
                    end -= 1;
                    used -= widths[end];
                }
            }
            if end > active {
                window = (first, end);
                break;
            }
        }
    }
    let (first, end) = window;
    let mut slots = Vec::new();
    let mut x: u32 = 0;
    let mut push = |index: usize, label: String, style: Style, x: &mut u32, w: u32| {
        slots.push(TabSlot {
            index,
            x: u16::try_from(*x).unwrap_or(u16::MAX),
            label,
            style,
        });
        *x += w;
    };
    if first > 0 {
        let (label, style) = hidden_mark(chat, 0..first, true);
        let w = cells(&label);
        push(first - 1, label, style, &mut x, w);
    }
    for (index, (label, style)) in labels.into_iter().enumerate().take(end).skip(first) {
        push(index, label, style, &mut x, widths[index]);
    }
    if end < n {
        let (label, style) = hidden_mark(chat, end..n, false);
        let w = cells(&label);
        let right = width.saturating_sub(w).max(x);
        x = right;
        push(end, label, style, &mut x, w);
    }
    slots
}

/// The buffer whose tab is at `column`, for mouse clicks.
pub fn tab_at(chat: &Chat, area: Rect, column: u16) -> Option<usize> {
    let relative = column.checked_sub(area.x)?;
    layout(chat, area.width)
        .into_iter()
        .find(|slot| {
            let w = u16::try_from(text::width(&slot.label)).unwrap_or(u16::MAX);
            relative >= slot.x && relative < slot.x.saturating_add(w)
        })
        .map(|slot| slot.index)
}
