//! A key-value bucket's watch followed for as long as the node runs: the
//! one loop behind the nick, channel, account and registration watches.
//! The watch is opened again (replaying what stands) whenever it ends or
//! cannot start, and at once when asked to (the nick bucket after an
//! outage, `ClusterNode::reread_nicks`).

use super::ClusterError;
use super::node::ClusterNode;
use futures::{Stream, StreamExt};
use std::time::Duration;
use tokio::sync::Notify;

/// Pause before watching a bucket again after its watch ended or failed.
const RETRY: Duration = Duration::from_secs(1);

impl ClusterNode {
    /// Gives `each` every entry of the watch `open` starts, until this node
    /// shuts down. When the watch ends or cannot start (`bucket` names it
    /// in the log), `open(false)` runs again after [`RETRY`]; when `again`
    /// is notified, `open(true)` at once (the watch was not broken: what
    /// was learnt from it still holds until the replay says otherwise).
    pub(crate) async fn follow_bucket<S, Opened, Done>(
        &self,
        bucket: &'static str,
        again: Option<&Notify>,
        mut open: impl FnMut(bool) -> Opened,
        mut each: impl FnMut(S::Item) -> Done,
    ) where
        S: Stream,
        Opened: Future<Output = Result<S, ClusterError>>,
        Done: Future<Output = ()>,
    {
        let mut asked_again = false;
        loop {
            match open(std::mem::take(&mut asked_again)).await {
                Ok(entries) => {
                    let mut entries = std::pin::pin!(entries);
                    let asked = loop {
                        let next = tokio::select! {
                            () = self.shutdown.cancelled() => return,
                            () = asked(again) => break true,
                            next = entries.next() => next,
                        };
                        let Some(entry) = next else {
                            break false;
                        };
                        each(entry).await;
                    };
                    if asked {
                        asked_again = true;
                        continue;
                    }
                }
                Err(error) => {
                    crate::warn_throttled!(%error, bucket, "cluster: cannot watch a bucket yet; retrying");
                }
            }
            tokio::select! {
                () = self.shutdown.cancelled() => return,
                () = tokio::time::sleep(RETRY) => {}
            }
        }
    }
}

/// Returns when `again` is notified; never without one.
async fn asked(again: Option<&Notify>) {
    match again {
        Some(again) => again.notified().await,
        None => std::future::pending().await,
    }
}
