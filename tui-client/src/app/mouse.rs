//! The mouse: the wheel scrolls the messages, a click on a tab shows its
//! buffer, a click on a member selects it and a second click whispers.

use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};

use super::App;
use crate::geometry::{networks, scroll, sidebar, tabs};

impl App {
    pub(crate) fn handle_mouse(&mut self, mouse: MouseEvent) {
        let areas = self.areas();
        let (width, height) = (
            usize::from(areas.messages.width),
            usize::from(areas.messages.height),
        );
        let position = Position::new(mouse.column, mouse.row);
        match mouse.kind {
            MouseEventKind::ScrollUp => {
                let view = height.saturating_sub(1).max(1);
                scroll::scroll_up(self.chat.buffers.active_mut(), 3, width, view);
                self.load_older_if_at_top();
            }
            MouseEventKind::ScrollDown => {
                scroll::scroll_down(self.chat.buffers.active_mut(), 3, width);
            }
            MouseEventKind::Down(MouseButton::Left) => {
                if areas.tabs.contains(position) {
                    let (tab_area, groups) = self.tab_bar(areas.tabs);
                    if let Some(network) = networks::network_at(&groups, mouse.column) {
                        self.show_network(network);
                    } else if let Some(index) = tabs::tab_at(&self.chat, tab_area, mouse.column) {
                        self.chat.switch_to(index);
                    }
                } else if let Some(area) = areas.sidebar
                    && area.contains(position)
                {
                    self.click_member(area, mouse.row);
                }
            }
            _ => {}
        }
    }

    fn click_member(&mut self, area: Rect, row: u16) {
        let Some(index) = sidebar::member_at(&self.chat, area, row) else {
            return;
        };
        let casemapping = self.chat.session.casemapping;
        let Some(folded) = self
            .chat
            .sidebar_members()
            .get(index)
            .map(|m| casemapping.fold(&m.nick))
        else {
            return;
        };
        if self.chat.buffers.active().selected_member.as_deref() == Some(folded.as_str()) {
            self.chat.whisper_selected();
        } else {
            self.chat.buffers.active_mut().selected_member = Some(folded);
        }
    }
}
