//! Watching a run while its senders write and its deliveries drain: a
//! server that stops reading a sender blocks that sender's writes for good,
//! so waiting for the senders alone could wait forever. The stall limit ends
//! such a run: when no new delivery arrived for that long while deliveries
//! were still owed, the senders still writing are stopped and the run
//! reports what it has. A server that crawls (a few deliveries a second) is
//! no stall, so the time limit bounds the whole run as well.

use crate::stats::{Stall, StallCause};
use anyhow::Context;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::task::JoinHandle;
// Tokio's clock, so that tests can run the limits on a paused clock.
use tokio::time::Instant;

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

/// When a run gives up.
#[derive(Debug, Clone, Copy)]
pub(super) struct Limits {
    /// No new delivery for this long while deliveries are owed.
    pub(super) stall: Duration,
    /// The time limit, reached at `deadline` (`None`: too far to matter).
    pub(super) time: Duration,
    pub(super) deadline: Option<Instant>,
}

impl Limits {
    /// The stall for the time limit, once it is reached.
    fn time_is_up(&self, senders_unfinished: usize) -> Option<Stall> {
        self.deadline
            .is_some_and(|deadline| Instant::now() >= deadline)
            .then_some(Stall {
                cause: StallCause::TimeLimit,
                limit_s: self.time.as_secs_f64(),
                senders_unfinished,
            })
    }
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

/// Waits for every sender to finish, unless no delivery arrives for the
/// stall limit while some are owed (`recipients` deliveries per written
/// message) or the time limit is reached: then the senders still running
/// are stopped and the stall is returned.
pub(super) async fn senders(
    mut tasks: Vec<SenderTask>,
    counters: &Counters,
    recipients: u64,
    limits: Limits,
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
        let mut stall = None;
        if delivered != last || delivered >= owed {
            last = delivered;
            last_change = Instant::now();
        } else if last_change.elapsed() >= limits.stall {
            stall = Some(Stall {
                cause: StallCause::NoDelivery,
                limit_s: limits.stall.as_secs_f64(),
                senders_unfinished: tasks.len(),
            });
        }
        if let Some(stall) = stall.or_else(|| limits.time_is_up(tasks.len())) {
            for task in &tasks {
                task.abort();
            }
            return Ok(SendersDone {
                max_lag_ms,
                stall: Some(stall),
            });
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Once the senders are done: waits until `expected` deliveries arrived, or
/// nothing arrived for `drain` (what is missing then is lost), or the time
/// limit is reached with deliveries still missing (returned as a stall).
pub(super) async fn drain(
    counters: &Counters,
    expected: u64,
    drain: Duration,
    limits: Limits,
) -> Option<Stall> {
    let mut last = counters.delivered.load(Ordering::Relaxed);
    let mut last_change = Instant::now();
    while last < expected && last_change.elapsed() < drain {
        if let Some(stall) = limits.time_is_up(0) {
            return Some(stall);
        }
        tokio::time::sleep(POLL).await;
        let now = counters.delivered.load(Ordering::Relaxed);
        if now != last {
            last = now;
            last_change = Instant::now();
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn limits(stall_s: u64, time_s: u64) -> Limits {
        let time = Duration::from_secs(time_s);
        Limits {
            stall: Duration::from_secs(stall_s),
            time,
            deadline: Some(Instant::now() + time),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_sender_that_never_finishes_is_a_stall_once_deliveries_stop() {
        let counters = Arc::new(Counters::default());
        counters.written.store(10, Ordering::Relaxed);
        counters.delivered.store(15, Ordering::Relaxed);
        let blocked: SenderTask = tokio::spawn(std::future::pending());
        let finished: SenderTask = tokio::spawn(async { Ok((5, 2.5)) });
        let done = senders(vec![blocked, finished], &counters, 2, limits(3, 600))
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
        let done = senders(vec![slow], &counters, 1, limits(3, 600))
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
        let done = senders(vec![sender], &counters, 1, limits(3, 600))
            .await
            .unwrap();
        assert!(done.stall.is_none());
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_sender_is_an_error() {
        let counters = Counters::default();
        let failed: SenderTask = tokio::spawn(async { anyhow::bail!("could not write") });
        let error = senders(vec![failed], &counters, 1, limits(3, 600))
            .await
            .unwrap_err();
        assert!(
            format!("{error:#}").contains("could not write"),
            "{error:#}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_crawl_is_cut_short_at_the_time_limit() {
        let counters = Arc::new(Counters::default());
        counters.written.store(1_000, Ordering::Relaxed);
        let feeding = Arc::clone(&counters);
        // One delivery every two seconds, for ever: never a stall.
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(2)).await;
                feeding.delivered.fetch_add(1, Ordering::Relaxed);
            }
        });
        let started = Instant::now();
        let crawling: SenderTask = tokio::spawn(std::future::pending());
        let done = senders(vec![crawling], &counters, 1, limits(3, 60))
            .await
            .unwrap();
        let stall = done.stall.expect("cut short");
        assert_eq!(stall.cause, StallCause::TimeLimit);
        assert_eq!((stall.limit_s, stall.senders_unfinished), (60.0, 1));
        assert!(started.elapsed() >= Duration::from_secs(60));
    }

    #[tokio::test(start_paused = true)]
    async fn draining_ends_when_all_arrived_or_nothing_comes_or_time_is_up() {
        let counters = Arc::new(Counters::default());
        counters.delivered.store(10, Ordering::Relaxed);
        let drain_for = Duration::from_secs(5);
        assert_eq!(drain(&counters, 10, drain_for, limits(3, 60)).await, None);
        // Missing deliveries that never come are lost, not a stall.
        assert_eq!(drain(&counters, 20, drain_for, limits(3, 60)).await, None);
        // Trickling in past the time limit: cut short.
        let feeding = Arc::clone(&counters);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(1)).await;
                feeding.delivered.fetch_add(1, Ordering::Relaxed);
            }
        });
        let stall = drain(&counters, 1_000_000, drain_for, limits(3, 30)).await;
        let stall = stall.expect("cut short");
        assert_eq!(stall.cause, StallCause::TimeLimit);
        assert_eq!(stall.senders_unfinished, 0);
    }
}
