//! Keys as data: every binding is a row of a table from a key chord to an
//! [`Action`]. The F1 help is generated from the table, `[keys]` in
//! config.toml rebinds actions by name, and `natter --print-keys` lists them.

mod chord;

pub use chord::Chord;

use std::collections::HashMap;

use crossterm::event::KeyEvent;

/// Something a key can do. Names (`snake_case`) are what `[keys]` uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Send the line or run the command.
    Submit,
    /// Complete a nick, channel or command.
    Complete,
    /// Cycle completions backwards.
    CompleteBackwards,
    /// Select the member above in the sidebar.
    SelectMemberUp,
    /// Select the member below in the sidebar.
    SelectMemberDown,
    /// Whisper the selected member.
    WhisperSelected,
    /// Move the keys to the sidebar.
    FocusSidebar,
    /// Show the next buffer.
    NextBuffer,
    /// Show the previous buffer.
    PreviousBuffer,
    /// Show buffer number N (1-based).
    Buffer(u8),
    /// Jump to the next buffer with a mention or whisper, else unread.
    NextActivity,
    /// Move the visible buffer's tab one place left.
    MoveBufferLeft,
    /// Move the visible buffer's tab one place right.
    MoveBufferRight,
    /// Scroll the messages a page up.
    PageUp,
    /// Scroll the messages a page down.
    PageDown,
    /// Scroll to the oldest messages, loading older ones.
    ScrollTop,
    /// Back to the newest messages.
    ScrollBottom,
    /// Previous line from input history.
    HistoryPrevious,
    /// Next line from input history.
    HistoryNext,
    /// Cursor one character left.
    CursorLeft,
    /// Cursor one character right.
    CursorRight,
    /// Cursor one word left.
    WordLeft,
    /// Cursor one word right.
    WordRight,
    /// Cursor to the start of the line.
    LineStart,
    /// Cursor to the end of the line.
    LineEnd,
    /// Delete the character before the cursor.
    DeleteBefore,
    /// Delete the character under the cursor.
    DeleteUnder,
    /// Delete the word before the cursor.
    DeleteWord,
    /// Delete to the start of the line.
    DeleteToStart,
    /// Delete to the end of the line.
    DeleteToEnd,
    /// Paste what was last deleted.
    Yank,
    /// Open the help overlay.
    Help,
    /// Search the visible buffer's scrollback.
    Search,
    /// Pick one of the visible buffer's links to open.
    OpenLink,
    /// Show the next network.
    NextNetwork,
    /// Clear and redraw the terminal.
    Redraw,
    /// Clear the input line; on an empty line, quit.
    ClearOrQuit,
}

/// Every action but the numbered buffers, in help order, with its name and
/// description.
const ACTIONS: &[(Action, &str, &str)] = &[
    (Action::Submit, "submit", "send the line / run the command"),
    (
        Action::SelectMemberUp,
        "select_member_up",
        "select the member above in the sidebar",
    ),
    (
        Action::SelectMemberDown,
        "select_member_down",
        "select the member below in the sidebar",
    ),
    (
        Action::WhisperSelected,
        "whisper_selected",
        "whisper the selected member (opens a private buffer)",
    ),
    (
        Action::FocusSidebar,
        "focus_sidebar",
        "focus the sidebar: Up/Down select, Enter whispers, Esc returns",
    ),
    (Action::NextBuffer, "next_buffer", "next buffer"),
    (Action::PreviousBuffer, "previous_buffer", "previous buffer"),
    (
        Action::NextNetwork,
        "next_network",
        "show the next network (/connect opens one)",
    ),
    (
        Action::NextActivity,
        "next_activity",
        "jump to the next buffer with a mention or whisper (else unread)",
    ),
    (
        Action::MoveBufferLeft,
        "move_buffer_left",
        "move this buffer's tab one place left",
    ),
    (
        Action::MoveBufferRight,
        "move_buffer_right",
        "move this buffer's tab one place right",
    ),
    (Action::PageUp, "page_up", "scroll the messages a page up"),
    (
        Action::PageDown,
        "page_down",
        "scroll the messages a page down",
    ),
    (
        Action::ScrollTop,
        "scroll_top",
        "to the oldest messages, loading older ones",
    ),
    (
        Action::ScrollBottom,
        "scroll_bottom",
        "back to the newest messages",
    ),
    (
        Action::Complete,
        "complete",
        "complete a nick (recent speakers first), #channel or /command",
    ),
    (
        Action::CompleteBackwards,
        "complete_backwards",
        "previous completion",
    ),
    (
        Action::HistoryPrevious,
        "history_previous",
        "previous line from history",
    ),
    (
        Action::HistoryNext,
        "history_next",
        "next line from history",
    ),
    (Action::CursorLeft, "cursor_left", "move left by character"),
    (
        Action::CursorRight,
        "cursor_right",
        "move right by character",
    ),
    (Action::WordLeft, "word_left", "move left by word"),
    (Action::WordRight, "word_right", "move right by word"),
    (Action::LineStart, "line_start", "start of the line"),
    (Action::LineEnd, "line_end", "end of the line"),
    (
        Action::DeleteBefore,
        "delete_before",
        "delete before the cursor",
    ),
    (
        Action::DeleteUnder,
        "delete_under",
        "delete under the cursor",
    ),
    (
        Action::DeleteWord,
        "delete_word",
        "delete the word before the cursor",
    ),
    (
        Action::DeleteToStart,
        "delete_to_start",
        "delete to the start of the line",
    ),
    (
        Action::DeleteToEnd,
        "delete_to_end",
        "delete to the end of the line",
    ),
    (Action::Yank, "yank", "paste what was last deleted"),
    (
        Action::Help,
        "help",
        "this help (Up/Down/PgUp/PgDn scroll it, Esc closes)",
    ),
    (
        Action::Search,
        "search",
        "search this buffer: Enter/Up older match, Shift+Enter/Down newer, Esc ends",
    ),
    (
        Action::OpenLink,
        "open_link",
        "pick a link of this buffer to open (Up/Down, Enter or its number)",
    ),
    (Action::Redraw, "redraw", "redraw the screen"),
    (
        Action::ClearOrQuit,
        "clear_or_quit",
        "clear the input line; on an empty line, quit",
    ),
];

/// Numbered buffers that have an action (`buffer_1` … `buffer_10`).
const NUMBERED_BUFFERS: u8 = 10;

/// The default bindings, action name to keys.
const DEFAULTS: &[(&str, &[&str])] = &[
    ("submit", &["Enter"]),
    ("complete", &["Tab"]),
    ("complete_backwards", &["Shift+Tab"]),
    ("select_member_up", &["Alt+Up"]),
    ("select_member_down", &["Alt+Down"]),
    ("whisper_selected", &["Alt+Enter"]),
    ("focus_sidebar", &["F2"]),
    ("next_buffer", &["Ctrl+N", "Alt+Right"]),
    ("previous_buffer", &["Ctrl+P", "Alt+Left"]),
    ("buffer_1", &["Alt+1"]),
    ("buffer_2", &["Alt+2"]),
    ("buffer_3", &["Alt+3"]),
    ("buffer_4", &["Alt+4"]),
    ("buffer_5", &["Alt+5"]),
    ("buffer_6", &["Alt+6"]),
    ("buffer_7", &["Alt+7"]),
    ("buffer_8", &["Alt+8"]),
    ("buffer_9", &["Alt+9"]),
    ("buffer_10", &["Alt+0"]),
    ("next_network", &["Ctrl+X"]),
    ("next_activity", &["Alt+A"]),
    ("move_buffer_left", &["Alt+Shift+Left"]),
    ("move_buffer_right", &["Alt+Shift+Right"]),
    ("page_up", &["PgUp"]),
    ("page_down", &["PgDn"]),
    ("scroll_top", &["Ctrl+Home"]),
    ("scroll_bottom", &["Ctrl+End", "Esc"]),
    ("history_previous", &["Up"]),
    ("history_next", &["Down"]),
    ("cursor_left", &["Left"]),
    ("cursor_right", &["Right"]),
    ("word_left", &["Ctrl+Left", "Alt+B"]),
    ("word_right", &["Ctrl+Right", "Alt+F"]),
    ("line_start", &["Home", "Ctrl+A"]),
    ("line_end", &["End", "Ctrl+E"]),
    ("delete_before", &["Backspace"]),
    ("delete_under", &["Delete"]),
    (
        "delete_word",
        &["Ctrl+W", "Alt+Backspace", "Ctrl+Backspace"],
    ),
    ("delete_to_start", &["Ctrl+U"]),
    ("delete_to_end", &["Ctrl+K"]),
    ("yank", &["Ctrl+Y"]),
    ("help", &["F1", "?"]),
    ("search", &["Ctrl+F"]),
    ("open_link", &["Alt+U"]),
    ("redraw", &["Ctrl+L"]),
    ("clear_or_quit", &["Ctrl+C"]),
];

impl Action {
    /// The action's name in `[keys]`.
    pub fn name(self) -> String {
        match self {
            Action::Buffer(n) => format!("buffer_{n}"),
            other => ACTIONS
                .iter()
                .find(|(action, _, _)| *action == other)
                .map_or_else(String::new, |(_, name, _)| (*name).to_owned()),
        }
    }

    /// The action called `name`.
    pub fn from_name(name: &str) -> Option<Action> {
        if let Some(number) = name.strip_prefix("buffer_") {
            return number
                .parse::<u8>()
                .ok()
                .filter(|n| (1..=NUMBERED_BUFFERS).contains(n))
                .map(Action::Buffer);
        }
        ACTIONS
            .iter()
            .find(|(_, n, _)| *n == name)
            .map(|(action, _, _)| *action)
    }

    /// What the action does, for the help.
    pub fn description(self) -> String {
        match self {
            Action::Buffer(n) => format!("show buffer {n}"),
            other => ACTIONS
                .iter()
                .find(|(action, _, _)| *action == other)
                .map_or_else(String::new, |(_, _, what)| (*what).to_owned()),
        }
    }

    /// Every action, in help order (numbered buffers after switching).
    pub fn all() -> Vec<Action> {
        let mut all: Vec<Action> = Vec::new();
        for (action, _, _) in ACTIONS {
            all.push(*action);
            if *action == Action::PreviousBuffer {
                all.extend((1..=NUMBERED_BUFFERS).map(Action::Buffer));
            }
        }
        all
    }
}

/// The key table: which chord does what.
#[derive(Debug, Clone)]
pub struct KeyMap {
    /// Bindings in help order.
    bindings: Vec<(Action, Vec<Chord>)>,
    by_chord: HashMap<Chord, Action>,
}

impl Default for KeyMap {
    fn default() -> KeyMap {
        let mut bindings = Vec::new();
        for action in Action::all() {
            let name = action.name();
            let keys = DEFAULTS
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, keys)| keys.iter().filter_map(|k| Chord::parse(k).ok()).collect())
                .unwrap_or_default();
            bindings.push((action, keys));
        }
        KeyMap::from_bindings(bindings)
    }
}

impl KeyMap {
    fn from_bindings(bindings: Vec<(Action, Vec<Chord>)>) -> KeyMap {
        let mut by_chord = HashMap::new();
        for (action, chords) in &bindings {
            for chord in chords {
                by_chord.insert(*chord, *action);
            }
        }
        KeyMap { bindings, by_chord }
    }

    /// The defaults with `overrides` (action name, keys) applied: an
    /// action's keys are replaced, and a key taken by the override is
    /// removed from whatever action had it before.
    pub fn with_overrides(overrides: &[(String, Vec<String>)]) -> Result<KeyMap, String> {
        let mut bindings = KeyMap::default().bindings;
        for (name, keys) in overrides {
            let action = Action::from_name(name).ok_or_else(|| {
                format!("unknown action {name:?} (natter --print-keys lists them)")
            })?;
            let chords = keys
                .iter()
                .map(|k| Chord::parse(k))
                .collect::<Result<Vec<_>, _>>()?;
            for (_, existing) in &mut bindings {
                existing.retain(|c| !chords.contains(c));
            }
            if let Some((_, slot)) = bindings.iter_mut().find(|(a, _)| *a == action) {
                *slot = chords;
            }
        }
        Ok(KeyMap::from_bindings(bindings))
    }

    /// What `key` does, if anything.
    pub fn action(&self, key: KeyEvent) -> Option<Action> {
        self.by_chord.get(&Chord::from_event(key)).copied()
    }

    /// The keys bound to `action`.
    pub fn keys(&self, action: Action) -> &[Chord] {
        self.bindings
            .iter()
            .find(|(a, _)| *a == action)
            .map_or(&[], |(_, keys)| keys.as_slice())
    }

    /// The first key bound to `action`, spelled for hints ("Alt+Enter").
    pub fn hint(&self, action: Action) -> Option<String> {
        self.keys(action).first().map(ToString::to_string)
    }

    /// Help entries (keys, action name, description), generated from the
    /// table: numbered buffers share one entry (`buffer_N`).
    pub fn help_entries(&self) -> Vec<(String, String, String)> {
        let mut rows = Vec::new();
        for (action, keys) in &self.bindings {
            if keys.is_empty() {
                continue;
            }
            let spelled: Vec<String> = keys.iter().map(ToString::to_string).collect();
            match action {
                Action::Buffer(1) => {
                    let last = (2..=NUMBERED_BUFFERS)
                        .rev()
                        .find_map(|n| self.keys(Action::Buffer(n)).first());
                    let label = match last {
                        Some(last) => format!("{} … {last}", spelled[0]),
                        None => spelled[0].clone(),
                    };
                    rows.push((
                        label,
                        "buffer_N".to_owned(),
                        "show buffer 1 … 10".to_owned(),
                    ));
                }
                Action::Buffer(_) => {}
                _ => rows.push((spelled.join(" / "), action.name(), action.description())),
            }
        }
        rows
    }

    /// Help rows (keys, description).
    pub fn help_rows(&self) -> Vec<(String, String)> {
        self.help_entries()
            .into_iter()
            .map(|(keys, _, what)| (keys, what))
            .collect()
    }

    /// Every action with its keys, one per line, as `natter --print-keys`
    /// prints them (a valid `[keys]` table).
    pub fn print(&self) -> String {
        let mut out = String::from("[keys]\n");
        for (action, keys) in &self.bindings {
            let keys: Vec<String> = keys
                .iter()
                .map(|k| format!("{:?}", k.to_string()))
                .collect();
            out.push_str(&format!(
                "{} = [{}]  # {}\n",
                action.name(),
                keys.join(", "),
                action.description()
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests;
