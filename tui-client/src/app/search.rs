//! The search mode (Ctrl+F or /search TEXT): while it is on, keys edit the
//! query and move between matches; the view follows the match, and at the
//! oldest loaded line the search offers to load older history and goes on
//! when it arrives.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::App;
use crate::chat::history::Older;
use crate::geometry::scroll;
use crate::view::search::{Search, SearchState};

impl App {
    /// Starts a search; with `query`, looks for it at once.
    pub fn start_search(&mut self, query: Option<&str>) {
        let mut search = Search::new();
        if let Some(query) = query {
            search.query = query.to_owned();
        }
        self.view.search = Some(search);
        if query.is_some() {
            self.search_step(true);
        }
    }

    /// Keys while searching; false when the search is off.
    pub(crate) fn search_key(&mut self, key: KeyEvent) -> bool {
        let Some(search) = self.view.search.as_mut() else {
            return false;
        };
        let shift = key.modifiers.contains(KeyModifiers::SHIFT);
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Esc => {
                self.view.search = None;
                self.chat.buffers.active_mut().scroll_to_bottom();
            }
            KeyCode::Enter if shift => self.search_step(false),
            KeyCode::Down => self.search_step(false),
            KeyCode::Enter | KeyCode::Up => self.search_step(true),
            KeyCode::Char('f') if ctrl => self.search_step(true),
            KeyCode::Backspace => {
                search.query.pop();
                search.current = None;
                search.state = SearchState::Typing;
            }
            KeyCode::Char(c) if !ctrl => {
                search.query.push(c);
                search.current = None;
                search.state = SearchState::Typing;
            }
            _ => {}
        }
        true
    }

    /// Moves to the next older (or newer) match and shows it; at the oldest
    /// loaded line, offers (then loads) older history.
    fn search_step(&mut self, older: bool) {
        let index = self.chat.buffers.active_index();
        let Some(mut search) = self.view.search.take() else {
            return;
        };
        if search.query.is_empty() {
            self.view.search = Some(search);
            return;
        }
        if older && search.state == SearchState::OfferOlder {
            self.chat.request_older(index);
            let loading = self.chat.buffers.active().older == Older::Loading;
            search.state = if loading {
                SearchState::Loading
            } else {
                SearchState::Exhausted
            };
            self.view.search = Some(search);
            return;
        }
        let (width, height) = self.message_view();
        let buffer = self.chat.buffers.active_mut();
        match search.step(buffer, older) {
            Some(found) => scroll::reveal(buffer, found, width, height.saturating_sub(1)),
            None if !older => {}
            None => {
                let can_load = self.chat.history_supported()
                    && self.chat.buffers.active().older == Older::Unknown;
                search.state = if can_load {
                    SearchState::OfferOlder
                } else {
                    SearchState::Exhausted
                };
            }
        }
        self.view.search = Some(search);
    }

    /// After an event: a search waiting for older history goes on once it
    /// has arrived.
    pub(crate) fn continue_search(&mut self) {
        let waiting = self
            .view
            .search
            .as_ref()
            .is_some_and(|s| s.state == SearchState::Loading);
        if waiting && self.chat.buffers.active().older != Older::Loading {
            if let Some(search) = self.view.search.as_mut() {
                search.state = SearchState::Found;
            }
            self.search_step(true);
        }
    }
}
