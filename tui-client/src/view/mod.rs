//! View state: what the user is doing on the screen rather than what IRC
//! said — the input line, tab completion, open overlay, sidebar focus, help
//! scroll — and the key table that turns keys into [`keymap::Action`]s.
//! Editing actions are applied here ([`View::edit`]); actions that reach
//! into the chat model are applied by `app`.

pub mod completion;
pub mod input;
pub mod keymap;
pub mod questions;
pub mod search;

use completion::Completion;
use input::InputLine;
use keymap::{Action, KeyMap};
use search::Search;

/// A window drawn over the screen that takes the keys while open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    /// The key and command list.
    Help,
    /// A paste of many lines waiting for yes or no.
    ConfirmPaste {
        /// The lines that would be sent.
        lines: Vec<String>,
    },
    /// A self-signed certificate seen for the first time: trust it always,
    /// this time only, or refuse.
    TrustCertificate(questions::Question),
    /// Several servers answered on the LAN: pick the one to connect to.
    PickServer(questions::Picker),
    /// The visible buffer's recent links, newest first, to pick one to open.
    Links {
        /// Link targets (checked by `links::target`).
        links: Vec<String>,
        /// The highlighted row.
        selected: usize,
    },
}

/// Everything about the screen that is not chat.
#[derive(Debug, Clone)]
pub struct View {
    /// The input line.
    pub input: InputLine,
    /// Tab completion in progress.
    pub completion: Option<Completion>,
    /// Open overlay, if any.
    pub overlay: Option<Overlay>,
    /// Whether arrow keys move the sidebar selection (F2).
    pub sidebar_focused: bool,
    /// First help row shown while the help overlay is open.
    pub help_scroll: usize,
    /// The key table.
    pub keys: KeyMap,
    /// A search of the visible buffer in progress (Ctrl+F).
    pub search: Option<Search>,
    /// Whether the terminal has the focus (focus events; assumed until the
    /// terminal says otherwise).
    pub focused: bool,
}

impl Default for View {
    fn default() -> View {
        View {
            input: InputLine::default(),
            completion: None,
            overlay: None,
            sidebar_focused: false,
            help_scroll: 0,
            keys: KeyMap::default(),
            search: None,
            focused: true,
        }
    }
}

impl View {
    /// Applies an input-line editing action; false when `action` is not one.
    pub fn edit(&mut self, action: Action) -> bool {
        let input = &mut self.input;
        match action {
            Action::DeleteBefore => input.backspace(),
            Action::DeleteUnder => input.delete(),
            Action::DeleteWord => input.kill_word(),
            Action::DeleteToStart => input.kill_to_start(),
            Action::DeleteToEnd => input.kill_to_end(),
            Action::Yank => input.yank(),
            Action::CursorLeft => input.left(),
            Action::CursorRight => input.right(),
            Action::WordLeft => input.word_left(),
            Action::WordRight => input.word_right(),
            Action::LineStart => input.home(),
            Action::LineEnd => input.end(),
            Action::HistoryPrevious => input.history_previous(),
            Action::HistoryNext => input.history_next(),
            _ => return false,
        }
        true
    }

    /// Opens the help overlay at its top.
    pub fn open_help(&mut self) {
        self.help_scroll = 0;
        self.overlay = Some(Overlay::Help);
    }
}
