//! What flows into the app (terminal input, network news, clock ticks) and
//! what the app asks the outside world to do in return.

use chrono::{DateTime, Utc};
use crossterm::event::{KeyEvent, MouseEvent};
use std::path::PathBuf;

use natter_protocol::{Fingerprint, Message};

/// One input to `App::update`.
#[derive(Debug, Clone)]
pub enum AppEvent {
    /// A key press from the terminal.
    Key(KeyEvent),
    /// A mouse event from the terminal.
    Mouse(MouseEvent),
    /// Bracketed paste: the whole pasted text at once.
    Paste(String),
    /// The terminal gained (true) or lost (false) focus.
    Focus(bool),
    /// The terminal changed size.
    Resize {
        /// New width in cells.
        width: u16,
        /// New height in cells.
        height: u16,
    },
    /// News from the first network's task (the one natter started with).
    Net(NetEvent),
    /// News from the task of network `network`.
    NetOf {
        /// Which network.
        network: NetworkId,
        /// What happened.
        event: NetEvent,
    },
    /// The clock advanced; carries the current time so `update` stays pure.
    Tick(DateTime<Utc>),
}

/// One network (server connection) of several; the one natter starts
/// with is [`NetworkId::FIRST`], each /connect gets the next number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NetworkId(pub u32);

impl NetworkId {
    /// The network natter starts with (`server`, or the command line).
    pub const FIRST: NetworkId = NetworkId(0);
}

/// What the network task reports.
#[derive(Debug, Clone)]
pub enum NetEvent {
    /// A connection attempt started.
    Connecting {
        /// `host:port` being dialled.
        address: String,
        /// 1 for the first attempt, growing while attempts fail.
        attempt: u32,
    },
    /// The TCP connection is up; registration is under way.
    Connected {
        /// `host:port` connected to (after an STS upgrade: the TLS port).
        address: String,
        /// Whether the connection is TLS.
        secure: bool,
    },
    /// A line from the server.
    Line {
        /// The parsed message.
        message: Message,
        /// When it arrived, for messages without a server-time tag.
        received_at: DateTime<Utc>,
    },
    /// Connecting cannot succeed as things are (unknown host, TLS spoken to
    /// in clear): no retry until the user asks (/reconnect).
    Failed {
        /// What is wrong, in words a user understands.
        reason: String,
    },
    /// The server's certificate is self-signed (no authority vouches for
    /// it) and was never accepted: the user compares the fingerprint with
    /// what the server's admin reads out and decides. Nothing is retried
    /// until the answer ([`Effect::TrustCertificate`]) or /reconnect.
    Untrusted {
        /// `host:port` that presented it.
        address: String,
        /// SHA-256 of the certificate.
        fingerprint: Fingerprint,
        /// The known_servers file an "always" answer is kept in.
        known_file: PathBuf,
    },
    /// IRCv3 STS news (an upgrade to TLS, a policy kept or dropped).
    Sts(StsNews),
    /// Something about logging in the user should know (a client
    /// certificate that did not log in, and what to do about it).
    LoginNote(String),
    /// The connection is gone; the next attempt is scheduled.
    Disconnected {
        /// Why, in words a user understands.
        reason: String,
        /// When the next attempt will be made.
        retry_at: DateTime<Utc>,
    },
}

/// What the network task did about IRCv3 Strict Transport Security.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StsNews {
    /// The plaintext server asked for TLS: natter closed the connection
    /// (nothing more was sent in clear) and reconnects over TLS.
    Upgrade {
        /// `host:port` that asked.
        from: String,
        /// `host:port` natter now dials with TLS.
        to: String,
    },
    /// A stored policy says this host speaks TLS: natter dials TLS instead
    /// of the plaintext address it was given.
    Remembered {
        /// The plaintext `host:port` asked for.
        from: String,
        /// The TLS `host:port` dialled instead.
        to: String,
        /// When the policy expires.
        until: DateTime<Utc>,
    },
    /// The server promised TLS for a while and natter keeps that promise
    /// (first time for this host; refreshes are silent).
    Kept {
        /// The host.
        host: String,
        /// The TLS port.
        port: u16,
        /// When the policy expires.
        until: DateTime<Utc>,
        /// The file holding it.
        file: PathBuf,
    },
    /// The server withdrew its policy (`duration=0`).
    Removed {
        /// The host.
        host: String,
    },
    /// The policy could not be written; the connection goes on.
    NotKept {
        /// Why, naming the file.
        reason: String,
    },
}

impl StsNews {
    /// The news in words for the server buffer.
    pub fn describe(&self) -> String {
        let day = |until: &DateTime<Utc>| until.format("%Y-%m-%d %H:%M UTC").to_string();
        match self {
            StsNews::Upgrade { from, to } => format!(
                "{from} asks clients to use TLS (IRCv3 STS): closed the plaintext connection \
                 and reconnecting securely to {to}…"
            ),
            StsNews::Remembered { from, to, until } => format!(
                "{from}: this server asked for TLS only (IRCv3 STS, until {}); connecting \
                 securely to {to} instead",
                day(until)
            ),
            StsNews::Kept {
                host,
                port,
                until,
                file,
            } => format!(
                "{host} asks to be reached over TLS only until {} (IRCv3 STS): natter will \
                 use TLS on port {port} for it (kept in {})",
                day(until),
                file.display()
            ),
            StsNews::Removed { host } => {
                format!("{host} withdrew its TLS-only policy (IRCv3 STS duration=0)")
            }
            StsNews::NotKept { reason } => {
                format!("Cannot keep the server's TLS-only policy (IRCv3 STS): {reason}")
            }
        }
    }
}

/// Something `App::update` wants done; the run loop performs it.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Send this message to the server.
    Send(Message),
    /// Use this nick when registering after a reconnect.
    SetNick(String),
    /// Ring the terminal bell.
    Bell,
    /// Something wants the user's attention (a mention or whisper); `App`
    /// turns it into `Bell` and/or `Notify` as configured, never the run loop.
    Alert {
        /// Whether it arrived in the buffer on screen.
        visible: bool,
        /// Notification title ("bob in #lobby").
        title: String,
        /// Notification text (plain, untrusted: sanitised before emitting).
        body: String,
    },
    /// Show a desktop notification through the terminal (OSC 777 + OSC 9).
    Notify {
        /// Title.
        title: String,
        /// Text.
        body: String,
    },
    /// Clear and fully redraw the terminal (Ctrl+L).
    Redraw,
    /// Save the ignore list (it changed).
    SaveIgnores(Vec<String>),
    /// Open this link (a target checked by `links::target`) with the
    /// configured opener, because the user asked.
    OpenLink(String),
    /// Try connecting again after a permanent failure.
    Reconnect,
    /// Start the first network's connection to `address` (an `ircs://` or
    /// `irc://` link), the server the user picked from those found on the
    /// LAN. Unlike /connect it is the first network: its password goes too.
    ConnectFirst {
        /// The link chosen.
        address: String,
    },
    /// The user trusts this certificate: connect again, accepting it, and
    /// keep it in known_servers when `remember`.
    TrustCertificate {
        /// SHA-256 of the certificate the user saw.
        fingerprint: Fingerprint,
        /// "Always" (kept in known_servers) rather than "this time".
        remember: bool,
    },
    /// Leave: send QUIT with this reason and exit.
    Quit(String),
    /// The user asked for another network (/connect): `App` opens it and
    /// answers with [`Effect::StartNetwork`].
    OpenNetwork {
        /// `HOST[:PORT]`, `irc://…` or `ircs://…` as typed.
        address: String,
    },
    /// The user closed the visible network (/disconnect): `App` removes it
    /// and answers with [`Effect::StopNetwork`].
    CloseNetwork {
        /// QUIT reason.
        reason: String,
    },
    /// Start a connection task for a network `App` just opened.
    StartNetwork {
        /// Its id.
        network: NetworkId,
        /// Where to connect, as typed.
        address: String,
    },
    /// Send QUIT on this network and end its task (the others go on).
    StopNetwork {
        /// Which network.
        network: NetworkId,
        /// QUIT reason.
        reason: String,
    },
    /// An effect for a network other than the visible one (`Send`,
    /// `SetNick`, `Reconnect`, `TrustCertificate`); without this wrapper
    /// those go to the visible network.
    Network {
        /// Which network.
        network: NetworkId,
        /// What to do there.
        effect: Box<Effect>,
    },
}

impl Effect {
    /// Whether the effect goes to one network's connection task.
    pub fn is_for_a_network(&self) -> bool {
        matches!(
            self,
            Effect::Send(_)
                | Effect::SetNick(_)
                | Effect::Reconnect
                | Effect::TrustCertificate { .. }
        )
    }
}
