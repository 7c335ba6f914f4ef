//! Draws the buffer tabs laid out by `geometry::tabs`.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::{fill, put};
use crate::app::App;
use crate::geometry::tabs::layout;

/// Draws the tab bar.
pub fn render(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = app.theme();
    fill(buf, area, theme.bar);
    for slot in layout(&app.chat, area.width) {
        let x = area.x + slot.x;
        let max = area.right().saturating_sub(x);
        put(buf, x, area.y, max, &slot.label, slot.style);
    }
}
