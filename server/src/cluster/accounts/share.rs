//! The node's side: attach the bucket to this node's accounts, publish the
//! node's own accounts, and watch the bucket into them.

use super::slot::Slot;
use super::store::{AccountBucket, Published};
use crate::accounts::{AccountRecord, Accounts};
use crate::cluster::ClusterError;
use crate::cluster::node::ClusterNode;
use natter_protocol::Casemapping;
use std::sync::Arc;
use std::time::Duration;

/// How long to wait before trying again while NATS is away.
const RETRY: Duration = Duration::from_secs(1);

impl ClusterNode {
    /// Makes this node's accounts the cluster's: changes go through the
    /// bucket from now on, this node's own accounts are published, and the
    /// bucket is watched into them (again after every outage).
    pub(crate) async fn share_accounts(self: Arc<Self>, bucket: AccountBucket) {
        let Some(accounts) = self.context().and_then(|context| context.accounts.clone()) else {
            return;
        };
        accounts.attach_shared(Arc::new(bucket.clone()));
        let mut pending = accounts.records();
        while !pending.is_empty() {
            pending = self.publish_accounts(&bucket, &accounts, pending).await;
            if !pending.is_empty() {
                tokio::select! {
                    () = self.shutdown.cancelled() => return,
                    () = tokio::time::sleep(RETRY) => {}
                }
            }
        }
        let (node, bucket, accounts) = (&self, &bucket, &accounts);
        let open = |_| bucket.watch();
        let each = |slot| node.apply_account(accounts, slot);
        self.follow_bucket("account bucket", None, open, each).await;
    }

    /// Publishes `records`; returns those that could not be (NATS away).
    async fn publish_accounts(
        &self,
        bucket: &AccountBucket,
        accounts: &Accounts,
        records: Vec<AccountRecord>,
    ) -> Vec<AccountRecord> {
        let mut failed = Vec::new();
        for record in records {
            let outcome = match bucket.was_dropped(&record).await {
                Ok(true) => Ok(Published::DroppedElsewhere),
                Ok(false) => bucket.publish(&record).await,
                Err(error) => Err(error),
            };
            let outcome = match outcome {
                Ok(Published::Added | Published::Known) => {
                    match bucket.settle_certs(&record).await {
                        Ok(()) => outcome,
                        Err(error) => Err(ClusterError::jetstream("claiming certificates", error)),
                    }
                }
                other => other,
            };
            match outcome {
                Ok(Published::Added) => {
                    tracing::info!(account = %record.name, "cluster: this node's account is now known to the whole cluster");
                }
                Ok(Published::Known) => {}
                Ok(Published::DroppedElsewhere) => {
                    self.account_dropped(accounts, &record.folded(), record.created_ms)
                        .await;
                }
                Ok(Published::Conflict(stored)) => {
                    tracing::warn!(
                        account = %record.name,
                        local_created_ms = record.created_ms,
                        cluster_account = %stored.name,
                        cluster_created_ms = stored.created_ms,
                        "cluster: this node's database has an account whose name (or a look-alike) the cluster gave to a different account first; the cluster's account is used here and this node's is removed from its cache"
                    );
                }
                Err(error) => {
                    crate::warn_throttled!(%error, "cluster: cannot publish this node's accounts yet; retrying");
                    failed.push(record);
                }
            }
        }
        failed
    }

    async fn apply_account(&self, accounts: &Accounts, slot: Slot) {
        match slot {
            Slot::Account(record) => {
                accounts.apply_shared(record).await;
            }
            Slot::Dropped {
                name, created_ms, ..
            } => {
                self.account_dropped(accounts, &Casemapping::Rfc8265.fold(&name), created_ms)
                    .await;
            }
        }
    }

    /// The account was dropped elsewhere: forget it, log out its users and
    /// take it off the channels it operated, as a local DROP does.
    async fn account_dropped(&self, accounts: &Accounts, folded: &str, created_ms: i64) {
        if !accounts.apply_dropped(folded, created_ms).await {
            return;
        }
        if let Some(context) = self.context() {
            context.hub.with(|hub| {
                hub.forget_operator_account(folded);
                hub.logout_account(folded)
            });
        }
    }
}
