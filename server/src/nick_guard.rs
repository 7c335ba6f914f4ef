//! The grace period of owned nicknames: whoever takes a registered nick
//! without being logged in to its account is told, and renamed to
//! `Guest<N>` unless they log in within `[accounts] nick_grace`.

use crate::accounts::Account;
use crate::context::Context;
use crate::hub::client::ClientId;
use std::sync::Arc;

/// Checks `id`'s current nick; when it belongs to an account `id` is not
/// logged in to, schedules the rename and returns the account, so that the
/// dialect can tell the user how to log in.
pub fn guard(context: &Arc<Context>, id: ClientId) -> Option<Account> {
    let (nick, owner) = context.hub.read(|hub| {
        let owner = hub.unowned_claim(id)?;
        Some((hub.nick_of(id)?, owner))
    })?;
    let grace = context.config.accounts.nick_grace;
    let context = Arc::clone(context);
    tokio::spawn(async move {
        tokio::time::sleep(grace).await;
        context.hub.with(|hub| hub.enforce_ownership(id, &nick));
    });
    Some(owner)
}

/// The sentence telling someone on `owner`'s nick what to do, `how` naming
/// the dialect's way to log in.
pub fn warning(owner: &Account, grace: std::time::Duration, how: &str) -> String {
    format!(
        "The nickname {} is registered. Log in within {} seconds ({how}) or you will be renamed.",
        owner.name,
        grace.as_secs().max(1)
    )
}
