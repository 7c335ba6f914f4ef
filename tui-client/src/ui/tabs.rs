//! The buffer tabs: unread counts, a mark for mentions and whispers, the
//! visible buffer highlighted, scrolled so the visible tab always shows.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use super::{fill, put, theme};
use crate::app::App;
use crate::app::buffers::BufferKind;
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

fn label(app: &App, index: usize) -> (String, Style) {
    let Some(buffer) = app.buffers.get(index) else {
        return (String::new(), theme::TAB_IDLE);
    };
    let name = match buffer.kind {
        BufferKind::Server => app
            .session
            .network
            .clone()
            .unwrap_or_else(|| buffer.name.clone()),
        _ => buffer.name.clone(),
    };
    let name = text::truncate(&name, 24);
    let badge = if buffer.mentions > 0 {
        format!(" {}!", buffer.unread)
    } else if buffer.unread > 0 {
        format!(" {}", buffer.unread)
    } else {
        String::new()
    };
    let style = if index == app.buffers.active_index() {
        theme::TAB_ACTIVE
    } else if buffer.mentions > 0 {
        theme::TAB_MENTION
    } else if buffer.unread > 0 {
        theme::TAB_UNREAD
    } else {
        theme::TAB_IDLE
    };
    (format!(" {}:{name}{badge} ", index + 1), style)
}

/// The tabs that fit in `width`, scrolled so the visible buffer's tab shows.
pub fn layout(app: &App, width: u16) -> Vec<TabSlot> {
    let labels: Vec<(String, Style)> = (0..app.buffers.len()).map(|i| label(app, i)).collect();
    let widths: Vec<u16> = labels
        .iter()
        .map(|(l, _)| u16::try_from(text::width(l) + 1).unwrap_or(u16::MAX))
        .collect();
    let active = app.buffers.active_index();
    let mut first = 0;
    while first < active
        && widths[first..=active]
            .iter()
            .map(|w| u32::from(*w))
            .sum::<u32>()
            > u32::from(width)
    {
        first += 1;
    }
    let mut slots = Vec::new();
    let mut x: u16 = 0;
    for (index, (label, style)) in labels.into_iter().enumerate().skip(first) {
        if x >= width {
            break;
        }
        let w = widths[index];
        slots.push(TabSlot {
            index,
            x,
            label,
            style,
        });
        x = x.saturating_add(w);
    }
    slots
}

/// Draws the tab bar.
pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    fill(buf, area, theme::BAR);
    for slot in layout(app, area.width) {
        let x = area.x + slot.x;
        let max = area.right().saturating_sub(x);
        put(buf, x, area.y, max, &slot.label, slot.style);
    }
}

/// The buffer whose tab is at `column`, for mouse clicks.
pub fn tab_at(app: &App, area: Rect, column: u16) -> Option<usize> {
    let relative = column.checked_sub(area.x)?;
    layout(app, area.width)
        .into_iter()
        .find(|slot| {
            let w = u16::try_from(text::width(&slot.label)).unwrap_or(u16::MAX);
            relative >= slot.x && relative < slot.x.saturating_add(w)
        })
        .map(|slot| slot.index)
}
