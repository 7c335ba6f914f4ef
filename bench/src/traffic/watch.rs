//! Watching a run while its senders write: a server that stops reading a
//! sender blocks that sender's writes for good, so waiting for the senders
//! alone could wait forever. The stall limit ends such a run: when no new
//! delivery arrived for that long while deliveries were still owed, the
//! senders still writing are stopped and the run reports what it has.

use crate::stats::Stall;
use anyhow::Context;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;

/// How often the watch looks at the counters.
const POLL: Duration = Duration::from_millis(20);

/// What the readers and senders of a run count as they go.
#[derive(Debug, Default)]
pub struct Counters {
    /// Measured deliveries read by all receivers.
    pub delivered: AtomicU64,
    /// Messages handed to the sockets by all senders (a batch counts once
    /// its write starts, so a write the server never takes is included).
    pub written: AtomicU64,
}

/// A sender task: how many it sent and its worst lag behind schedule (ms).
pub(super) type SenderTask = JoinHandle<anyhow::Result<(u64, f64)>>;

/// How the senders ended.
#[derive(Debug)]
pub(super) struct SendersDone {
    /// The worst lag of any sender that finished (ms).
    pub(super) max_lag_ms: f64,
    /// Set when the run was cut short by the stall limit.
    pub(super) stall: Option<Stall>,
}

/// Waits for every sender to finish, unless no delivery arrives for `limit`
/// while some are owed (`recipients` deliveries per written message): then
/// the senders still running are stopped and the stall is returned.
pub(super) async fn senders(
    mut tasks: Vec<SenderTask>,
    counters: &Counters,
    recipients: u64,
    limit: Duration,
) -> anyhow::Result<SendersDone> {
    let mut last = counters.delivered.load(Ordering::Relaxed);
    let mut last_change = Instant::now();
    let mut max_lag_ms: f64 = 0.0;
    loop {
        let mut index = 0;
        while index < tasks.len() {
            if tasks[index].is_finished() {
                let (_, lag) = tasks
                    .swap_remove(index)
                    .await
                    .context("a sender failed")??;
                max_lag_ms = max_lag_ms.max(lag);
            } else {
                index += 1;
            }
        }
        if tasks.is_empty() {
            return Ok(SendersDone {
                max_lag_ms,
                stall: None,
            });
        }
        let delivered = counters.delivered.load(Ordering::Relaxed);
        let owed = counters.written.load(Ordering::Relaxed) * recipients;
        if delivered != last || delivered >= owed {
            last = delivered;
            last_change = Instant::now();
        } else if last_change.elapsed() >= limit {
            for task in &tasks {
                task.abort();
            }
            return Ok(SendersDone {
                max_lag_ms,
                stall: Some(Stall {
                    limit_s: limit.as_secs_f64(),
                    senders_unfinished: tasks.len(),
                }),
            });
        }
        tokio::time::sleep(POLL).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[tokio::test(start_paused = true)]
    async fn a_sender_that_never_finishes_is_a_stall_once_deliveries_stop() {
        let counters = Arc::new(Counters::default());
        counters.written.store(10, Ordering::Relaxed);
        counters.delivered.store(15, Ordering::Relaxed);
        let blocked: SenderTask = tokio::spawn(std::future::pending());
        let finished: SenderTask = tokio::spawn(async { Ok((5, 2.5)) });
        let done = senders(
            vec![blocked, finished],
            &counters,
            2,
            Duration::from_secs(3),
        )
        .await
        .unwrap();
        let stall = done.stall.expect("a stall");
        assert_eq!(stall.senders_unfinished, 1);
        assert_eq!(stall.limit_s, 3.0);
        assert_eq!(done.max_lag_ms, 2.5);
    }

    #[tokio::test(start_paused = true)]
    async fn nothing_owed_is_no_stall() {
        // A paced run slower than the limit: every message is delivered,
        // the sender is just waiting for its next turn.
        let counters = Arc::new(Counters::default());
        counters.written.store(4, Ordering::Relaxed);
        counters.delivered.store(4, Ordering::Relaxed);
        let slow: SenderTask = tokio::spawn(async {
            tokio::time::sleep(Duration::from_secs(60)).await;
            Ok((4, 0.0))
        });
        let done = senders(vec![slow], &counters, 1, Duration::from_secs(3))
            .await
            .unwrap();
        assert!(done.stall.is_none());
    }

    #[tokio::test(start_paused = true)]
    async fn deliveries_that_keep_coming_are_no_stall() {
        let counters = Arc::new(Counters::default());
        counters.written.store(1_000, Ordering::Relaxed);
        let feeding = Arc::clone(&counters);
        let sender: SenderTask = tokio::spawn(async move {
            // A slow server: one delivery every two seconds, under the limit.
            for _ in 0..20 {
                tokio::time::sleep(Duration::from_secs(2)).await;
                feeding.delivered.fetch_add(1, Ordering::Relaxed);
            }
            Ok((1_000, 0.0))
        });
        let done = senders(vec![sender], &counters, 1, Duration::from_secs(3))
            .await
            .unwrap();
        assert!(done.stall.is_none());
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_sender_is_an_error() {
        let counters = Counters::default();
        let failed: SenderTask = tokio::spawn(async { anyhow::bail!("could not write") });
        let error = senders(vec![failed], &counters, 1, Duration::from_secs(3))
            .await
            .unwrap_err();
        assert!(
            format!("{error:#}").contains("could not write"),
            "{error:#}"
        );
    }
}
