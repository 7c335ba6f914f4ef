//! Turning deliveries into numbers: counts, latency percentiles and order checks.
//!
//! Each receiver keeps its own [`ReceiverStats`] (no sharing on the hot path);
//! the run merges them at the end and [`TrafficSummary::new`] works out rates
//! and loss against what was sent.

use crate::payload::Delivery;
use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

/// Highest latency the histogram tracks exactly; longer ones are clamped to it.
const MAX_TRACKED_NS: u64 = 120_000_000_000;

/// What one receiver saw.
#[derive(Debug, Clone)]
pub struct ReceiverStats {
    /// Measured messages received (duplicates included).
    pub received: u64,
    /// Messages that arrived with a sequence number not above the last one
    /// seen from the same sender (reordered or duplicated).
    pub order_violations: u64,
    /// Last sequence number seen per sender (0: none yet).
    last_seq: Vec<u64>,
    /// Write-to-read latency, nanoseconds.
    latency: Histogram<u64>,
    /// Earliest and latest receive time, nanoseconds since the epoch.
    first_ns: Option<u64>,
    last_ns: u64,
}

impl ReceiverStats {
    /// Empty stats for a run with `senders` senders.
    pub fn new(senders: usize) -> ReceiverStats {
        ReceiverStats {
            received: 0,
            order_violations: 0,
            last_seq: vec![0; senders],
            latency: new_histogram(),
            first_ns: None,
            last_ns: 0,
        }
    }

    /// Counts one delivery read at `now_ns`.
    pub fn record(&mut self, delivery: Delivery, now_ns: u64) {
        self.received += 1;
        let index = delivery.sender as usize;
        if index >= self.last_seq.len() {
            self.last_seq.resize(index + 1, 0);
        }
        let last = &mut self.last_seq[index];
        if delivery.seq <= *last {
            self.order_violations += 1;
        } else {
            *last = delivery.seq;
        }
        let latency = now_ns
            .saturating_sub(delivery.sent_ns)
            .clamp(1, MAX_TRACKED_NS);
        // The value is clamped into the histogram's range, so this cannot fail.
        let _ = self.latency.record(latency);
        self.first_ns.get_or_insert(now_ns);
        self.last_ns = self.last_ns.max(now_ns);
    }

    /// Adds `other`'s counts and latencies to these (order is per receiver,
    /// so the per-sender positions are not merged).
    pub fn merge(&mut self, other: &ReceiverStats) {
        self.received += other.received;
        self.order_violations += other.order_violations;
        // Both histograms have the same bounds, so adding cannot fail.
        let _ = self.latency.add(&other.latency);
        self.first_ns = match (self.first_ns, other.first_ns) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.last_ns = self.last_ns.max(other.last_ns);
    }

    /// When the last delivery was read, in nanoseconds since the epoch.
    pub fn last_ns(&self) -> u64 {
        self.last_ns
    }

    /// Latency percentiles of everything recorded.
    pub fn percentiles(&self) -> Percentiles {
        let at = |quantile: f64| micros(self.latency.value_at_quantile(quantile));
        Percentiles {
            p50_us: at(0.50),
            p90_us: at(0.90),
            p99_us: at(0.99),
            p999_us: at(0.999),
            max_us: micros(self.latency.max()),
        }
    }
}

fn new_histogram() -> Histogram<u64> {
    // Three significant digits from 1 ns to two minutes: about 200 KB.
    Histogram::new_with_bounds(1, MAX_TRACKED_NS, 3)
        .unwrap_or_else(|_| Histogram::new(3).unwrap_or_else(|_| unreachable!()))
}

fn micros(ns: u64) -> f64 {
    ns as f64 / 1000.0
}

/// Latency percentiles in microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Percentiles {
    /// Median.
    pub p50_us: f64,
    /// 90th percentile.
    pub p90_us: f64,
    /// 99th percentile.
    pub p99_us: f64,
    /// 99.9th percentile.
    pub p999_us: f64,
    /// Slowest delivery.
    pub max_us: f64,
}

/// The outcome of a fan-out or whisper run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrafficSummary {
    /// Messages written by all senders.
    pub sent: u64,
    /// Deliveries the server owed (each message times its recipients).
    pub expected: u64,
    /// Deliveries read (duplicates included).
    pub received: u64,
    /// Deliveries that never arrived (`expected - received`, at least 0).
    pub lost: u64,
    /// Deliveries that came out of order or twice.
    pub order_violations: u64,
    /// From the first write to the last delivery read, in seconds.
    pub elapsed_s: f64,
    /// `received / elapsed_s`.
    pub deliveries_per_s: f64,
    /// Write-to-read latency.
    pub latency: Percentiles,
    /// How far the senders fell behind their schedule at worst (paced runs), ms.
    pub max_sender_lag_ms: f64,
    /// Set when the run was cut short because deliveries stopped coming:
    /// its counts are partial and `lost` is what was still missing.
    #[serde(default)]
    pub stall: Option<Stall>,
}

/// A run cut short: no delivery arrived for `limit_s` seconds while
/// deliveries were owed and senders were still writing (the server stopped
/// reading them, or stopped delivering), or the run was not done within its
/// time limit (a server that crawls).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Stall {
    /// Which limit ended the run.
    #[serde(default)]
    pub cause: StallCause,
    /// That limit in seconds (`--stall-limit` or `--time-limit`).
    pub limit_s: f64,
    /// Senders that had not written all their messages when the run gave up.
    pub senders_unfinished: usize,
}

/// Which limit cut a run short.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StallCause {
    /// No new delivery for the stall limit.
    #[default]
    NoDelivery,
    /// Not done within the time limit, though deliveries kept coming.
    TimeLimit,
}

impl std::fmt::Display for Stall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (limit, senders) = (self.limit_s, self.senders_unfinished);
        match self.cause {
            StallCause::NoDelivery => write!(
                f,
                "no delivery for {limit} s while {senders} sender(s) were still writing"
            ),
            StallCause::TimeLimit => write!(
                f,
                "not done within the {limit} s time limit ({senders} sender(s) still writing)"
            ),
        }
    }
}

impl TrafficSummary {
    /// Summarises a run: `merged` receivers' stats, `sent` messages and the
    /// `expected` deliveries, writing having started at `start_ns`.
    pub fn new(
        merged: &ReceiverStats,
        sent: u64,
        expected: u64,
        start_ns: u64,
        max_sender_lag_ms: f64,
    ) -> TrafficSummary {
        let elapsed_s = merged.last_ns.saturating_sub(start_ns) as f64 / 1e9;
        let deliveries_per_s = if elapsed_s > 0.0 {
            merged.received as f64 / elapsed_s
        } else {
            0.0
        };
        TrafficSummary {
            sent,
            expected,
            received: merged.received,
            lost: expected.saturating_sub(merged.received),
            order_violations: merged.order_violations,
            elapsed_s,
            deliveries_per_s,
            latency: merged.percentiles(),
            max_sender_lag_ms,
            stall: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delivery(sender: u32, seq: u64, sent_ns: u64) -> Delivery {
        Delivery {
            sender,
            seq,
            sent_ns,
        }
    }

    #[test]
    fn order_is_checked_per_sender() {
        let mut stats = ReceiverStats::new(2);
        stats.record(delivery(0, 1, 0), 10);
        stats.record(delivery(1, 1, 0), 10);
        stats.record(delivery(0, 2, 0), 10);
        stats.record(delivery(1, 3, 0), 10); // a gap is loss, not disorder
        assert_eq!(stats.order_violations, 0);
        stats.record(delivery(1, 2, 0), 10); // older than 3: reordered
        stats.record(delivery(0, 2, 0), 10); // seen already: duplicate
        assert_eq!(stats.order_violations, 2);
        assert_eq!(stats.received, 6);
    }

    #[test]
    fn an_unknown_sender_index_grows_the_table() {
        let mut stats = ReceiverStats::new(0);
        stats.record(delivery(5, 1, 0), 1);
        stats.record(delivery(5, 1, 0), 1);
        assert_eq!(stats.order_violations, 1);
    }

    #[test]
    fn percentiles_come_from_the_latencies() {
        let mut stats = ReceiverStats::new(1);
        for seq in 1..=100u64 {
            // Latencies 1 ms .. 100 ms.
            stats.record(delivery(0, seq, 0), seq * 1_000_000);
        }
        let p = stats.percentiles();
        assert!((p.p50_us - 50_000.0).abs() < 100.0, "{p:?}");
        assert!((p.p99_us - 99_000.0).abs() < 100.0, "{p:?}");
        assert!((p.max_us - 100_000.0).abs() < 100.0, "{p:?}");
    }

    #[test]
    fn merged_stats_add_up_and_summarise() {
        let mut a = ReceiverStats::new(1);
        let mut b = ReceiverStats::new(1);
        a.record(delivery(0, 1, 1_000_000_000), 1_001_000_000);
        b.record(delivery(0, 1, 1_000_000_000), 1_002_000_000);
        b.record(delivery(0, 1, 1_000_000_000), 3_000_000_000);
        a.merge(&b);
        assert_eq!(a.received, 3);
        assert_eq!(a.order_violations, 1);
        let summary = TrafficSummary::new(&a, 1, 4, 1_000_000_000, 0.0);
        assert_eq!(summary.lost, 1);
        assert!((summary.elapsed_s - 2.0).abs() < 1e-9);
        assert!((summary.deliveries_per_s - 1.5).abs() < 1e-9);
        assert!((summary.latency.max_us - 2_000_000.0).abs() < 2_000.0);
    }

    #[test]
    fn a_clock_going_backwards_is_clamped_not_lost() {
        let mut stats = ReceiverStats::new(1);
        stats.record(delivery(0, 1, 500), 100);
        assert_eq!(stats.received, 1);
        assert!(stats.percentiles().max_us < 0.01);
    }
}
