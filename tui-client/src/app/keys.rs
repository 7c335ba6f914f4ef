//! The keymap and mouse handling. Each part (overlay, sidebar, global keys,
//! input line) says whether it consumed a key, in that order.

use crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};

use super::buffers::BufferKind;
use super::{App, Overlay};
use crate::event::Effect;

/// Every key and what it does, for the F1 overlay and the README.
pub const KEY_HELP: &[(&str, &str)] = &[
    ("Enter", "send the line / run the command"),
    ("Alt+Up / Alt+Down", "select a member in the sidebar"),
    (
        "Alt+Enter",
        "whisper the selected member (opens a private buffer)",
    ),
    (
        "F2",
        "focus the sidebar: Up/Down select, Enter whispers, Esc returns",
    ),
    (
        "mouse click",
        "select a member; click again to whisper; click a tab to show it",
    ),
    ("Ctrl+N / Alt+Right", "next buffer"),
    ("Ctrl+P / Alt+Left", "previous buffer"),
    ("Alt+1 … Alt+9", "show buffer 1 … 9"),
    (
        "Alt+A",
        "jump to the next buffer with a mention or whisper (else unread)",
    ),
    ("PgUp / PgDn", "scroll the messages a page"),
    ("mouse wheel", "scroll the messages"),
    ("Ctrl+Home", "to the oldest messages, loading older ones"),
    ("Ctrl+End / Esc", "back to the newest messages"),
    (
        "Tab / Shift+Tab",
        "complete a nick (recent speakers first), #channel or /command",
    ),
    ("Up / Down", "previous / next line from history"),
    ("Left / Right", "move by character"),
    (
        "Ctrl+Left / Ctrl+Right",
        "move by word (also Alt+B / Alt+F)",
    ),
    ("Home / End, Ctrl+A / Ctrl+E", "start / end of the line"),
    ("Backspace / Delete", "delete before / under the cursor"),
    (
        "Ctrl+W / Alt+Backspace",
        "delete the word before the cursor",
    ),
    ("Ctrl+U / Ctrl+K", "delete to the start / end of the line"),
    ("Ctrl+Y", "paste what was last deleted"),
    (
        "F1, or ? on an empty line",
        "this help (Up/Down/PgUp/PgDn scroll it, Esc closes)",
    ),
    ("Ctrl+L", "redraw the screen"),
    ("Ctrl+C", "clear the input line; on an empty line, quit"),
];

impl App {
    pub(crate) fn handle_key(&mut self, key: KeyEvent) {
        if key.kind == KeyEventKind::Release {
            return;
        }
        if !matches!(key.code, KeyCode::Tab | KeyCode::BackTab) {
            self.completion = None;
        }
        let _consumed = self.overlay_key(key)
            || self.sidebar_key(key)
            || self.global_key(key)
            || self.input_key(key);
    }

    fn overlay_key(&mut self, key: KeyEvent) -> bool {
        let Some(overlay) = self.overlay.clone() else {
            return false;
        };
        match overlay {
            Overlay::Help => match key.code {
                KeyCode::Esc | KeyCode::F(1) | KeyCode::Enter | KeyCode::Char('q' | '?') => {
                    self.overlay = None;
                }
                KeyCode::Up => self.help_scroll = self.help_scroll.saturating_sub(1),
                KeyCode::Down => self.help_scroll += 1,
                KeyCode::PageUp => self.help_scroll = self.help_scroll.saturating_sub(10),
                KeyCode::PageDown => self.help_scroll += 10,
                KeyCode::Home => self.help_scroll = 0,
                _ => {}
            },
            Overlay::ConfirmPaste { lines } => match key.code {
                KeyCode::Char('y' | 'Y') | KeyCode::Enter => {
                    self.overlay = None;
                    if self.session.registered {
                        self.say_lines(&lines);
                    } else {
                        self.input.set_text(&lines.join("\n"));
                        self.error("Not connected: the paste is back in the input line.");
                    }
                }
                KeyCode::Char('n' | 'N') | KeyCode::Esc => {
                    self.overlay = None;
                    self.input.set_text(&lines.join("\n"));
                }
                _ => {}
            },
        }
        true
    }

    fn sidebar_key(&mut self, key: KeyEvent) -> bool {
        if !self.sidebar_focused {
            return false;
        }
        match key.code {
            KeyCode::Up => self.move_selection(-1),
            KeyCode::Down => self.move_selection(1),
            KeyCode::Enter => {
                self.sidebar_focused = false;
                self.whisper_selected();
            }
            KeyCode::Esc | KeyCode::F(2) | KeyCode::Tab => self.sidebar_focused = false,
            _ => {
                self.sidebar_focused = false;
                return false;
            }
        }
        true
    }

    fn global_key(&mut self, key: KeyEvent) -> bool {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        match key.code {
            KeyCode::Char('c') if ctrl => {
                if self.input.is_empty() {
                    self.quit("natter");
                } else {
                    self.input.clear();
                }
            }
            KeyCode::Char('l') if ctrl => self.emit(Effect::Redraw),
            KeyCode::Char('n') if ctrl => self.cycle_buffer(1),
            KeyCode::Char('p') if ctrl => self.cycle_buffer(-1),
            KeyCode::Right if alt => self.cycle_buffer(1),
            KeyCode::Left if alt => self.cycle_buffer(-1),
            KeyCode::Char('a') if alt => {
                if let Some(index) = self.buffers.next_with_activity() {
                    self.switch_to(index);
                }
            }
            KeyCode::Char(digit @ '0'..='9') if alt => {
                let number = digit.to_digit(10).unwrap_or(0) as usize;
                let index = if number == 0 { 9 } else { number - 1 };
                if index < self.buffers.len() {
                    self.switch_to(index);
                }
            }
            KeyCode::Up if alt => self.move_selection(-1),
            KeyCode::Down if alt => self.move_selection(1),
            KeyCode::Enter if alt => self.whisper_selected(),
            KeyCode::F(1) => self.open_help(),
            KeyCode::Char('?') if self.input.is_empty() && !alt && !ctrl => self.open_help(),
            KeyCode::F(2) => {
                self.sidebar_focused = self.buffers.active().kind == BufferKind::Channel;
                if self.sidebar_focused && self.selected_member_index().is_none() {
                    self.move_selection(1);
                }
            }
            KeyCode::PageUp => self.scroll_page(true),
            KeyCode::PageDown => self.scroll_page(false),
            KeyCode::End if ctrl => self.buffers.active_mut().scroll_to_bottom(),
            KeyCode::Home if ctrl => {
                let (width, height) = self.message_view();
                let view = height.saturating_sub(1).max(1);
                self.buffers.active_mut().scroll_to_top(width, view);
                self.load_older_if_at_top();
            }
            KeyCode::Esc => self.buffers.active_mut().scroll_to_bottom(),
            _ => return false,
        }
        true
    }

    fn input_key(&mut self, key: KeyEvent) -> bool {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        let input = &mut self.input;
        match key.code {
            KeyCode::Enter => self.submit_input(),
            KeyCode::Tab => self.complete(false),
            KeyCode::BackTab => self.complete(true),
            KeyCode::Backspace if alt || ctrl => input.kill_word(),
            KeyCode::Backspace => input.backspace(),
            KeyCode::Delete => input.delete(),
            KeyCode::Left if ctrl => input.word_left(),
            KeyCode::Right if ctrl => input.word_right(),
            KeyCode::Left => input.left(),
            KeyCode::Right => input.right(),
            KeyCode::Home => input.home(),
            KeyCode::End => input.end(),
            KeyCode::Up => input.history_previous(),
            KeyCode::Down => input.history_next(),
            KeyCode::Char('a') if ctrl => input.home(),
            KeyCode::Char('e') if ctrl => input.end(),
            KeyCode::Char('k') if ctrl => input.kill_to_end(),
            KeyCode::Char('u') if ctrl => input.kill_to_start(),
            KeyCode::Char('w') if ctrl => input.kill_word(),
            KeyCode::Char('y') if ctrl => input.yank(),
            KeyCode::Char('b') if alt => input.word_left(),
            KeyCode::Char('f') if alt => input.word_right(),
            // Ctrl+Alt together is AltGr on some systems: it types characters.
            KeyCode::Char(c) if ctrl == alt => {
                let mut buffer = [0u8; 4];
                input.insert(c.encode_utf8(&mut buffer));
            }
            _ => return false,
        }
        true
    }

    fn open_help(&mut self) {
        self.help_scroll = 0;
        self.overlay = Some(Overlay::Help);
    }

    fn cycle_buffer(&mut self, step: isize) {
        let n = self.buffers.len() as isize;
        let next = (self.buffers.active_index() as isize + step).rem_euclid(n.max(1));
        self.switch_to(next as usize);
    }

    /// Moves the sidebar selection by `step` members, wrapping around.
    pub(crate) fn move_selection(&mut self, step: isize) {
        let casemapping = self.session.casemapping;
        let members: Vec<String> = self
            .sidebar_members()
            .iter()
            .map(|m| casemapping.fold(&m.nick))
            .collect();
        if members.is_empty() {
            return;
        }
        let n = members.len() as isize;
        let next = match self.selected_member_index() {
            None if step > 0 => 0,
            None => n - 1,
            Some(current) => (current as isize + step).rem_euclid(n),
        };
        self.buffers.active_mut().selected_member = members.get(next as usize).cloned();
    }

    /// Opens the private buffer with the selected member.
    pub(crate) fn whisper_selected(&mut self) {
        let Some(index) = self.selected_member_index() else {
            self.error("No member selected: use Alt+Up/Alt+Down (or F2) in a channel first.");
            return;
        };
        let Some(nick) = self.sidebar_members().get(index).map(|m| m.nick.clone()) else {
            return;
        };
        if self.session.is_me(&nick) {
            self.error("That's you: pick someone else with Alt+Up/Alt+Down.");
            return;
        }
        self.open_private(&nick);
    }

    fn scroll_page(&mut self, up: bool) {
        let (width, height) = self.message_view();
        let page = height.saturating_sub(2).max(1);
        let buffer = self.buffers.active_mut();
        if up {
            // While scrolled, the "new messages below" bar takes a row.
            buffer.scroll_up(page, width, height.saturating_sub(1).max(1));
            self.load_older_if_at_top();
        } else {
            buffer.scroll_down(page, width);
        }
    }

    pub(crate) fn handle_mouse(&mut self, mouse: MouseEvent) {
        let areas = crate::ui::layout::Areas::compute(self);
        let (width, height) = (
            usize::from(areas.messages.width),
            usize::from(areas.messages.height),
        );
        let position = ratatui::layout::Position::new(mouse.column, mouse.row);
        match mouse.kind {
            MouseEventKind::ScrollUp => {
                let view = height.saturating_sub(1).max(1);
                self.buffers.active_mut().scroll_up(3, width, view);
                self.load_older_if_at_top();
            }
            MouseEventKind::ScrollDown => self.buffers.active_mut().scroll_down(3, width),
            MouseEventKind::Down(MouseButton::Left) => {
                if areas.tabs.contains(position) {
                    let hit = crate::ui::tabs::tab_at(self, areas.tabs, mouse.column);
                    if let Some(index) = hit {
                        self.switch_to(index);
                    }
                } else if let Some(sidebar) = areas.sidebar
                    && sidebar.contains(position)
                {
                    self.click_member(sidebar, mouse.row);
                }
            }
            _ => {}
        }
    }

    fn click_member(&mut self, sidebar: ratatui::layout::Rect, row: u16) {
        let Some(index) = crate::ui::sidebar::member_at(self, sidebar, row) else {
            return;
        };
        let casemapping = self.session.casemapping;
        let Some(folded) = self
            .sidebar_members()
            .get(index)
            .map(|m| casemapping.fold(&m.nick))
        else {
            return;
        };
        if self.buffers.active().selected_member.as_deref() == Some(folded.as_str()) {
            self.whisper_selected();
        } else {
            self.buffers.active_mut().selected_member = Some(folded);
        }
    }

    /// Bracketed paste: the text goes into the input line, newlines kept so
    /// Enter can send it line by line (asking first when it is long).
    pub(crate) fn handle_paste(&mut self, text: &str) {
        if self.overlay.is_some() {
            return;
        }
        let normalized = text.replace("\r\n", "\n").replace('\r', "\n");
        let clean: String = normalized
            .trim_end_matches('\n')
            .chars()
            .map(|c| if c == '\t' { ' ' } else { c })
            .filter(|c| *c == '\n' || !c.is_control())
            .collect();
        self.input.insert(&clean);
    }
}
