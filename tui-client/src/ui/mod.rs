//! Rendering: `draw(&App, frame)` is pure; each screen part has its module.

pub mod help;
pub mod input;
pub mod messages;
pub mod picker;
pub mod sidebar;
pub mod status;
pub mod tabs;
pub mod trust;

use std::sync::Arc;

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use crate::app::App;
use crate::geometry::Areas;
use crate::text::{self, Row};

/// Smallest terminal the full screen is drawn in.
const MIN_WIDTH: u16 = 20;
/// Smallest terminal height the full screen is drawn in.
const MIN_HEIGHT: u16 = 5;

/// Cells that show a link: the run loop turns them into an OSC 8 hyperlink
/// (see `hyperlinks`) after ratatui has drawn them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkArea {
    /// First column.
    pub x: u16,
    /// Row.
    pub y: u16,
    /// Cells covered.
    pub width: u16,
    /// The checked target (from `links::target`).
    pub target: Arc<str>,
}

/// Draws the whole screen for `app`.
pub fn draw(app: &App, frame: &mut Frame) {
    draw_linked(app, frame);
}

/// Draws the whole screen for `app` and returns where links show (none
/// while an overlay covers the messages).
pub fn draw_linked(app: &App, frame: &mut Frame) -> Vec<LinkArea> {
    let area = frame.area();
    let theme = app.theme();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let buf = frame.buffer_mut();
        put(
            buf,
            area.x,
            area.y,
            area.width,
            "natter: too small",
            theme.warn,
        );
        return Vec::new();
    }
    let areas = Areas::new(
        app.chat.buffers.active(),
        app.chat.settings.sidebar_width,
        area,
    );
    let buf = frame.buffer_mut();
    tabs::render(app, areas.tabs, buf);
    let mut topic_links = Vec::new();
    if let Some(topic) = areas.topic {
        let text = app.chat.buffers.active().topic.clone().unwrap_or_default();
        let runs = crate::chat::Chat::body(&text);
        let styled: Row = runs
            .into_iter()
            .map(|run| {
                let style = theme.topic.patch(run.style);
                text::StyledText {
                    style: if run.link.is_some() {
                        style.patch(theme.link)
                    } else {
                        style
                    },
                    ..run
                }
            })
            .collect();
        buf.set_style(topic, theme.topic);
        let width = topic.width.saturating_sub(1);
        put_row(buf, topic.x + 1, topic.y, width, &styled);
        row_links(&styled, topic.x + 1, topic.y, width, &mut topic_links);
    }
    let mut links = messages::render(app, areas.messages, buf);
    links.extend(topic_links);
    if let Some(sidebar) = areas.sidebar {
        sidebar::render(app, sidebar, buf);
    }
    status::render(app, areas.status, buf);
    let cursor = input::render(app, areas.input, buf);
    if app.view.overlay.is_none() {
        frame.set_cursor_position(cursor);
    }
    help::render_overlay(app, area, frame.buffer_mut());
    if app.view.overlay.is_some() {
        Vec::new()
    } else {
        links
    }
}

/// Writes `text` at (x, y) within `max` cells; returns the x after it.
pub fn put(buf: &mut Buffer, x: u16, y: u16, max: u16, text: &str, style: Style) -> u16 {
    let area = buf.area;
    if y < area.top() || y >= area.bottom() || x >= area.right() || max == 0 {
        return x;
    }
    if text::printable_ascii(text) && x >= area.left() {
        // Most of a busy room: one cell per byte, nothing to clean or
        // segment (what `set_stringn` would do, without its grapheme walk).
        let room = usize::from(max.min(area.right() - x));
        let mut cursor = x;
        for ch in text.chars().take(room) {
            buf[(cursor, y)].set_char(ch).set_style(style);
            cursor += 1;
        }
        return cursor;
    }
    let clean = text::clean(text);
    buf.set_stringn(x, y, clean, usize::from(max), style).0
}

/// Writes a row of styled runs at (x, y) within `max` cells.
pub fn put_row(buf: &mut Buffer, x: u16, y: u16, max: u16, row: &Row) -> u16 {
    let mut cursor = x;
    let end = x.saturating_add(max);
    for run in row {
        if cursor >= end {
            break;
        }
        cursor = put(buf, cursor, y, end - cursor, &run.text, run.style);
    }
    cursor
}

/// Adds the link cells of `row` drawn at (x, y) within `max` cells to
/// `out`, joining the pieces of one link that follow each other.
pub fn row_links(row: &Row, x: u16, y: u16, max: u16, out: &mut Vec<LinkArea>) {
    let end = x.saturating_add(max);
    let mut cursor = x;
    for run in row {
        if cursor >= end {
            break;
        }
        let width = u16::try_from(text::width(&run.text)).unwrap_or(u16::MAX);
        let shown = width.min(end - cursor);
        if let Some(target) = &run.link
            && shown > 0
        {
            match out.last_mut() {
                Some(last)
                    if last.y == y && last.x + last.width == cursor && last.target == *target =>
                {
                    last.width += shown;
                }
                _ => out.push(LinkArea {
                    x: cursor,
                    y,
                    width: shown,
                    target: Arc::clone(target),
                }),
            }
        }
        cursor = cursor.saturating_add(width);
    }
}

/// Fills `area` with blanks in `style`. A double-width character that
/// straddles either edge is blanked too: half of it would otherwise hide
/// the cell next to it (an overlay's border) when the terminal draws it.
pub fn fill(buf: &mut Buffer, area: Rect, style: Style) {
    let area = area.intersection(buf.area);
    for y in area.top()..area.bottom() {
        if let Some(left) = area.x.checked_sub(1)
            && let Some(cell) = buf.cell_mut((left, y))
            && text::width(cell.symbol()) > 1
        {
            cell.set_symbol(" ");
        }
        if area.right() < buf.area.right()
            && let Some(cell) = buf.cell_mut((area.right(), y))
            && text::width(cell.symbol()) == 0
        {
            cell.set_symbol(" ");
        }
    }
    for y in area.top()..area.bottom() {
        for x in area.left()..area.right() {
            if let Some(cell) = buf.cell_mut((x, y)) {
                cell.reset();
                cell.set_style(style);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::{Color, Modifier};

    /// `put`'s ASCII path leaves exactly the cells `set_stringn` would,
    /// clipped by `max` and by the buffer's edge, styles patched alike.
    #[test]
    fn ascii_is_put_like_set_stringn() {
        let area = Rect::new(2, 1, 12, 3);
        let style = Style::new().fg(Color::Red).add_modifier(Modifier::BOLD);
        for text in ["hello", "a longer line than the area", "", " ~!", "x"] {
            for x in 2..15 {
                for max in 0..14 {
                    let mut base = Buffer::empty(area);
                    base.set_style(area, Style::new().bg(Color::Blue));
                    let mut fast = base.clone();
                    let end = put(&mut fast, x, 2, max, text, style);
                    let mut slow = base.clone();
                    let slow_end = if x < area.right() && max > 0 {
                        slow.set_stringn(x, 2, text, usize::from(max), style).0
                    } else {
                        x
                    };
                    assert_eq!(fast, slow, "{text:?} at {x} max {max}");
                    assert_eq!(end, slow_end, "{text:?} at {x} max {max}");
                }
            }
        }
    }
}
