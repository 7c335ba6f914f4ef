//! Between the hub's events and the wire's: what a node publishes for an
//! event its hub routed, and the hub event a received one becomes. Pure
//! functions, no I/O.
//!
//! Not every hub event crosses the room stream: MODE and TOPIC changes go
//! through the channel's shared record instead (`shared_state`), which
//! every node watches and shows its members; an INVITE goes to the
//! invitee's node like a whisper; account changes go into every room the
//! user is in, like AWAY.
//!
//! - `outgoing`: hub to wire;
//! - `incoming`: wire to hub;
//! - `fields`: sources, kinds, tags and times, both ways.

mod fields;
mod incoming;
mod outgoing;
#[cfg(test)]
mod tests;

pub use fields::{hub_kind, hub_source, hub_tags, hub_time, roster_member, wire_source};
pub use incoming::{channel_message, invite, whisper};
pub use outgoing::{Outgoing, outgoing};
