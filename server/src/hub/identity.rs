//! Logging clients in and out of accounts, as the hub sees it: the client's
//! identity changes and channel peers with `account-notify` are told.

use super::HubState;
use super::client::ClientId;
use super::event::Event;
use crate::accounts::Account;
use std::sync::Arc;

impl HubState {
    /// Logs `id` in to `account`; returns its `nick!user@host` (for 900).
    pub fn login(&mut self, id: ClientId, account: &Account) -> Option<String> {
        let client = self.clients.get_mut(&id)?;
        client.set_account(Some((account.name.clone(), account.folded.clone())));
        let source = Arc::new(client.source());
        let prefix = source.prefix();
        let event = Event::Account {
            source,
            account: Some(account.name.clone()),
        };
        self.deliver_to_peers(id, event);
        self.remember_operator_login(id);
        Some(prefix)
    }

    /// Logs `id` out; returns its `nick!user@host` (for 901) when it was logged in.
    pub fn logout(&mut self, id: ClientId) -> Option<String> {
        let client = self.clients.get_mut(&id)?;
        client.account.as_ref()?;
        client.set_account(None);
        let source = Arc::new(client.source());
        let prefix = source.prefix();
        self.deliver_to_peers(
            id,
            Event::Account {
                source,
                account: None,
            },
        );
        Some(prefix)
    }

    /// Logs out every client logged in to the account `folded` (it was dropped).
    pub fn logout_account(&mut self, folded: &str) -> Vec<ClientId> {
        let holders: Vec<ClientId> = self
            .clients
            .values()
            .filter(|c| c.account.as_deref().is_some_and(|(_, f)| f == folded))
            .map(|c| c.id)
            .collect();
        for id in &holders {
            self.logout(*id);
        }
        holders
    }

    /// The account `id` is logged in to: (name, folded).
    pub fn account_of(&self, id: ClientId) -> Option<(String, String)> {
        self.clients
            .get(&id)
            .and_then(|c| c.account.as_deref().cloned())
    }
}
