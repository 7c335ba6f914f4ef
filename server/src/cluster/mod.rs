//! Several natterd nodes as one chat, over NATS.
//!
//! No IRC server linking (its spanning tree, netsplits and trust between
//! servers are what ergo and Sable chose to avoid): every node is a client
//! of one NATS system, and NATS (with JetStream where something must be
//! durable or arbitrated) is what they share.
//!
//! - [`config`]: the `[cluster]` table (servers, node name, credentials, timing).
//! - [`link`]: the NATS connection, reconnecting forever, reporting up/down.
//! - [`subject`]: subjects, stream and bucket names; escaping names into tokens.
//! - [`wire`]: the versioned, bounded JSON envelope nodes exchange.
//! - [`liveness`]: node heartbeats in a key-value bucket whose entries expire,
//!   so a dead node is noticed within `node_timeout`.
//! - [`nicks`]: nick ownership, arbitrated with compare-and-set revisions.
//! - [`accounts`]: accounts (NickServ), one bucket arbitrated the same way
//!   and watched into every node's accounts; [`registrations`]: ChanServ
//!   registrations, the same way.
//! - [`channels`]: each channel's shared state (modes, topic, bans,
//!   operators, invitations), updated only by compare-and-set
//!   (`channel_changes`: what each event does to it); `shared_state`
//!   writes this node's changes and watches everyone's into the hub.
//! - [`ordering`]: the room stream: every channel event gets a JetStream
//!   sequence, and every node delivers a room's events in that order.
//! - `catchup`: one history for the cluster: each node's store catches up
//!   with the room stream for the time it did not follow a room.
//! - [`roster`]: who is on the other nodes (the remote half of NAMES, WHO,
//!   WHOIS, LUSERS), fed by their events and node deaths.
//! - [`whispers`]: private messages on the recipient's user subject,
//!   acknowledged; `directory` keeps every nick of the cluster in memory
//!   (the nick bucket watched) so a whisper reaches any remote user.
//! - [`node`]: this natterd as a node: start, stop, nick claims; split by
//!   direction into `outbox` (hub to NATS, the hub's bus and directory),
//!   `inbound` (NATS to hub) and `presence` (deaths, outages, claims), with
//!   [`translate`] between hub and wire events; `held` keeps this node's own
//!   channel messages until the room stream gives them their place.
//! - [`testing`]: a real nats-server for tests.
//!
//! ARCHITECTURE.md ("Cluster") says what each part guarantees.

pub mod accounts;
mod bucket;
mod catchup;
mod channel_changes;
pub mod channels;
pub mod config;
mod contention;
mod directory;
mod ended;
mod held;
mod inbound;
pub mod link;
pub mod liveness;
mod logins;
mod members_first;
pub mod nicks;
pub mod node;
pub mod ordering;
mod outbox;
pub mod presence;
pub mod registrations;
pub mod roster;
mod shared_state;
pub mod subject;
pub mod suspended;
pub mod testing;
pub mod translate;
mod watched;
pub mod whispers;
pub mod wire;

pub use config::ClusterConfig;
pub use link::{Link, LinkState};
pub use node::ClusterNode;
pub use subject::Subjects;

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// One run of one node: its configured name and a random incarnation
/// number drawn at start, so that a node restarted under the same name is
/// never mistaken for the run that died.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NodeId {
    /// The node's name (`[cluster] node`).
    pub name: String,
    /// This run's random number.
    pub incarnation: u64,
}

impl NodeId {
    /// `name` with a fresh random incarnation.
    pub fn new(name: &str) -> NodeId {
        NodeId {
            name: name.to_string(),
            incarnation: fastrand::u64(1..),
        }
    }
}

impl std::fmt::Display for NodeId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}#{:x}", self.name, self.incarnation)
    }
}

/// What can go wrong talking to the cluster.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// `[cluster] nats` is not set.
    #[error("the cluster is not configured ([cluster] nats)")]
    Disabled,
    /// A server URL async-nats cannot use.
    #[error("cluster.nats: `{url}`: {reason}")]
    Url {
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// A file named in `[cluster]` cannot be used.
    #[error("{key} = {path}: {reason}")]
    File {
        /// The config key.
        key: &'static str,
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The connection could not be set up.
    #[error("cannot connect to NATS: {0}")]
    Connect(String),
    /// JetStream refused or failed an operation (NATS down, no JetStream, ...).
    #[error("JetStream {what}: {reason}")]
    JetStream {
        /// What was being done.
        what: &'static str,
        /// The error.
        reason: String,
    },
    /// A stored value could not be read back.
    #[error("stored {what} is corrupt: {reason}")]
    Corrupt {
        /// Which kind of value.
        what: &'static str,
        /// Why.
        reason: String,
    },
    /// Too many concurrent writers kept changing a value under us.
    #[error("{what}: gave up after {attempts} conflicting updates")]
    Contended {
        /// What was being updated.
        what: &'static str,
        /// How often it was tried.
        attempts: u32,
    },
    /// An event could not be encoded.
    #[error(transparent)]
    Wire(#[from] wire::WireError),
}

impl ClusterError {
    /// A JetStream failure while doing `what`.
    pub(crate) fn jetstream(what: &'static str, error: impl std::fmt::Display) -> ClusterError {
        ClusterError::JetStream {
            what,
            reason: error.to_string(),
        }
    }
}
