//! The wire format between natterd nodes: one JSON [`Envelope`] per NATS
//! message, versioned and bounded in bytes.
//!
//! Nodes of one cluster are trusted to be natterd, but what arrives on a
//! subject is still input: anything over [`MAX_WIRE_BYTES`], of another
//! [`WIRE_VERSION`], not our JSON, or carrying a name or text no client could
//! have sent (CR, LF, NUL, a space in a nick) is refused with a
//! [`WireError`] that says which, and [`log_rejected`] logs it once per
//! interval with the subject it came on. Nothing refused reaches a client.
//!
//! JSON, not a binary format: events are small, the cost is noise next to
//! the socket writes, and an operator can read them with `nats sub`.
//!
//! - `envelope`: the envelope, encoding and decoding ([`Envelope`]).
//! - `event`: what nodes tell each other ([`Event`]).
//! - `check`: what a received event may contain.
//! - `roster`: a node's member list in envelopes that each fit.

mod check;
mod envelope;
mod event;
#[cfg(test)]
mod fixtures;
mod roster;

pub use envelope::{Envelope, WireError, log_rejected};
pub use event::{Event, Kind, RosterMember, Source};
pub use roster::roster_chunks;

/// The version this natterd speaks. A node refuses envelopes of any other
/// version (so mixed versions are visible in the logs, never misread);
/// upgrade every node of a cluster together.
pub const WIRE_VERSION: u16 = 1;

/// Largest envelope accepted or sent, in bytes. A channel message is one IRC
/// line (≤ 512 bytes, tags ≤ 8191) plus names, so 32 KiB leaves room for
/// escaping and a [`Event::Roster`] chunk while bounding what a peer can
/// make a node parse.
pub const MAX_WIRE_BYTES: usize = 32 * 1024;

/// Longest name (nick, user, host, account, channel, msgid) accepted, in bytes.
const MAX_NAME_BYTES: usize = 256;
/// Longest text (message, topic, reason, mode string) accepted, in bytes.
const MAX_TEXT_BYTES: usize = 8 * 1024;
