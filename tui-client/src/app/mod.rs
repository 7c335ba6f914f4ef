//! The client's state and its one entry point, [`App::update`]: events in,
//! effects out, no I/O, so every behaviour is testable without a terminal
//! or a socket.

pub mod buffers;
pub mod commands;
pub mod completion;
pub mod history;
pub mod input;
pub mod irc;
pub mod keys;
pub mod members;
pub mod numerics;
pub mod scroll;
pub mod session;

use std::collections::HashSet;

use chrono::{DateTime, FixedOffset, Offset, Utc};
use ratatui::style::Style;

use crate::event::{AppEvent, Effect, NetEvent};
use crate::text::{self, StyledText};
use buffers::{BufferKind, Buffers, ChatLine, LineKind};
use completion::Completion;
use input::InputLine;
use session::Session;

/// Settings the app needs, resolved from the command line and config file.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The nick asked for.
    pub nick: String,
    /// `host:port` shown in the status line and the server tab.
    pub server_label: String,
    /// Channels to join after registering (always includes `#lobby`).
    pub channels: Vec<String>,
    /// Ring the bell for a mention or whisper in a hidden buffer.
    pub bell: bool,
    /// Extra words that count as mentions.
    pub highlights: Vec<String>,
    /// Scrollback lines kept per buffer.
    pub scrollback_lines: usize,
    /// A paste of more lines than this asks before sending.
    pub paste_confirm_lines: usize,
    /// The user's UTC offset for timestamps and day separators.
    pub utc_offset: FixedOffset,
    /// Sidebar width in cells.
    pub sidebar_width: u16,
}

impl Settings {
    /// Defaults for `nick` on `server_label`, in UTC.
    pub fn new(nick: &str, server_label: &str) -> Settings {
        Settings {
            nick: nick.to_owned(),
            server_label: server_label.to_owned(),
            channels: vec![DEFAULT_CHANNEL.to_owned()],
            bell: true,
            highlights: Vec::new(),
            scrollback_lines: 100_000,
            paste_confirm_lines: 3,
            utc_offset: Utc.fix(),
            sidebar_width: 20,
        }
    }
}

/// Whole seconds from `now` until `then`, rounded up so a retry in 0.8 s
/// reads "1s", never "0s".
pub fn seconds_until(now: DateTime<Utc>, then: DateTime<Utc>) -> i64 {
    let millis = (then - now).num_milliseconds().max(0);
    (millis + 999) / 1000
}

/// The room every natter user lands in.
pub const DEFAULT_CHANNEL: &str = "#lobby";

/// The state of the connection, as the status line shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectionState {
    /// Not started yet.
    Starting,
    /// Dialling.
    Connecting {
        /// `host:port`.
        address: String,
        /// Attempt number, from 1.
        attempt: u32,
    },
    /// Connected, registration under way.
    Registering,
    /// Registered: chatting works.
    Online,
    /// Lost; retrying at `retry_at`.
    Disconnected {
        /// Why.
        reason: String,
        /// Next attempt.
        retry_at: DateTime<Utc>,
    },
}

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
}

/// The whole client state.
#[derive(Debug, Clone)]
pub struct App {
    /// Resolved settings.
    pub settings: Settings,
    /// Buffers in tab order.
    pub buffers: Buffers,
    /// The input line.
    pub input: InputLine,
    /// Tab completion in progress.
    pub completion: Option<Completion>,
    /// What we know about the IRC session.
    pub session: Session,
    /// Connection state for the status line.
    pub connection: ConnectionState,
    /// Folded nicks known to be away.
    pub away_nicks: HashSet<String>,
    /// Open overlay, if any.
    pub overlay: Option<Overlay>,
    /// Whether arrow keys move the sidebar selection (F2).
    pub sidebar_focused: bool,
    /// First help row shown while the help overlay is open.
    pub help_scroll: usize,
    /// Terminal size (width, height).
    pub size: (u16, u16),
    /// The current time, from the last tick or network line.
    pub now: DateTime<Utc>,
    /// Set once the user asked to quit.
    pub quitting: bool,
    /// Message ids already shown, so history replayed after a reconnect
    /// does not show twice.
    seen_msgids: std::collections::HashSet<String>,
    seen_order: std::collections::VecDeque<String>,
    effects: Vec<Effect>,
    dirty: bool,
}

impl App {
    /// A fresh client at time `now` in a terminal of `size`.
    pub fn new(settings: Settings, size: (u16, u16), now: DateTime<Utc>) -> App {
        let buffers = Buffers::new(
            &settings.server_label,
            settings.scrollback_lines,
            settings.utc_offset,
        );
        let session = Session::new(&settings.nick);
        App {
            settings,
            buffers,
            input: InputLine::default(),
            completion: None,
            session,
            connection: ConnectionState::Starting,
            away_nicks: HashSet::new(),
            overlay: None,
            sidebar_focused: false,
            help_scroll: 0,
            size,
            now,
            quitting: false,
            seen_msgids: std::collections::HashSet::new(),
            seen_order: std::collections::VecDeque::new(),
            effects: Vec::new(),
            dirty: true,
        }
    }

    /// Applies one event and returns what should be done outside.
    pub fn update(&mut self, event: AppEvent) -> Vec<Effect> {
        match event {
            AppEvent::Key(key) => {
                self.dirty = true;
                self.handle_key(key);
            }
            AppEvent::Mouse(mouse) => {
                self.dirty = true;
                self.handle_mouse(mouse);
            }
            AppEvent::Paste(text) => {
                self.dirty = true;
                self.handle_paste(&text);
            }
            AppEvent::Resize { width, height } => {
                self.dirty = true;
                self.size = (width, height);
            }
            AppEvent::Net(event) => {
                self.dirty = true;
                self.handle_net(event);
            }
            AppEvent::Tick(now) => self.tick(now),
        }
        std::mem::take(&mut self.effects)
    }

    /// Whether something changed since the last call: draw only then.
    pub fn take_needs_redraw(&mut self) -> bool {
        std::mem::replace(&mut self.dirty, false)
    }

    fn tick(&mut self, now: DateTime<Utc>) {
        let minute_changed = now.timestamp() / 60 != self.now.timestamp() / 60;
        let counting_down = matches!(self.connection, ConnectionState::Disconnected { .. });
        if minute_changed || (counting_down && now.timestamp() != self.now.timestamp()) {
            self.dirty = true;
        }
        self.now = now;
        self.probe_lag();
    }

    fn handle_net(&mut self, event: NetEvent) {
        match event {
            NetEvent::Connecting { address, attempt } => {
                self.connection = ConnectionState::Connecting {
                    address: address.clone(),
                    attempt,
                };
                if attempt == 1 {
                    self.server_info(format!("Connecting to {address}…"));
                }
            }
            NetEvent::Connected { address } => {
                self.connection = ConnectionState::Registering;
                self.server_info(format!("Connected to {address}; registering…"));
            }
            NetEvent::Line {
                message,
                received_at,
            } => {
                self.now = self.now.max(received_at);
                self.handle_message(&message, received_at);
            }
            NetEvent::Disconnected { reason, retry_at } => self.on_disconnected(reason, retry_at),
        }
    }

    fn on_disconnected(&mut self, reason: String, retry_at: DateTime<Utc>) {
        let seconds = seconds_until(self.now, retry_at);
        let at = retry_at
            .with_timezone(&self.settings.utc_offset)
            .format("%H:%M:%S");
        let hint = if self.session.registered {
            String::new()
        } else {
            " Is the server running? Start one with `natterd`, or pass HOST[:PORT].".to_owned()
        };
        let text = format!("Disconnected: {reason}. Retrying in {seconds}s (at {at}).{hint}");
        let was_registered = self.session.registered;
        self.reset_history_requests();
        self.session.on_disconnect();
        for index in 0..self.buffers.len() {
            let Some(buffer) = self.buffers.get_mut(index) else {
                continue;
            };
            let is_channel = buffer.kind == BufferKind::Channel;
            if is_channel {
                buffer.members.clear();
            }
            if index == 0 || (was_registered && is_channel) {
                self.push_line(index, LineKind::Error, "", &text);
            }
        }
        self.connection = ConnectionState::Disconnected { reason, retry_at };
    }

    /// Adds a plain line to buffer `index`.
    pub fn push_line(&mut self, index: usize, kind: LineKind, nick: &str, body: &str) {
        let line = ChatLine::new(
            self.now,
            kind,
            nick,
            vec![StyledText::new(body, Style::default())],
        );
        self.buffers.push(index, line);
    }

    /// Information for the user in the visible buffer.
    pub fn info(&mut self, text: impl AsRef<str>) {
        let index = self.buffers.active_index();
        self.push_line(index, LineKind::Info, "", text.as_ref());
    }

    /// An error for the user in the visible buffer.
    pub fn error(&mut self, text: impl AsRef<str>) {
        let index = self.buffers.active_index();
        self.push_line(index, LineKind::Error, "", text.as_ref());
    }

    /// Information in the server buffer.
    pub fn server_info(&mut self, text: impl AsRef<str>) {
        self.push_line(0, LineKind::Info, "", text.as_ref());
    }

    fn emit(&mut self, effect: Effect) {
        self.effects.push(effect);
    }

    /// Whether `text` mentions our nick or a highlight word: as a whole
    /// word, or anywhere for words in scripts written without spaces (CJK).
    pub fn mentions_me(&self, text: &str) -> bool {
        let casemapping = self.session.casemapping;
        let plain = casemapping.fold(&natter_protocol::formatting::strip_formatting(text));
        let mut wanted = vec![casemapping.fold(&self.session.nick)];
        wanted.extend(self.settings.highlights.iter().map(|h| casemapping.fold(h)));
        let words: Vec<&str> = plain
            .split(|c: char| !(c.is_alphanumeric() || "-_[]{}\\|^`".contains(c)))
            .filter(|w| !w.is_empty())
            .collect();
        wanted.iter().filter(|w| !w.is_empty()).any(|word| {
            if word.is_ascii() {
                words.contains(&word.as_str())
            } else {
                plain.contains(word.as_str())
            }
        })
    }

    /// Width and height of the message pane for the current terminal size.
    pub fn message_view(&self) -> (usize, usize) {
        let areas = crate::ui::layout::Areas::compute(self);
        (
            usize::from(areas.messages.width),
            usize::from(areas.messages.height),
        )
    }

    /// The members of the visible buffer in sidebar order (empty unless it
    /// is a channel).
    pub fn sidebar_members(&self) -> Vec<&members::Member> {
        let buffer = self.buffers.active();
        if buffer.kind != BufferKind::Channel {
            return Vec::new();
        }
        buffer
            .members
            .sorted(&self.session.prefix_chars, self.session.casemapping)
    }

    /// Index of the selected member in `sidebar_members`.
    pub fn selected_member_index(&self) -> Option<usize> {
        let selected = self.buffers.active().selected_member.as_ref()?;
        let casemapping = self.session.casemapping;
        self.sidebar_members()
            .iter()
            .position(|m| casemapping.fold(&m.nick) == *selected)
    }

    /// Whether `nick` is away, as far as we know.
    pub fn is_away(&self, nick: &str) -> bool {
        self.away_nicks
            .contains(&self.session.casemapping.fold(nick))
    }

    /// Shows buffer `index`, following its newest lines.
    pub fn switch_to(&mut self, index: usize) {
        self.buffers.set_active(index);
        self.completion = None;
    }

    /// Remembers a message id; false when it was already seen.
    pub(crate) fn first_sighting(&mut self, msgid: &str) -> bool {
        const REMEMBERED: usize = 20_000;
        if !self.seen_msgids.insert(msgid.to_owned()) {
            return false;
        }
        self.seen_order.push_back(msgid.to_owned());
        if self.seen_order.len() > REMEMBERED
            && let Some(oldest) = self.seen_order.pop_front()
        {
            self.seen_msgids.remove(&oldest);
        }
        true
    }

    fn ring_if_hidden(&mut self, visible: bool) {
        if !visible && self.settings.bell {
            self.emit(Effect::Bell);
        }
    }

    /// Sanitised body runs for an incoming text.
    pub fn body(text: &str) -> Vec<StyledText> {
        text::parse_irc_text(text)
    }
}
