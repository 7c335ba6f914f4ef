//! How a connection ends and what a handler asks for after each line:
//! the reasons a session can close, with the label metrics count and the
//! QUIT reason other users see.

use std::time::Duration;

/// What a handler wants after a line.
#[derive(Debug)]
pub enum Flow {
    /// Keep going.
    Continue,
    /// End the connection.
    Close(Close),
}

/// Why a connection ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Close {
    /// The client said goodbye (QUIT, `exit`), with its message.
    Quit(String),
    /// The client closed the connection.
    ConnectionClosed,
    /// Reading failed.
    ReadError(String),
    /// Writing failed (the client is gone or reset the connection).
    WriteError(String),
    /// No answer to our PING.
    PingTimeout(Duration),
    /// Never registered in time.
    RegistrationTimeout,
    /// Flood control's queue overflowed.
    ExcessFlood,
    /// The server is stopping.
    Shutdown,
    /// A wrong server password.
    BadPassword,
    /// Not logged in to an account, on a server that requires one.
    AccountRequired,
    /// Its own outbound queue overflowed while answering it.
    SendQExceeded,
    /// The hub already dropped this client (e.g. SendQ exceeded) and sent its ERROR.
    Killed,
}

impl Close {
    /// A short fixed label for metrics.
    pub fn label(&self) -> &'static str {
        match self {
            Close::Quit(_) => "quit",
            Close::ConnectionClosed => "connection_closed",
            Close::ReadError(_) => "read_error",
            Close::WriteError(_) => "write_error",
            Close::PingTimeout(_) => "ping_timeout",
            Close::RegistrationTimeout => "registration_timeout",
            Close::ExcessFlood => "excess_flood",
            Close::Shutdown => "shutdown",
            Close::BadPassword => "bad_password",
            Close::AccountRequired => "account_required",
            Close::SendQExceeded => "sendq_exceeded",
            Close::Killed => "killed",
        }
    }

    /// The reason other users see in the QUIT.
    pub fn quit_reason(&self) -> String {
        match self {
            Close::Quit(message) if message.is_empty() => "Quit".to_string(),
            Close::Quit(message) => format!("Quit: {message}"),
            Close::ConnectionClosed => "Connection closed".to_string(),
            Close::ReadError(error) => format!("Read error: {error}"),
            Close::WriteError(error) => format!("Write error: {error}"),
            Close::PingTimeout(waited) => format!("Ping timeout: {} seconds", waited.as_secs()),
            Close::RegistrationTimeout => "Registration timed out".to_string(),
            Close::ExcessFlood => "Excess Flood".to_string(),
            Close::Shutdown => "Server shutting down".to_string(),
            Close::BadPassword => "Bad password".to_string(),
            Close::AccountRequired => "Account required".to_string(),
            Close::SendQExceeded => "SendQ exceeded".to_string(),
            Close::Killed => "Killed".to_string(),
        }
    }
}
