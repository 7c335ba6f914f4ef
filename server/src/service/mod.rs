//! Running as a long-lived service: signals (SIGHUP reloads, SIGTERM/SIGINT
//! stop) and telling systemd (or any `NOTIFY_SOCKET` listener) what state the
//! server is in.

pub mod busy_port;
pub mod notify;
pub mod signals;

pub use signals::Signals;
