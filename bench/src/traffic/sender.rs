//! The senders of a traffic run: each writes its share of the messages to
//! its target, in batches, at a pace or as fast as the socket takes them.

use super::{Amount, Counters, TrafficOptions, elapsed_ns};
use crate::conn::SharedWriter;
use crate::payload::{self, Delivery};
use anyhow::Context;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;
use tokio::task::JoinHandle;

/// Most lines a sender writes in one `write` call.
const SEND_BATCH: usize = 64;

/// One sender's share of the work.
struct SenderPlan {
    writer: SharedWriter,
    /// Where the messages handed to the socket are counted.
    counters: Arc<Counters>,
    target: String,
    sender: u32,
    /// Messages to send; `u64::MAX` when sending for a duration.
    count: u64,
    /// Stop sending at this time (ns since the epoch).
    deadline_ns: u64,
    /// Nanoseconds between messages when paced.
    interval_ns: Option<f64>,
    size: usize,
    epoch: Instant,
    start_ns: u64,
}

/// Starts every sender; each task returns how many it sent and its worst lag (ms).
pub(super) fn spawn_senders(
    options: &TrafficOptions,
    nicks: &[String],
    writers: &[SharedWriter],
    counters: &Arc<Counters>,
    epoch: Instant,
    start_ns: u64,
) -> Vec<JoinHandle<anyhow::Result<(u64, f64)>>> {
    let senders = options.shape.senders();
    (0..senders)
        .map(|index| {
            let (connection, target) = options.shape.sender_route(index, nicks);
            let writer = &writers[connection];
            let (count, deadline_ns) = match options.amount {
                Amount::Messages(total) => (share(total, senders, index), u64::MAX),
                Amount::Duration(duration) => (
                    u64::MAX,
                    start_ns + u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX / 2),
                ),
            };
            let plan = SenderPlan {
                writer: Arc::clone(writer),
                counters: Arc::clone(counters),
                target,
                sender: index as u32,
                count,
                deadline_ns,
                interval_ns: options.rate.map(|rate| 1e9 * senders as f64 / rate),
                size: options.size,
                epoch,
                start_ns,
            };
            tokio::spawn(plan.run())
        })
        .collect()
}

/// Sender `index`'s part of `total` messages shared by `senders`.
pub fn share(total: u64, senders: usize, index: usize) -> u64 {
    let senders = senders.max(1) as u64;
    total / senders + u64::from((index as u64) < total % senders)
}

impl SenderPlan {
    /// Sends the plan's messages; returns how many and the worst lag behind schedule (ms).
    async fn run(self) -> anyhow::Result<(u64, f64)> {
        let mut buffer = Vec::with_capacity(SEND_BATCH * (self.size + 64));
        let mut sent: u64 = 0;
        let mut max_lag_ns: u64 = 0;
        while sent < self.count {
            let now = elapsed_ns(self.epoch);
            if now >= self.deadline_ns {
                break;
            }
            let owed = match self.interval_ns {
                None => SEND_BATCH as u64,
                Some(interval) => {
                    let due = ((now - self.start_ns) as f64 / interval) as u64 + 1;
                    if due <= sent {
                        let next = self.start_ns + (sent as f64 * interval) as u64;
                        let wait = Duration::from_nanos(next.saturating_sub(now));
                        tokio::time::sleep(wait).await;
                        continue;
                    }
                    let first_due = self.start_ns + (sent as f64 * interval) as u64;
                    max_lag_ns = max_lag_ns.max(now.saturating_sub(first_due));
                    due - sent
                }
            };
            let batch = owed.min(SEND_BATCH as u64).min(self.count - sent);
            buffer.clear();
            for _ in 0..batch {
                sent += 1;
                let message = Delivery {
                    sender: self.sender,
                    seq: sent,
                    sent_ns: now,
                };
                payload::write_privmsg(&mut buffer, &self.target, message, self.size);
            }
            self.counters.written.fetch_add(batch, Ordering::Relaxed);
            self.writer
                .lock()
                .await
                .write_all(&buffer)
                .await
                .with_context(|| format!("sender {} could not write", self.sender))?;
        }
        Ok((sent, max_lag_ns as f64 / 1e6))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_shared_out_evenly() {
        let shares: Vec<u64> = (0..3).map(|i| share(10, 3, i)).collect();
        assert_eq!(shares, vec![4, 3, 3]);
        assert_eq!((0..7).map(|i| share(100, 7, i)).sum::<u64>(), 100);
        assert_eq!(share(5, 0, 0), 5);
    }
}
