//! Channel state every node agrees on: modes, key, limit, topic, bans,
//! privileges and invitations, one record per channel in the channel
//! bucket ([`ChannelStore`](crate::cluster::channels::ChannelStore)), written only by compare-and-set and watched
//! into every node's hub.
//!
//! Writing: the hub applies a local user's change at once (the single-node
//! path, unchanged); the bus counts it as pending for its channel, and the
//! writer task applies the same change to the record ([`StateChange`], a
//! read-modify-write at the revision read, again on a conflict), so two
//! nodes' concurrent changes both land, in one order. Reading: the bucket
//! is watched into memory ([`SharedState`]); the hub asks it when it
//! creates a channel locally (a JOIN here is checked against a key or ban
//! set elsewhere) and is given each newer record for a channel with local
//! members, unless this node still has its own changes of that channel on
//! the way (then the record the last write returns is given). The hub
//! shows its members what the record changed, so they see another node's
//! MODE and TOPIC lines and every node ends with the record's state.
//!
//! - `changes`: what a locally routed event changes ([`StateChange`]).
//! - `next`: the next record after a change (pure).
//! - `known`: the records as this node knows them, and its pending writes.
//! - `convert`: records in the hub's terms and back.
//! - `writer`: what feeds the writer task; `task`: the writer task, which
//!   keeps what NATS cannot take in a bounded `backlog` and writes it, in
//!   order, when NATS is back.
//! - `watch`: the bucket watched into memory and into the hub.

mod backlog;
mod changes;
mod convert;
mod known;
mod next;
mod task;
mod watch;
mod writer;

pub(crate) use changes::{StateChange, state_changes};
pub(crate) use convert::shared_channel;
pub(crate) use known::SharedState;

/// State changes waiting for the writer task.
pub(crate) const WRITES_WAITING: usize = 1024;
