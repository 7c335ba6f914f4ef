//! Logins across the cluster: which accounts are online anywhere, so an
//! owned nick behaves on every node as it does on one server.
//!
//! Every nick claim in the nick bucket carries the account its holder is
//! logged in to ([`NickOwner::account`]), written with the claim when a
//! user registers or renames and again when they log in or out (the hub's
//! `Event::Account`). Every node watches the bucket into its
//! [`NickDirectory`](super::directory::NickDirectory), which therefore
//! knows the accounts logged in on the other nodes. From that:
//!
//! - taking a registered nick whose owner is logged in on another node is
//!   refused at once, with the numeric a single server gives ("its owner is
//!   online", through `Directory::account_online`);
//! - when the owner logs in on another node, whoever sits on the owner's
//!   nick here without being logged in to it is renamed at once, as a login
//!   on this node does, instead of after the grace period.

use super::nicks::NickOwner;
use super::node::ClusterNode;
use std::sync::Arc;

impl ClusterNode {
    /// The account (folded) local `client` is logged in to now.
    pub(crate) fn account_of(&self, client: u64) -> Option<String> {
        let context = self.context()?;
        context
            .hub
            .read(|hub| hub.account_of(client))
            .map(|(_, folded)| folded)
    }

    /// The local user on `nick` logged in to `account` (folded) or out
    /// (`None`): its claim says so from now on.
    pub(crate) async fn claim_logged_in(self: &Arc<Self>, nick: &str, account: Option<&str>) {
        let folded = self.fold(nick);
        let Some(client) = self.holders().get(&folded).map(|holder| holder.client) else {
            return;
        };
        let Some(parts) = self.parts.get() else {
            return;
        };
        if let Err(error) = self.claim_for(parts, &folded, nick, client, account).await {
            crate::warn_throttled!(%error, "cluster: cannot say who is logged in on a nick (the other nodes learn it once NATS answers)");
        }
    }

    /// This node's members of `room` (folded nicks) that no other node
    /// holds a claim of: those that may get back privileges kept for this
    /// run while it was counted dead (`cluster::suspended`).
    pub(crate) fn members_held_here(&self, room: &str) -> Vec<String> {
        let Some(context) = self.context() else {
            return Vec::new();
        };
        let members = context.hub.read(|hub| hub.local_members(room));
        let directory = self.directory();
        members
            .into_iter()
            .map(|member| self.fold(&member.source.nick))
            .filter(|nick| directory.remote_owner(nick, &self.me).is_none())
            .collect()
    }

    /// A claim seen in the nick bucket: when it is a user of another node
    /// logged in to an account, anyone here sitting on that account's nick
    /// without being logged in to it is renamed now.
    pub(crate) fn claim_seen(&self, owner: Option<&NickOwner>) {
        let Some(owner) = owner.filter(|owner| owner.node.name != self.me.name) else {
            return;
        };
        let (Some(account), Some(context)) = (&owner.account, self.context()) else {
            return;
        };
        let renamed = context.hub.with(|hub| hub.evict_impostors(account));
        for (client, guest) in renamed {
            tracing::info!(client, %guest, %account, node = %owner.node, "cluster: renamed off a registered nick whose owner logged in on another node");
        }
    }
}
