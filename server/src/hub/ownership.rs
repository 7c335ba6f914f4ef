//! Owned nicknames: a registered nick belongs to its account. Someone else
//! may sit on it only while its owner is offline, and only for the grace
//! period: then they are renamed to `Guest<N>`.

use super::HubState;
use super::client::ClientId;
use super::event::Event;
use crate::accounts::Account;
use std::sync::Arc;

impl HubState {
    /// The account owning `id`'s current nick when `id` is not logged in to it.
    pub fn unowned_claim(&self, id: ClientId) -> Option<Account> {
        let client = self.clients.get(&id)?;
        let owner = self.accounts.as_ref()?.lookup(&client.nick)?;
        let own = client
            .account
            .as_deref()
            .is_some_and(|(_, folded)| *folded == owner.folded);
        (!own).then_some(owner)
    }

    /// Whether a client logged in to the account `folded` is online, here
    /// or (in a cluster) on any other node.
    pub(crate) fn account_online(&self, folded: &str) -> bool {
        self.clients
            .values()
            .any(|c| c.account.as_deref().is_some_and(|(_, f)| f == folded))
            || self
                .directory
                .as_ref()
                .is_some_and(|directory| directory.account_online(folded))
    }

    /// Renames `id` to `Guest<N>` if it still holds `nick` without owning it
    /// (the grace period is over, or the owner logged in). Returns the new nick.
    pub fn enforce_ownership(&mut self, id: ClientId, nick: &str) -> Option<String> {
        let old_nick = self.clients.get(&id)?.nick.clone();
        if self.fold(&old_nick) != self.fold(nick) {
            return None;
        }
        self.unowned_claim(id)?;
        let guest = self.free_guest_nick();
        let source = Arc::new(self.clients.get(&id)?.source());
        self.deliver_to_peers_and_self(
            id,
            Event::Nick {
                source,
                new_nick: guest.clone(),
            },
        );
        self.unindex_nick(&old_nick, id);
        self.index_nick(&guest, id);
        if let Some(client) = self.clients.get_mut(&id) {
            client.set_nick(guest.clone());
        }
        tracing::info!(client = id, from = %old_nick, to = %guest, "renamed off a registered nick");
        Some(guest)
    }

    /// Renames everyone sitting on a nick of `account` (its owner just logged in).
    pub fn evict_impostors(&mut self, folded: &str) -> Vec<(ClientId, String)> {
        let folded = folded.to_string();
        let sitting: Vec<(ClientId, String)> = self
            .clients
            .values()
            .filter(|c| *self.fold(&c.nick) == *folded)
            .filter(|c| c.account.as_deref().is_none_or(|(_, f)| *f != folded))
            .map(|c| (c.id, c.nick.clone()))
            .collect();
        sitting
            .into_iter()
            .filter_map(|(id, nick)| self.enforce_ownership(id, &nick).map(|guest| (id, guest)))
            .collect()
    }

    fn free_guest_nick(&mut self) -> String {
        loop {
            self.guest_counter += 1;
            let nick = format!("Guest{}", self.guest_counter);
            if self.check_nick(&nick, None).is_ok()
                && self
                    .accounts
                    .as_ref()
                    .is_none_or(|a| a.lookup(&nick).is_none())
            {
                return nick;
            }
        }
    }

    /// The current nick of `id` (sessions refresh theirs: the hub may rename).
    pub fn nick_of(&self, id: ClientId) -> Option<String> {
        self.clients.get(&id).map(|c| c.nick.clone())
    }
}
