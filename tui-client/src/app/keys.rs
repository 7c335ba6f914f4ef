//! Keys: an open overlay or the focused sidebar takes them first; otherwise
//! the key table names an action, and a key without one types into the
//! input line.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::App;
use crate::chat::buffers::BufferKind;
use crate::chat::commands::{MAX_LINKS, is_local};
use crate::event::Effect;
use crate::geometry::scroll;
use crate::view::Overlay;
use crate::view::keymap::{Action, Chord};

impl App {
    pub(crate) fn handle_key(&mut self, key: KeyEvent) {
        if key.kind == KeyEventKind::Release {
            return;
        }
        let action = self.view.keys.action(key);
        if !matches!(action, Some(Action::Complete | Action::CompleteBackwards)) {
            self.view.completion = None;
        }
        if self.overlay_key(key) || self.search_key(key) || self.sidebar_key(key) {
            return;
        }
        // A binding on a plain character (such as `?`) acts only on an
        // empty line; otherwise the character is typed.
        let typing = Chord::from_event(key).is_plain_char() && !self.view.input.is_empty();
        match action {
            Some(action) if !typing => self.perform(action),
            _ => self.type_key(key),
        }
    }

    /// Does what `action` says.
    pub fn perform(&mut self, action: Action) {
        if self.view.edit(action) {
            return;
        }
        match action {
            Action::Submit => self.submit_input(),
            Action::Complete => self.view.complete(&self.chat, false),
            Action::CompleteBackwards => self.view.complete(&self.chat, true),
            Action::ClearOrQuit => {
                if self.view.input.is_empty() {
                    self.chat.quit("natter");
                } else {
                    self.view.input.clear();
                }
            }
            Action::Redraw => self.chat.emit(Effect::Redraw),
            Action::NextBuffer => self.cycle_buffer(1),
            Action::NextNetwork => self.next_network(),
            Action::PreviousBuffer => self.cycle_buffer(-1),
            Action::NextActivity => {
                if let Some(index) = self.chat.buffers.next_with_activity() {
                    self.chat.switch_to(index);
                }
            }
            Action::Buffer(number) => {
                let index = usize::from(number).saturating_sub(1);
                if index < self.chat.buffers.len() {
                    self.chat.switch_to(index);
                }
            }
            Action::MoveBufferLeft => self.chat.move_active_buffer(-1),
            Action::MoveBufferRight => self.chat.move_active_buffer(1),
            Action::SelectMemberUp => self.chat.move_selection(-1),
            Action::SelectMemberDown => self.chat.move_selection(1),
            Action::WhisperSelected => self.chat.whisper_selected(),
            Action::Help => self.view.open_help(),
            Action::Search => self.start_search(None),
            Action::OpenLink => {
                let links = self.chat.buffers.active().recent_links(MAX_LINKS);
                if links.is_empty() {
                    self.chat.info("No links in this buffer yet.");
                } else {
                    self.view.overlay = Some(Overlay::Links { links, selected: 0 });
                }
            }
            Action::FocusSidebar => {
                let chat = &mut self.chat;
                self.view.sidebar_focused = chat.buffers.active().kind == BufferKind::Channel;
                if self.view.sidebar_focused && chat.selected_member_index().is_none() {
                    chat.move_selection(1);
                }
            }
            Action::PageUp => self.scroll_page(true),
            Action::PageDown => self.scroll_page(false),
            Action::ScrollBottom => self.chat.buffers.active_mut().scroll_to_bottom(),
            Action::ScrollTop => {
                let (width, height) = self.message_view();
                let view = height.saturating_sub(1).max(1);
                scroll::scroll_to_top(self.chat.buffers.active_mut(), width, view);
                self.load_older_if_at_top();
            }
            // Editing actions were applied by the view above.
            _ => {}
        }
    }

    /// A key without an action: a character is typed (Ctrl+Alt together is
    /// AltGr on some systems, which types characters too).
    fn type_key(&mut self, key: KeyEvent) {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        if let KeyCode::Char(c) = key.code
            && ctrl == alt
        {
            let mut buffer = [0u8; 4];
            self.view.input.insert(c.encode_utf8(&mut buffer));
        }
    }

    fn overlay_key(&mut self, key: KeyEvent) -> bool {
        let Some(overlay) = self.view.overlay.clone() else {
            return false;
        };
        let view = &mut self.view;
        match overlay {
            Overlay::Help => match key.code {
                KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q' | '?') => view.overlay = None,
                _ if view.keys.action(key) == Some(Action::Help) => view.overlay = None,
                KeyCode::Up => view.help_scroll = view.help_scroll.saturating_sub(1),
                KeyCode::Down => view.help_scroll += 1,
                KeyCode::PageUp => view.help_scroll = view.help_scroll.saturating_sub(10),
                KeyCode::PageDown => view.help_scroll += 10,
                KeyCode::Home => view.help_scroll = 0,
                _ => {}
            },
            Overlay::TrustCertificate(question) => self.trust_key(key, &question),
            Overlay::PickServer(picker) => self.picker_key(key, &picker),
            Overlay::ConfirmPaste { lines } => match key.code {
                KeyCode::Char('y' | 'Y') | KeyCode::Enter => {
                    view.overlay = None;
                    if self.chat.session.registered {
                        if !self.chat.say_lines(&lines) {
                            self.view.input.set_text(&lines.join("\n"));
                        }
                    } else {
                        self.view.input.set_text(&lines.join("\n"));
                        self.chat
                            .error("Not connected: the paste is back in the input line.");
                    }
                }
                KeyCode::Char('n' | 'N') | KeyCode::Esc => {
                    view.overlay = None;
                    view.input.set_text(&lines.join("\n"));
                }
                _ => {}
            },
            Overlay::Links { links, selected } => self.links_key(key, &links, selected),
        }
        true
    }

    /// Keys of the link picker: move, open the highlighted link (Enter) or
    /// link N (a digit), or close.
    fn links_key(&mut self, key: KeyEvent, links: &[String], selected: usize) {
        let last = links.len().saturating_sub(1);
        let chosen = match key.code {
            KeyCode::Up => {
                self.set_link_selection(selected.saturating_sub(1));
                None
            }
            KeyCode::Down => {
                self.set_link_selection((selected + 1).min(last));
                None
            }
            KeyCode::Enter => links.get(selected),
            KeyCode::Char(c @ '1'..='9') => {
                let number = c.to_digit(10).map_or(0, |d| d as usize);
                links.get(number - 1)
            }
            KeyCode::Esc | KeyCode::Char('q') => {
                self.view.overlay = None;
                None
            }
            _ if self.view.keys.action(key) == Some(Action::OpenLink) => {
                self.view.overlay = None;
                None
            }
            _ => None,
        };
        if let Some(link) = chosen {
            self.view.overlay = None;
            self.chat.info(format!("Opening {link}"));
            self.chat.emit(Effect::OpenLink(link.clone()));
        }
    }

    fn set_link_selection(&mut self, to: usize) {
        if let Some(Overlay::Links { selected, .. }) = &mut self.view.overlay {
            *selected = to;
        }
    }

    fn sidebar_key(&mut self, key: KeyEvent) -> bool {
        if !self.view.sidebar_focused {
            return false;
        }
        match key.code {
            KeyCode::Up => self.chat.move_selection(-1),
            KeyCode::Down => self.chat.move_selection(1),
            KeyCode::Enter => {
                self.view.sidebar_focused = false;
                self.chat.whisper_selected();
            }
            KeyCode::Esc | KeyCode::F(2) | KeyCode::Tab => self.view.sidebar_focused = false,
            _ => {
                self.view.sidebar_focused = false;
                return false;
            }
        }
        true
    }

    fn cycle_buffer(&mut self, step: isize) {
        let n = self.chat.buffers.len() as isize;
        let next = (self.chat.buffers.active_index() as isize + step).rem_euclid(n.max(1));
        self.chat.switch_to(next as usize);
    }

    fn scroll_page(&mut self, up: bool) {
        let (width, height) = self.message_view();
        let page = height.saturating_sub(2).max(1);
        let buffer = self.chat.buffers.active_mut();
        if up {
            // While scrolled, the "new messages below" bar takes a row.
            scroll::scroll_up(buffer, page, width, height.saturating_sub(1).max(1));
            self.load_older_if_at_top();
        } else {
            scroll::scroll_down(buffer, page, width);
        }
    }

    /// After the user scrolled up: when the visible buffer shows its first
    /// line, ask the server for what came before.
    pub(crate) fn load_older_if_at_top(&mut self) {
        let (width, height) = self.message_view();
        let buffer = self.chat.buffers.active();
        // While scrolled, the "new messages below" bar takes a row.
        let view = if buffer.scroll.is_some() {
            height.saturating_sub(1).max(1)
        } else {
            height
        };
        if !scroll::shows_top(buffer, width, view) {
            return;
        }
        self.chat.request_older(self.chat.buffers.active_index());
        // A "loading" or "scrollback full" line may now head the buffer:
        // stay at the top so it shows.
        let buffer = self.chat.buffers.active_mut();
        let scrolled_view = height.saturating_sub(1).max(1);
        if !scroll::shows_top(buffer, width, view) {
            scroll::scroll_to_top(buffer, width, scrolled_view);
        }
    }

    /// Enter: sends or runs what is in the input line.
    pub(crate) fn submit_input(&mut self) {
        let text = self.view.input.text().to_owned();
        if text.trim().is_empty() {
            return;
        }
        let lines: Vec<String> = text
            .split('\n')
            .filter(|line| !line.trim().is_empty())
            .map(str::to_owned)
            .collect();
        let local = lines.len() == 1 && is_local(&lines[0]);
        if !local && !self.chat.session.registered {
            self.chat.error("Not connected: your text stays in the input line; press Enter again once the status line says connected.");
            return;
        }
        self.view.input.submit();
        if lines.len() > 1 {
            if lines.len() > self.chat.settings.paste_confirm_lines {
                self.view.overlay = Some(Overlay::ConfirmPaste { lines });
            } else if !self.chat.say_lines(&lines) {
                self.view.input.set_text(&lines.join("\n"));
            }
            return;
        }
        // Commands that act on the view, not the chat, stop here.
        if let Some(rest) = text.strip_prefix("/search")
            && (rest.is_empty() || rest.starts_with(' '))
        {
            let query = rest.trim();
            self.start_search((!query.is_empty()).then_some(query));
            return;
        }
        self.chat.run_line(&text);
    }

    /// Bracketed paste: the text goes into the input line, newlines kept so
    /// Enter can send it line by line (asking first when it is long).
    pub(crate) fn handle_paste(&mut self, text: &str) {
        if self.view.overlay.is_some() {
            return;
        }
        let normalized = text.replace("\r\n", "\n").replace('\r', "\n");
        let clean: String = normalized
            .trim_end_matches('\n')
            .chars()
            .map(|c| if c == '\t' { ' ' } else { c })
            .filter(|c| *c == '\n' || !c.is_control())
            .collect();
        self.view.input.insert(&clean);
    }
}
