//! Which member row of the sidebar is where: the renderer and mouse clicks
//! use the same arithmetic.

use ratatui::layout::Rect;

use crate::chat::Chat;

/// First member shown, so the selection stays visible in `rows` rows.
pub fn first_visible(selected: Option<usize>, rows: usize) -> usize {
    match selected {
        Some(selected) if rows > 0 && selected >= rows => selected + 1 - rows,
        _ => 0,
    }
}

/// Index into `sidebar_members` of the member drawn at terminal row `row`
/// of the sidebar `area` (its first row is the title).
pub fn member_at(chat: &Chat, area: Rect, row: u16) -> Option<usize> {
    let offset = usize::from(row.checked_sub(area.y + 1)?);
    let rows = usize::from(area.height.saturating_sub(1));
    if offset >= rows {
        return None;
    }
    let index = first_visible(chat.selected_member_index(), rows) + offset;
    (index < chat.sidebar_members().len()).then_some(index)
}
