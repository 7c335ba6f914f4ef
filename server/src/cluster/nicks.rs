//! Nick ownership across the cluster, arbitrated in a JetStream key-value
//! bucket with compare-and-set revisions.
//!
//! The key is the folded nick ([`subject::token`]), the value names the owner
//! (node, run, local client). Claiming is `create`, which succeeds for
//! exactly one of any number of concurrent claimants: two nodes can never
//! hand out the same nick. A claim whose owner's run is no longer alive
//! ([`Liveness::is_alive`]) is taken over with `update` at the revision read,
//! so of several nodes racing for a dead node's nick again exactly one
//! wins. A dead node's nicks are therefore free at most `node_timeout` after
//! its last heartbeat, without anyone having to clean up after it
//! ([`NickRegistry::release_node`] tidies them when a node is seen to go).
//!
//! [`subject::token`]: super::subject::token

use super::liveness::Liveness;
use super::subject::{token, untoken};
use super::{ClusterError, Link, NodeId, Subjects, bucket};
use async_nats::jetstream::kv;
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// Who holds a nick.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NickOwner {
    /// The node and run.
    pub node: NodeId,
    /// The client on that node (its local id).
    pub client: u64,
    /// The nick as its owner typed it.
    pub nick: String,
    /// The account (folded) its holder is logged in to, so every node knows
    /// which accounts are online anywhere (owned nicks: "its owner is
    /// online"). Absent in claims written by nodes that predate it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
}

/// The result of a claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The nick is ours now.
    Granted,
    /// Someone alive holds it.
    Taken(NickOwner),
}

/// Attempts before a claim gives up on concurrent writers (each lost race
/// means someone else's write succeeded, so this is only reached under
/// absurd contention for one nick). No pause between them, unlike the
/// other buckets ([`super::contention`]): a claim does not re-apply a change
/// after a lost race, it reads the key again and finds its new live holder
/// (Taken), so claimers never collide twice.
const ATTEMPTS: u32 = 8;

/// The nick bucket as seen from one node.
#[derive(Debug, Clone)]
pub struct NickRegistry {
    store: kv::Store,
    liveness: Liveness,
}

impl NickRegistry {
    /// Opens (or creates) the nick bucket.
    pub async fn open(
        link: &Link,
        subjects: &Subjects,
        liveness: Liveness,
        replicas: usize,
    ) -> Result<NickRegistry, ClusterError> {
        let store = bucket::open(
            link.jetstream(),
            &subjects.nick_bucket(),
            "natterd nick ownership",
            std::time::Duration::ZERO,
            replicas,
        )
        .await?;
        Ok(NickRegistry { store, liveness })
    }

    fn me(&self) -> &NodeId {
        self.liveness.me()
    }

    /// Claims `folded` (typed as `nick`) for local `client`, logged in to
    /// `account` (folded). Claiming a nick the same client already holds is
    /// granted again (idempotent); a changed spelling or account is written.
    pub async fn claim(
        &self,
        folded: &str,
        nick: &str,
        client: u64,
        account: Option<&str>,
    ) -> Result<Claim, ClusterError> {
        let key = token(folded);
        let mine = NickOwner {
            node: self.me().clone(),
            client,
            nick: nick.to_string(),
            account: account.map(str::to_owned),
        };
        let value = encode(&mine)?;
        for _ in 0..ATTEMPTS {
            match self.store.create(&key, value.clone()).await {
                Ok(_) => return Ok(Claim::Granted),
                Err(error) if bucket::exists(&error) => {}
                Err(error) => return Err(ClusterError::jetstream("claiming a nick", error)),
            }
            let Some(entry) = self.entry(&key).await? else {
                continue; // released meanwhile: create again
            };
            let owner = decode(&entry.value)?;
            if owner.node == mine.node && owner.client == client {
                if owner == mine {
                    return Ok(Claim::Granted);
                }
            } else if self.liveness.is_alive(&owner.node).await? {
                return Ok(Claim::Taken(owner));
            }
            // Ours under another spelling or account, or a dead run's: replace it,
            // unless someone else changes it first.
            match self.store.update(&key, value.clone(), entry.revision).await {
                Ok(_) => {
                    if owner.node != mine.node {
                        tracing::info!(nick = %owner.nick, dead = %owner.node, "cluster: took over the nick of a node that is gone");
                    }
                    return Ok(Claim::Granted);
                }
                Err(error) if bucket::lost_race(&error) => continue,
                Err(error) => return Err(ClusterError::jetstream("claiming a nick", error)),
            }
        }
        Err(ClusterError::Contended {
            what: "claiming a nick",
            attempts: ATTEMPTS,
        })
    }

    /// Gives up `folded` if local `client` holds it; a claim someone else
    /// holds now is left alone.
    pub async fn release(&self, folded: &str, client: u64) -> Result<(), ClusterError> {
        let key = token(folded);
        let Some(entry) = self.entry(&key).await? else {
            return Ok(());
        };
        let owner = decode(&entry.value)?;
        if owner.node != *self.me() || owner.client != client {
            return Ok(());
        }
        self.delete(&key, entry.revision).await
    }

    /// Who holds `folded`, if anyone alive does.
    pub async fn owner(&self, folded: &str) -> Result<Option<NickOwner>, ClusterError> {
        let Some(entry) = self.entry(&token(folded)).await? else {
            return Ok(None);
        };
        let owner = decode(&entry.value)?;
        Ok(if self.liveness.is_alive(&owner.node).await? {
            Some(owner)
        } else {
            None
        })
    }

    /// Deletes every claim of `node` (a run seen to be gone, or this node
    /// leaving); returns how many. Claims changed meanwhile are left alone.
    pub async fn release_node(&self, node: &NodeId) -> Result<usize, ClusterError> {
        let mut released = 0;
        for key in bucket::keys(&self.store, "listing nicks").await? {
            let Some(entry) = self.entry(&key).await? else {
                continue;
            };
            match decode(&entry.value) {
                Ok(owner) if owner.node == *node => {
                    self.delete(&key, entry.revision).await?;
                    released += 1;
                }
                Ok(_) => {}
                Err(error) => {
                    tracing::warn!(key = untoken(&key).unwrap_or(key), %error, "cluster: unreadable nick claim");
                }
            }
        }
        Ok(released)
    }

    /// The folded nicks claimed in the bucket now.
    pub async fn standing(&self) -> Result<HashSet<String>, ClusterError> {
        let keys = bucket::keys(&self.store, "listing nicks").await?;
        Ok(keys.iter().filter_map(|key| untoken(key)).collect())
    }

    /// Every claim (folded nick and owner) as it stands, then every change
    /// (`None`: released), until the watch ends or fails. Unreadable claims
    /// are logged and skipped.
    pub async fn watch(
        &self,
    ) -> Result<impl futures::Stream<Item = (String, Option<NickOwner>)> + Send + use<>, ClusterError>
    {
        let claims = bucket::watch(&self.store, "watching nicks", "nick claim").await?;
        Ok(claims.map(|seen| (seen.key, seen.value)))
    }

    async fn entry(&self, key: &str) -> Result<Option<kv::Entry>, ClusterError> {
        bucket::value(&self.store, key)
            .await
            .map_err(|error| ClusterError::jetstream("reading a nick claim", error))
    }

    async fn delete(&self, key: &str, revision: u64) -> Result<(), ClusterError> {
        match self.store.delete_expect_revision(key, Some(revision)).await {
            Ok(()) => Ok(()),
            Err(error) if bucket::lost_race(&error) => Ok(()),
            Err(error) => Err(ClusterError::jetstream("releasing a nick", error)),
        }
    }
}

fn encode(owner: &NickOwner) -> Result<bytes::Bytes, ClusterError> {
    bucket::encode("nick claim", owner)
}

fn decode(bytes: &[u8]) -> Result<NickOwner, ClusterError> {
    bucket::decode("nick claim", bytes)
}
