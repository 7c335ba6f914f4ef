//! The seam where a cluster plugs in. The hub publishes every event it routes
//! to a [`Bus`] (when one is attached), in the order its members see it, and
//! delivers events that other nodes published ([`super::Hub::deliver_remote`]).
//! The hub knows nothing of how events travel; a bus knows nothing of locks.
//!
//! Ordering: `publish` is called while the lock that orders the event's scope
//! is held (the channel's order lock for a channel message; the exclusive hub
//! lock for joins, parts, quits, nick and mode changes; both clients' order
//! locks for a whisper). So for one channel, the sequence of `publish` calls
//! is exactly the sequence its local members receive. A bus must therefore
//! never block or await in `publish`: it queues and returns.

use super::client::ClientId;
use super::event::Envelope;
use super::name::Folded;
use std::fmt::Debug;
use std::sync::Arc;

/// Who an event is for, as another node needs to route it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every member of a channel: messages to it, JOIN, PART, KICK, TOPIC,
    /// MODE, and the away state of someone who just joined.
    Channel(Folded),
    /// One user, by folded nickname: a whisper or an INVITE.
    User(Folded),
    /// Everyone sharing a channel with the event's source: QUIT, NICK, AWAY,
    /// account changes. The channels (folded) the source was in, sorted.
    Peers(Vec<Folded>),
}

/// One event as the hub routed it.
#[derive(Debug, Clone)]
pub struct Published {
    /// Who it is for.
    pub scope: Scope,
    /// What happened and when; shared with the local fan-out, never copied.
    pub envelope: Arc<Envelope>,
}

/// Carries events between nodes. Implementations queue and return at once.
pub trait Bus: Send + Sync + Debug {
    /// Takes one locally routed event, in its scope's order (see the module).
    fn publish(&self, published: Published);

    /// Takes a message to a channel (PRIVMSG, NOTICE, TAGMSG) said by the
    /// local client `sender`, under the channel's order lock. Returns true
    /// when the bus takes over delivering it to this node's other members
    /// (in an order all nodes share: the cluster delivers it when it comes
    /// back from the room stream, see [`super::Hub::deliver_ordered`]);
    /// false when the hub must push it to them at once, as without a bus.
    /// The sender's echo (echo-message) is always pushed at once.
    fn publish_ordered(&self, published: Published, sender: ClientId) -> bool {
        let _ = sender;
        self.publish(published);
        false
    }

    /// Resolves once this node's history of `channel` holds what the bus
    /// knows was said there (a cluster node copies what other nodes
    /// recorded while it had nobody in the channel). Awaited, lock-free,
    /// before a join backlog or CHATHISTORY reads the channel's history;
    /// the hub bounds the wait. Without a bus there is nothing to wait for.
    fn history_ready(&self, channel: &Folded) -> futures::future::BoxFuture<'static, ()> {
        let _ = channel;
        Box::pin(std::future::ready(()))
    }

    /// Resolves once this node knows who other nodes have in `channel`, so
    /// a local user joining it is shown everyone in its member list (a
    /// cluster node asks the nodes the channel lives on when it does not
    /// follow the channel yet). Awaited, lock-free, before a JOIN; the hub
    /// bounds the wait. Without a bus there is nothing to wait for.
    fn members_ready(&self, channel: &Folded) -> futures::future::BoxFuture<'static, ()> {
        let _ = channel;
        Box::pin(std::future::ready(()))
    }
}

/// A user on another node, as this node's queries (NAMES, WHO, WHOIS,
/// LUSERS) and whisper routing see them. The bus keeps these; the hub only
/// asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteUser {
    /// The nick as its owner typed it.
    pub nick: String,
    /// The user name (ident).
    pub user: String,
    /// The host shown for them.
    pub host: String,
    /// Their real name.
    pub realname: String,
    /// The account they are logged in to.
    pub account: Option<String>,
    /// Their away message, when away.
    pub away: Option<String>,
    /// The node they are connected to.
    pub node: String,
    /// The channels they share with this node (folded names).
    pub channels: Vec<Folded>,
}

/// What a bus knows about users on other nodes. Answers come from memory:
/// the hub asks under its locks, so nothing here may block or await.
pub trait Directory: Send + Sync + Debug {
    /// The remote user holding this folded nick, if one is known.
    fn remote_user(&self, folded_nick: &str) -> Option<RemoteUser>;
    /// The remote members of a channel (folded name).
    fn remote_members(&self, folded_channel: &str) -> Vec<RemoteUser>;
    /// How many users other nodes have that this node knows of.
    fn remote_user_count(&self) -> usize;
    /// The cluster's shared record of a channel (folded name), if it
    /// exists anywhere: what a channel created here starts from and a JOIN
    /// here is checked against (see [`super::shared`]).
    fn shared_channel(&self, folded_channel: &str) -> Option<super::shared::SharedChannel> {
        let _ = folded_channel;
        None
    }

    /// Whether a whisper to a user of `node` can be sent now: false while
    /// the nodes cannot reach each other, so the sender is told at once
    /// instead of the whisper being lost.
    fn reaches(&self, node: &str) -> bool {
        let _ = node;
        true
    }

    /// Whether a user of another node is logged in to the account
    /// `folded_account`: its owned nick is then refused here as if its
    /// owner were online on this node.
    fn account_online(&self, folded_account: &str) -> bool {
        let _ = folded_account;
        false
    }
}
