//! Where each part of the screen goes for a given terminal size; shared by
//! drawing and by mouse and scroll handling so both agree.

use ratatui::layout::Rect;

use crate::chat::Chat;
use crate::chat::buffers::{Buffer, BufferKind};

/// Below this width the sidebar hides so the messages keep their room.
pub const SIDEBAR_MIN_TERMINAL_WIDTH: u16 = 60;

/// Screen areas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    /// Buffer tabs (top row).
    pub tabs: Rect,
    /// Channel topic (under the tabs), when there is one and room for it.
    pub topic: Option<Rect>,
    /// Message pane.
    pub messages: Rect,
    /// Member sidebar, when shown.
    pub sidebar: Option<Rect>,
    /// Status line.
    pub status: Rect,
    /// Input line (bottom row).
    pub input: Rect,
}

impl Areas {
    /// Areas for the visible buffer of `chat` in a terminal of `size`.
    pub fn compute(chat: &Chat, size: (u16, u16)) -> Areas {
        Areas::new(
            chat.buffers.active(),
            chat.settings.sidebar_width,
            Rect::new(0, 0, size.0, size.1),
        )
    }

    /// Areas inside `area` while `buffer` is shown.
    pub fn new(buffer: &Buffer, sidebar_width: u16, area: Rect) -> Areas {
        let rows = area.height;
        let row = |offset: u16| {
            Rect::new(
                area.x,
                area.y + offset,
                area.width,
                1.min(rows.saturating_sub(offset)),
            )
        };
        let tabs = row(0);
        let input = row(rows.saturating_sub(1));
        let status = row(rows.saturating_sub(2));
        let show_topic = buffer.kind == BufferKind::Channel && buffer.topic.is_some() && rows >= 12;
        let top = if show_topic { 2 } else { 1 };
        let middle_height = rows.saturating_sub(top + 2);
        let middle = Rect::new(area.x, area.y + top.min(rows), area.width, middle_height);
        let topic = show_topic.then(|| row(1));
        let sidebar_width = sidebar_width.clamp(10, 40);
        let show_sidebar = buffer.kind == BufferKind::Channel
            && area.width >= SIDEBAR_MIN_TERMINAL_WIDTH
            && middle_height > 0;
        if show_sidebar {
            let messages = Rect::new(
                middle.x,
                middle.y,
                middle.width - sidebar_width,
                middle.height,
            );
            let sidebar = Rect::new(
                middle.right() - sidebar_width,
                middle.y,
                sidebar_width,
                middle.height,
            );
            Areas {
                tabs,
                topic,
                messages,
                sidebar: Some(sidebar),
                status,
                input,
            }
        } else {
            Areas {
                tabs,
                topic,
                messages: middle,
                sidebar: None,
                status,
                input,
            }
        }
    }
}
