//! ChanServ registrations across the cluster: a channel registered on one
//! node is registered (protected, its founder and operator accounts opped,
//! its remembered settings restored) on every node.
//!
//! One JetStream key-value bucket, keyed by the folded channel name, holds
//! each registered channel's stored record (`crate::channels::ChannelRecord`:
//! founder, operator accounts, modes, key, limit, bans, topic), or a
//! tombstone once its registration is dropped. A registration is told
//! apart from a later one by its founder's account and the time it was
//! made. Every node:
//!
//! - writes its own changes of registered channels (told by the channel
//!   states' observer, the latest per channel, so the queue is bounded by
//!   the number of channels) by compare-and-set: a first registration is
//!   `create` (or an update of a tombstone), so of two founders registering
//!   one channel on two nodes at once exactly one wins, and the other node
//!   takes the winner's registration;
//! - watches the bucket into its channel states and, for channels live
//!   here, the hub's founder and operator accounts (never sent back);
//! - when it joins, publishes the registrations of its own database the
//!   bucket lacks, and takes the bucket's where they differ.

mod pending;
mod share;
mod slot;
mod store;
#[cfg(test)]
mod tests;

pub use pending::Pending;
pub use slot::{Slot, wanted};
pub use store::{Outcome, RegistrationBucket};
