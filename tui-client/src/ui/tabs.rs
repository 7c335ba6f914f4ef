//! Draws the buffer tabs laid out by `geometry::tabs`, and the other
//! networks' groups laid out by `geometry::networks`.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::{fill, put};
use crate::app::App;
use crate::geometry::tabs::layout;

/// Draws the tab bar.
pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = app.theme();
    fill(buf, area, theme.bar);
    let (area, groups) = app.tab_bar(area);
    for group in groups {
        let max = buf.area.right().saturating_sub(group.x);
        put(buf, group.x, area.y, max, &group.label, group.style);
    }
    for slot in layout(&app.chat, area.width) {
        let x = area.x + slot.x;
        let max = area.right().saturating_sub(x);
        put(buf, x, area.y, max, &slot.label, slot.style);
    }
}
