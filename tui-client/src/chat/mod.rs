//! The chat model: what IRC told us (buffers, members, topics, history,
//! registration, our session) and the commands a user types, with its own
//! update ([`Chat::handle_net`], [`Chat::run_line`], [`Chat::tick`]). It
//! knows nothing of the screen: no sizes, no keys, no styles beyond the
//! IRC formatting of message text.

pub mod buffers;
pub mod commands;
pub mod history;
pub mod ignore;
pub mod irc;
pub mod members;
pub mod numerics;
pub mod session;
pub mod typing;

use std::collections::{HashSet, VecDeque};

use chrono::{DateTime, Utc};
use ratatui::style::Style;

use crate::event::{Effect, NetEvent, StsNews};
pub use crate::settings::{DEFAULT_CHANNEL, Settings};
use crate::text::{self, StyledText};
use buffers::{BufferKind, Buffers, ChatLine, LineKind};
use session::Session;

/// Whole seconds from `now` until `then`, rounded up so a retry in 0.8 s
/// reads "1s", never "0s".
pub fn seconds_until(now: DateTime<Utc>, then: DateTime<Utc>) -> i64 {
    let millis = (then - now).num_milliseconds().max(0);
    (millis + 999) / 1000
}

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
    /// Connecting cannot succeed as things are; waiting for /reconnect.
    Failed {
        /// Why.
        reason: String,
    },
    /// The server presented a certificate nobody trusts yet: the trust
    /// question is open, or was refused (then /reconnect asks again).
    Untrusted {
        /// `host:port` that presented it.
        address: String,
    },
    /// Lost; retrying at `retry_at`.
    Disconnected {
        /// Why.
        reason: String,
        /// Next attempt.
        retry_at: DateTime<Utc>,
    },
}

/// The connection a network is on: what the status line names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// `host:port` really connected to (an STS upgrade changes the port).
    pub address: String,
    /// Whether it is TLS.
    pub secure: bool,
}

/// The chat model of one client.
#[derive(Debug, Clone)]
pub struct Chat {
    /// Resolved settings.
    pub settings: Settings,
    /// Buffers in tab order.
    pub buffers: Buffers,
    /// What we know about the IRC session.
    pub session: Session,
    /// Connection state for the status line.
    pub connection: ConnectionState,
    /// The connection in use, once the TCP (and TLS) connection is up.
    pub link: Option<Link>,
    /// Folded nicks known to be away.
    pub away_nicks: HashSet<String>,
    /// The current time, from the last tick or network line.
    pub now: DateTime<Utc>,
    /// Set once the user asked to quit.
    pub quitting: bool,
    /// People whose messages are hidden (/ignore).
    pub ignores: ignore::IgnoreList,
    /// Our last `+typing=active`: to whom and when (for throttling).
    typing_sent: Option<(String, DateTime<Utc>)>,
    /// Message ids already shown, so history replayed after a reconnect
    /// does not show twice.
    seen_msgids: HashSet<String>,
    seen_order: VecDeque<String>,
    effects: Vec<Effect>,
}

impl Chat {
    /// A fresh, unconnected model at time `now`.
    pub fn new(settings: Settings, now: DateTime<Utc>) -> Chat {
        let buffers = Buffers::new(
            &settings.server_label,
            settings.scrollback_lines,
            settings.zone.clone(),
        );
        let session = Session::new(&settings.nick);
        let ignores = ignore::IgnoreList::new(settings.ignores.clone());
        Chat {
            settings,
            buffers,
            session,
            connection: ConnectionState::Starting,
            link: None,
            away_nicks: HashSet::new(),
            now,
            quitting: false,
            ignores,
            typing_sent: None,
            seen_msgids: HashSet::new(),
            seen_order: VecDeque::new(),
            effects: Vec::new(),
        }
    }

    /// The effects queued since the last call.
    pub fn take_effects(&mut self) -> Vec<Effect> {
        std::mem::take(&mut self.effects)
    }

    /// The clock advanced: probes lag. Returns whether the screen shows
    /// something that changed with the time (the minute, a countdown).
    pub fn tick(&mut self, now: DateTime<Utc>) -> bool {
        let minute_changed = now.timestamp() / 60 != self.now.timestamp() / 60;
        let counting_down = matches!(self.connection, ConnectionState::Disconnected { .. });
        let changed = minute_changed || (counting_down && now.timestamp() != self.now.timestamp());
        self.now = now;
        self.probe_lag();
        let typing_expired = self.expire_typing(now);
        changed || typing_expired
    }

    /// Applies one report of the network task.
    pub fn handle_net(&mut self, event: NetEvent) {
        match event {
            NetEvent::Connecting { address, attempt } => {
                self.link = None;
                self.connection = ConnectionState::Connecting {
                    address: address.clone(),
                    attempt,
                };
                if attempt == 1 {
                    self.server_info(format!("Connecting to {address}…"));
                }
            }
            NetEvent::Connected { address, secure } => {
                self.connection = ConnectionState::Registering;
                let how = if secure { " with TLS" } else { "" };
                self.server_info(format!("Connected to {address}{how}; registering…"));
                self.link = Some(Link { address, secure });
            }
            NetEvent::Line {
                message,
                received_at,
            } => {
                self.now = self.now.max(received_at);
                self.handle_message(&message, received_at);
            }
            NetEvent::Disconnected { reason, retry_at } => self.on_disconnected(reason, retry_at),
            NetEvent::LoginNote(text) => self.server_info(text),
            NetEvent::Sts(news) => match news {
                StsNews::NotKept { .. } => {
                    let text = news.describe();
                    self.push_line(0, LineKind::Error, "", &text);
                }
                news => self.server_info(news.describe()),
            },
            NetEvent::Untrusted {
                address,
                fingerprint,
                ..
            } => {
                self.server_info(format!(
                    "{address} presents a certificate no authority vouches for (self-signed). \
                     Its SHA-256 fingerprint is {fingerprint}. Compare it with the one natterd \
                     printed at start (`natterd fingerprint`) before trusting it."
                ));
                self.connection = ConnectionState::Untrusted {
                    address: address.clone(),
                };
            }
            NetEvent::Failed { reason } => {
                self.link = None;
                let text = format!(
                    "Cannot connect: {reason}. natter will not retry by itself: type /reconnect to try again."
                );
                self.push_line(0, LineKind::Error, "", &text);
                if self.buffers.active_index() != 0 {
                    self.error(&text);
                }
                self.connection = ConnectionState::Failed { reason };
            }
        }
    }

    fn on_disconnected(&mut self, reason: String, retry_at: DateTime<Utc>) {
        let seconds = seconds_until(self.now, retry_at);
        let at = self.settings.zone.local(retry_at).format("%H:%M:%S");
        // Only when nothing answered at all can the server be missing; a
        // server that answered and then failed says why in `reason`.
        let hint = if matches!(self.connection, ConnectionState::Connecting { .. }) {
            " Is the server running? Start one with `natterd`, or pass HOST[:PORT].".to_owned()
        } else {
            String::new()
        };
        let text = format!("Disconnected: {reason}. Retrying in {seconds}s (at {at}).{hint}");
        let was_registered = self.session.registered;
        self.link = None;
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

    pub(crate) fn emit(&mut self, effect: Effect) {
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
    }

    /// Moves the sidebar selection by `step` members, wrapping around.
    pub fn move_selection(&mut self, step: isize) {
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
    pub fn whisper_selected(&mut self) {
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

    /// Asks for the user's attention; `App` decides how (and whether: the
    /// buffer may be on screen in a focused terminal).
    fn alert(&mut self, visible: bool, title: String, body: &str) {
        let body = natter_protocol::formatting::strip_formatting(body);
        self.emit(Effect::Alert {
            visible,
            title,
            body,
        });
    }

    /// Sanitised body runs for an incoming text.
    pub fn body(text: &str) -> Vec<StyledText> {
        text::parse_irc_text(text)
    }
}
