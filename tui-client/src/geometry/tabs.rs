//! Where each buffer tab goes in the tab bar: labels with unread counts and
//! mention marks, scrolled so the visible buffer's tab always shows. Drawing
//! and mouse clicks both use this layout.

use ratatui::layout::Rect;
use ratatui::style::Style;

use crate::chat::Chat;
use crate::chat::buffers::BufferKind;
use crate::text;
use crate::theme;

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
    let Some(buffer) = chat.buffers.get(index) else {
        return (String::new(), theme::TAB_IDLE);
    };
    let name = match buffer.kind {
        BufferKind::Server => chat
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
    let style = if index == chat.buffers.active_index() {
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
pub fn layout(chat: &Chat, width: u16) -> Vec<TabSlot> {
    let labels: Vec<(String, Style)> = (0..chat.buffers.len()).map(|i| label(chat, i)).collect();
    let widths: Vec<u16> = labels
        .iter()
        .map(|(l, _)| u16::try_from(text::width(l) + 1).unwrap_or(u16::MAX))
        .collect();
    let active = chat.buffers.active_index();
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
