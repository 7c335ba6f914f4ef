//! The client's one entry point, [`App::update`]: events in, effects out,
//! no I/O, so every behaviour is testable without a terminal or a socket.
//!
//! `App` ties the layers together: network events go to the chat model
//! (`chat`), keys become actions through the key table (`view::keymap`) and
//! are applied to the view state (`view`) or the model, and whatever needs
//! to know the screen's shape asks `geometry`. Nothing here draws.

pub mod keys;
pub mod mouse;
pub mod networks;
pub mod picker;
pub mod search;
pub mod trust;

use chrono::{DateTime, Utc};

use crate::chat::Chat;
pub use crate::chat::{ConnectionState, DEFAULT_CHANNEL, seconds_until};
use crate::event::{AppEvent, Effect, NetworkId};
use crate::geometry::Areas;
pub use crate::settings::{Notify, Settings};
pub use crate::view::Overlay;
use crate::view::View;
use crate::view::keymap::KeyMap;

/// The whole client state.
#[derive(Debug, Clone)]
pub struct App {
    /// What IRC told us, and what we tell it.
    pub chat: Chat,
    /// What the user is doing on the screen.
    pub view: View,
    /// Terminal size (width, height).
    pub size: (u16, u16),
    /// The network `chat` belongs to (the visible one).
    pub network: NetworkId,
    /// The other networks' chat models, each with its id.
    pub others: Vec<(NetworkId, Chat)>,
    next_network: u32,
    /// Effects sorted by `networks::route`, returned by the next `update`.
    pending: Vec<Effect>,
    /// Certificate questions of other networks waiting for the open one.
    waiting_questions: std::collections::VecDeque<trust::Question>,
    dirty: bool,
}

impl App {
    /// A fresh client at time `now` in a terminal of `size`.
    pub fn new(settings: Settings, size: (u16, u16), now: DateTime<Utc>) -> App {
        let keys = KeyMap::with_overrides(&settings.key_overrides).unwrap_or_default();
        App {
            chat: Chat::new(settings, now),
            view: View {
                keys,
                ..View::default()
            },
            size,
            network: NetworkId::FIRST,
            others: Vec::new(),
            next_network: NetworkId::FIRST.0 + 1,
            pending: Vec::new(),
            waiting_questions: std::collections::VecDeque::new(),
            dirty: true,
        }
    }

    /// The same client with its keys bound by `keys`.
    pub fn with_keys(mut self, keys: KeyMap) -> App {
        self.view.keys = keys;
        self
    }

    /// Applies one event and returns what should be done outside.
    pub fn update(&mut self, event: AppEvent) -> Vec<Effect> {
        let shown = self.chat.buffers.active_index();
        match event {
            AppEvent::Key(key) => {
                self.dirty = true;
                let before = self.view.input.text().to_owned();
                self.handle_key(key);
                let after = self.view.input.text();
                if after != before && !after.starts_with('/') {
                    self.chat.typing_input_changed(after.is_empty());
                }
            }
            AppEvent::Mouse(mouse) => {
                self.dirty = true;
                self.handle_mouse(mouse);
            }
            AppEvent::Paste(text) => {
                self.dirty = true;
                self.handle_paste(&text);
            }
            AppEvent::Focus(focused) => self.view.focused = focused,
            AppEvent::Resize { width, height } => {
                self.dirty = true;
                self.size = (width, height);
            }
            AppEvent::Net(event) => {
                self.dirty = true;
                self.network_event(NetworkId::FIRST, event);
            }
            AppEvent::NetOf { network, event } => {
                self.dirty = true;
                self.network_event(network, event);
            }
            AppEvent::Tick(now) => {
                if self.chat.tick(now) | self.tick_others(now) {
                    self.dirty = true;
                }
            }
        }
        if self.chat.buffers.active_index() != shown {
            // A completion and a search belong to the buffer they were started in.
            self.view.completion = None;
            self.view.search = None;
        }
        self.continue_search();
        let effects = self.chat.take_effects();
        self.route(self.network, effects, true);
        std::mem::take(&mut self.pending)
    }

    /// Turns alerts into the bell and/or a desktop notification, as
    /// `notify` says, when the buffer is not on screen or the terminal is
    /// not focused.
    fn attention(&self, effects: Vec<Effect>) -> Vec<Effect> {
        let settings = &self.chat.settings;
        let mut out = Vec::with_capacity(effects.len());
        for effect in effects {
            let Effect::Alert {
                visible,
                title,
                body,
            } = effect
            else {
                out.push(effect);
                continue;
            };
            if visible && self.view.focused {
                continue;
            }
            let bell = settings.bell && matches!(settings.notify, Notify::Bell | Notify::Both);
            if bell {
                out.push(Effect::Bell);
            }
            if matches!(settings.notify, Notify::Osc | Notify::Both) {
                out.push(Effect::Notify { title, body });
            }
        }
        out
    }

    /// Colours and styles to draw with.
    pub fn theme(&self) -> &crate::theme::Theme {
        &self.chat.settings.theme
    }

    /// Whether something changed since the last call: draw only then.
    pub fn take_needs_redraw(&mut self) -> bool {
        std::mem::replace(&mut self.dirty, false)
    }

    /// Screen areas for the current terminal size and visible buffer.
    pub fn areas(&self) -> Areas {
        Areas::compute(&self.chat, self.size)
    }

    /// Width and height of the message pane for the current terminal size.
    pub fn message_view(&self) -> (usize, usize) {
        let areas = self.areas();
        (
            usize::from(areas.messages.width),
            usize::from(areas.messages.height),
        )
    }

    /// An error for the user in the visible buffer.
    pub fn error(&mut self, text: impl AsRef<str>) {
        self.chat.error(text);
    }
}
