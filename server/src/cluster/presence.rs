//! Who is where: this node's nick claims, other nodes dying, and NATS
//! going away and coming back.
//!
//! - A local user's nick is claimed in the cluster's nick bucket before the
//!   hub gives it out (registration, NICK), so two nodes never hand out the
//!   same nick; the claim is released when the user quits or renames, and
//!   whoever holds a claim listens for whispers to it.
//! - A node whose heartbeat expires is gone: its users quit here (reason
//!   `Node <name> left the cluster`) and its claims are tidied.
//! - NATS out of reach: local users get a NOTICE and keep chatting with each
//!   other; when it is back they get another, and this node claims its nicks
//!   and lists its members again ([`ClusterNode::announce`]), so the others
//!   converge whether or not they had counted it dead meanwhile; its
//!   channel changes made meanwhile are written, and every channel it has
//!   members in is read back from the cluster's records.

use super::liveness::{Liveness, NodeChange};
use super::nicks::Claim;
use super::node::{ClusterNode, Holder, Parts};
use super::roster::Seen;
use super::{ClusterError, LinkState, NodeId, wire};
use crate::hub::NickTaken;
use crate::hub::event::Event;
use natter_protocol::Casemapping;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// Longest a registration or NICK waits for the nick bucket; past it the
/// nick is given out locally (NATS is away) and claimed when it is back.
const CLAIM_TIMEOUT: Duration = Duration::from_secs(5);

/// What local users are told when NATS goes away.
pub const LOST_NOTICE: &str = "This server lost contact with the other chat nodes: you can still talk with users on this node; others will be back when the connection is.";
/// What local users are told when NATS is back.
pub const BACK_NOTICE: &str = "This server is in contact with the other chat nodes again.";

impl ClusterNode {
    /// Claims `nick` for local `client`, logged in to `account` (folded),
    /// before the hub gives it out. Refused only when a user of another live
    /// node holds it; when NATS is away it is granted here and claimed again
    /// once NATS is back.
    pub async fn claim(
        self: &Arc<Self>,
        nick: &str,
        client: u64,
        account: Option<&str>,
    ) -> Result<(), NickTaken> {
        let Some(parts) = self.parts.get() else {
            return Ok(());
        };
        let folded = self.fold(nick);
        let claimed = self.claim_for(parts, &folded, nick, client, account);
        match tokio::time::timeout(CLAIM_TIMEOUT, claimed).await {
            Ok(Ok(Claim::Granted)) => Ok(()),
            Ok(Ok(Claim::Taken(owner))) => Err(NickTaken::OnAnotherNode(owner.node.name)),
            Ok(Err(error)) => {
                crate::warn_throttled!(%error, "cluster: cannot claim a nick; giving it out on this node only");
                Ok(())
            }
            Err(_) => {
                crate::warn_throttled!(
                    "cluster: the nick bucket did not answer; giving the nick out on this node only"
                );
                Ok(())
            }
        }
    }

    /// Gives up `nick` for `client` (a registration that failed after the
    /// claim, or a NICK refused here).
    pub fn release(self: &Arc<Self>, nick: &str, client: u64) {
        let node = self.clone();
        let folded = self.fold(nick);
        self.tasks
            .spawn(async move { node.release_now(&folded, client).await });
    }

    pub(crate) async fn claim_for(
        self: &Arc<Self>,
        parts: &Parts,
        folded: &str,
        nick: &str,
        client: u64,
        account: Option<&str>,
    ) -> Result<Claim, ClusterError> {
        let mut claim = parts.nicks.claim(folded, nick, client, account).await?;
        if let Claim::Taken(owner) = &claim
            && owner.node == self.me
            && !self.holds_here(owner.client, folded)
        {
            // This node's claim for a client that left: its release is
            // still queued behind the event that made it leave.
            parts.nicks.release(folded, owner.client).await?;
            claim = parts.nicks.claim(folded, nick, client, account).await?;
        }
        if claim == Claim::Granted {
            self.hold(folded, client).await;
        }
        Ok(claim)
    }

    /// Whether local `client` is online under `folded`.
    fn holds_here(&self, client: u64, folded: &str) -> bool {
        self.context().is_some_and(|context| {
            context.hub.read(|hub| {
                hub.client(client)
                    .is_some_and(|c| self.fold(&c.nick) == folded)
            })
        })
    }

    async fn hold(self: &Arc<Self>, folded: &str, client: u64) {
        let held = self
            .holders()
            .get(folded)
            .is_some_and(|holder| holder.client == client);
        if held {
            return;
        }
        let listening = self.listen_whispers(folded).await;
        let holder = Holder { client, listening };
        if let Some(old) = self.holders().insert(folded.to_string(), holder) {
            old.listening.cancel();
        }
    }

    async fn release_now(&self, folded: &str, client: u64) {
        let holder = {
            let mut holders = self.holders();
            match holders.get(folded) {
                Some(holder) if holder.client == client => holders.remove(folded),
                _ => None,
            }
        };
        if let Some(holder) = holder {
            holder.listening.cancel();
        }
        if let Some(parts) = self.parts.get()
            && let Err(error) = parts.nicks.release(folded, client).await
        {
            crate::warn_throttled!(%error, "cluster: cannot release a nick (it frees when this node is gone)");
        }
    }

    /// Keeps claims in step with local quits, renames (including those the
    /// server makes, such as a Guest rename) and logins.
    pub(crate) async fn track_nicks(self: &Arc<Self>, event: &Event) {
        match event {
            Event::Account { source, account } => {
                let account = account
                    .as_deref()
                    .map(|name| Casemapping::Rfc8265.fold(name));
                self.claim_logged_in(&source.nick, account.as_deref()).await;
            }
            Event::Quit { source, .. } => {
                let folded = self.fold(&source.nick);
                let client = self.holders().get(&folded).map(|holder| holder.client);
                if let Some(client) = client {
                    self.release_now(&folded, client).await;
                }
            }
            Event::Nick { source, new_nick } => {
                let old = self.fold(&source.nick);
                let Some(client) = self.holders().get(&old).map(|holder| holder.client) else {
                    return;
                };
                let new = self.fold(new_nick);
                if let Some(parts) = self.parts.get() {
                    let account = self.account_of(client);
                    let claimed = self.claim_for(parts, &new, new_nick, client, account.as_deref());
                    match claimed.await {
                        Ok(Claim::Granted) => {}
                        Ok(Claim::Taken(owner)) => {
                            tracing::warn!(nick = %new_nick, node = %owner.node, "cluster: a local rename took a nick another node holds")
                        }
                        Err(error) => {
                            crate::warn_throttled!(%error, "cluster: cannot claim a renamed nick")
                        }
                    }
                }
                if old != new {
                    self.release_now(&old, client).await;
                }
            }
            _ => {}
        }
    }

    /// Follows other nodes (deaths) and the link (outages), and announces
    /// again on `rejoins` (this node was counted dead meanwhile).
    pub(crate) fn spawn_presence(
        self: &Arc<Self>,
        liveness: &Liveness,
        mut rejoins: mpsc::Receiver<()>,
    ) {
        let mut changes = liveness.watch(self.shutdown.clone());
        let node = self.clone();
        self.tasks.spawn(async move {
            // Runs counted dead here; one per node name at most.
            let mut counted_dead: HashSet<NodeId> = HashSet::new();
            while let Some(change) = changes.recv().await {
                match change {
                    NodeChange::Down(gone) => {
                        counted_dead.insert(gone.clone());
                        node.node_gone(&gone).await;
                    }
                    NodeChange::Up(back) => {
                        let came_back = counted_dead.remove(&back);
                        counted_dead.retain(|dead| dead.name != back.name);
                        if came_back {
                            node.ask_rosters_again().await;
                        }
                    }
                }
            }
        });
        let node = self.clone();
        let mut state = self.link.watch();
        self.tasks.spawn(async move {
            let mut lost = false;
            loop {
                tokio::select! {
                    () = node.shutdown.cancelled() => return,
                    changed = state.changed() => if changed.is_err() { return },
                    Some(()) = rejoins.recv() => {
                        node.reread_nicks();
                        node.announce().await;
                        continue;
                    }
                }
                let now = *state.borrow_and_update();
                match now {
                    LinkState::Down if !lost => {
                        lost = true;
                        node.notice(LOST_NOTICE);
                    }
                    LinkState::Up if lost => {
                        lost = false;
                        node.notice(BACK_NOTICE);
                        node.refollow_all();
                        node.reread_nicks();
                        node.announce().await;
                        node.free_pending_certs().await;
                    }
                    _ => {}
                }
            }
        });
    }

    async fn node_gone(&self, gone: &NodeId) {
        if *gone == self.me {
            return;
        }
        let Some(context) = self.context() else {
            return;
        };
        let seen = self.roster().node_down(gone);
        self.directory().forget_node(gone);
        let mut members: std::collections::HashMap<String, Vec<String>> = Default::default();
        for fact in &seen {
            if let Seen::Quit { who, channels } = fact {
                for channel in channels {
                    members
                        .entry(channel.clone())
                        .or_default()
                        .push(self.fold(&who.nick));
                }
            }
        }
        self.forget_node_state(gone, members).await;
        tracing::info!(node = %gone, users = seen.len(), "cluster: a node is gone; its users quit");
        self.present(&context, seen, None, &gone.name).await;
        if let Some(parts) = self.parts.get()
            && let Err(error) = parts.nicks.release_node(gone).await
        {
            tracing::debug!(%error, "cluster: could not tidy a gone node's nicks");
        }
    }

    /// A node run counted dead here is alive after all (it was cut off
    /// from NATS for longer than `node_timeout`): its users quit here, and
    /// its own re-announcement may have come before that, so every room
    /// here asks again who is in it (answers show them joining again).
    async fn ask_rosters_again(&self) {
        let (Some(parts), Some(context)) = (self.parts.get(), self.context()) else {
            return;
        };
        for room in context.hub.read(|hub| hub.local_channels()) {
            let request = wire::Event::RosterRequest {
                channel: room.to_string(),
            };
            self.send_control(parts, &room, request).await;
        }
    }

    /// Frees the certificates taken off accounts here while the account
    /// bucket could not be reached (`accounts::releases`).
    async fn free_pending_certs(&self) {
        let Some(accounts) = self.context().and_then(|context| context.accounts.clone()) else {
            return;
        };
        let waiting = accounts.free_pending_certs().await;
        if waiting > 0 {
            tracing::warn!(
                waiting,
                "cluster: removed certificates still not freed in the account bucket (tried again when NATS is back)"
            );
        }
    }

    fn notice(&self, text: &str) {
        if let Some(context) = self.context() {
            let server = context.server_name().to_string();
            context.hub.with(|hub| hub.notice_all(&server, text));
        }
    }

    /// Claims every local user's nick and lists this node's members of
    /// every room it has users in (following those rooms): at start, after
    /// an outage, and when the others had counted this node dead.
    pub(crate) async fn announce(self: &Arc<Self>) {
        let (Some(parts), Some(context)) = (self.parts.get(), self.context()) else {
            return;
        };
        for (client, nick) in context.hub.read(|hub| hub.local_nicks()) {
            let folded = self.fold(&nick);
            let account = self.account_of(client);
            match self
                .claim_for(parts, &folded, &nick, client, account.as_deref())
                .await
            {
                Ok(Claim::Granted) => {}
                Ok(Claim::Taken(owner)) => {
                    tracing::warn!(%nick, node = %owner.node, "cluster: a nick given out while NATS was away is held on another node too")
                }
                Err(error) => {
                    crate::warn_throttled!(%error, "cluster: cannot claim the nicks of this node")
                }
            }
        }
        let rooms = context.hub.read(|hub| hub.local_channels());
        for room in &rooms {
            self.follow(room, None);
            self.send_roster(parts, &context, room).await;
        }
        // Channel state: what this node changed while away is written
        // first (the writer keeps it in order), then every channel here is
        // made sure to be in the records and read back into the hub.
        self.say_here(rooms, context.server_name()).await;
    }
}
