//! The node's side: observe this node's registered channels, write their
//! changes by a writer task, and watch the bucket into the hub.

use super::pending::{Pending, Queue};
use super::slot::{Slot, wanted};
use super::store::{Outcome, RegistrationBucket};
use crate::channels::{ChannelRecord, ChannelStates};
use crate::cluster::node::ClusterNode;
use std::sync::Arc;
use std::time::Duration;

/// How long to wait before trying again while NATS is away.
const RETRY: Duration = Duration::from_secs(1);

impl ClusterNode {
    /// Shares this node's ChanServ registrations with the cluster: its own
    /// are published, its changes written, everyone's watched into it.
    pub(crate) async fn share_registrations(self: Arc<Self>, bucket: RegistrationBucket) {
        let Some(states) = self
            .context()
            .and_then(|context| context.history.as_ref().map(|h| h.channel_states().clone()))
        else {
            return;
        };
        let queue = Arc::new(Queue::default());
        let observed = Arc::clone(&queue);
        states.observe(Box::new(move |folded, old, new| {
            observed.change(folded, old, new);
        }));
        {
            let mut pending = queue.lock();
            for (folded, record) in states.all() {
                if record.is_registered() && !pending.contains_key(&folded) {
                    let own = Pending {
                        dropped: None,
                        record: Some(record),
                        only_if_missing: true,
                    };
                    pending.insert(folded, own);
                }
            }
        }
        self.tasks.spawn(
            self.clone()
                .write_registrations(bucket.clone(), Arc::clone(&queue)),
        );
        self.watch_registrations(bucket, &states).await;
    }

    /// Writes what is queued until the node stops.
    async fn write_registrations(self: Arc<Self>, bucket: RegistrationBucket, queue: Arc<Queue>) {
        loop {
            let batch = std::mem::take(&mut *queue.lock());
            let mut failed = false;
            for (folded, pending) in batch {
                match bucket.write(&folded, &pending).await {
                    Ok(Outcome::Written) => {}
                    Ok(Outcome::Take(record)) => {
                        if let Some(mine) = &pending.record
                            && record.as_ref().is_some_and(|r| r.founder != mine.founder)
                        {
                            tracing::warn!(channel = %folded, "cluster: the channel was registered on another node first; that registration holds here too");
                        }
                        self.adopt_registration(&folded, record.map(|record| *record));
                    }
                    Err(error) => {
                        crate::warn_throttled!(%error, "cluster: cannot share a channel registration yet; retrying");
                        queue.retry(folded, pending);
                        failed = true;
                    }
                }
            }
            if failed {
                tokio::select! {
                    () = self.shutdown.cancelled() => return,
                    () = tokio::time::sleep(RETRY) => {}
                }
            } else {
                tokio::select! {
                    () = self.shutdown.cancelled() => return,
                    () = queue.more.notified() => {}
                }
            }
        }
    }

    /// Keeps this node's registrations the bucket's (again after outages).
    async fn watch_registrations(&self, bucket: RegistrationBucket, states: &ChannelStates) {
        let each = |(folded, slot): (String, Slot)| {
            if let Some(record) = wanted(states.get(&folded), slot) {
                self.adopt_registration(&folded, record);
            }
            std::future::ready(())
        };
        let bucket = &bucket;
        let open = |_| bucket.watch();
        self.follow_bucket("registration bucket", None, open, each)
            .await;
    }

    fn adopt_registration(&self, folded: &str, record: Option<ChannelRecord>) {
        if let Some(context) = self.context() {
            context
                .hub
                .with(|hub| hub.adopt_registration(folded, record));
        }
    }
}
