//! Counting messages left out of history, with a rate-limited warning.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// At most one warning per this interval, however many messages are dropped.
const WARN_EVERY: Duration = Duration::from_secs(10);

/// Counts messages left out of history and warns about them, rate-limited.
pub(crate) struct DropCounter {
    count: AtomicU64,
    next_warn_ms: AtomicU64,
    epoch: Instant,
}

impl DropCounter {
    /// A counter at zero.
    pub(crate) fn new() -> DropCounter {
        DropCounter {
            count: AtomicU64::new(0),
            next_warn_ms: AtomicU64::new(0),
            epoch: Instant::now(),
        }
    }

    /// Counts one dropped message; lock-free, so safe on the hub's hot path.
    pub(crate) fn dropped(&self, path: &Path, why: &str) {
        let total = self.count.fetch_add(1, Ordering::Relaxed) + 1;
        let now = u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX);
        let due = self.next_warn_ms.load(Ordering::Relaxed);
        let next = now.saturating_add(WARN_EVERY.as_millis() as u64);
        if now >= due
            && self
                .next_warn_ms
                .compare_exchange(due, next, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            tracing::warn!(
                path = %path.display(),
                dropped_total = total,
                "{why}: messages are delivered but left out of history"
            );
        }
    }

    /// How many were dropped so far.
    pub(crate) fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }
}
