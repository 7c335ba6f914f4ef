//! From NATS to the hub: rooms followed, whispers listened to, and remote
//! users shown joining, leaving, renaming and quitting.
//!
//! A node follows a room while it has local members there: an ordered
//! consumer on the room stream, from this node's own join on, resumed after
//! the last sequence it delivered when NATS comes back (so an outage loses
//! nothing the stream stored). Events of this very node run are skipped
//! (they were delivered locally when they happened). Membership events go
//! through the [`Roster`](super::roster::Roster), and only what it reports
//! as changed is shown: a QUIT that arrives once per shared room is shown
//! once, a snapshot that adds someone is a JOIN.
//!
//! - `follow`: a room stream consumer per followed room;
//! - `receive`: one room event applied here;
//! - `present`: remote membership changes shown to local users;
//! - `rosters`: this node's members told to the others;
//! - `listen`: whispers and invitations to local users.

mod follow;
mod listen;
mod present;
mod receive;
mod rosters;
