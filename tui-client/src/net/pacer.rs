//! Outgoing pacing: a token bucket that lets a short burst through at once
//! and then about two lines a second, so a long paste or a split message
//! never trips the server's flood protection.

use std::time::Duration;

use tokio::time::Instant;

/// Lines that may go out back to back.
const BURST: f64 = 8.0;
/// Time to earn one more line.
const REFILL: Duration = Duration::from_millis(500);

/// A token bucket.
#[derive(Debug, Clone)]
pub struct Pacer {
    tokens: f64,
    updated: Instant,
}

impl Default for Pacer {
    fn default() -> Self {
        Pacer::new()
    }
}

impl Pacer {
    /// A full bucket.
    pub fn new() -> Pacer {
        Pacer {
            tokens: BURST,
            updated: Instant::now(),
        }
    }

    fn refill(&mut self, now: Instant) {
        let earned =
            now.saturating_duration_since(self.updated).as_secs_f64() / REFILL.as_secs_f64();
        self.tokens = (self.tokens + earned).min(BURST);
        self.updated = now;
    }

    /// Whether a line may go out now.
    pub fn ready(&mut self, now: Instant) -> bool {
        self.refill(now);
        self.tokens >= 1.0
    }

    /// Spends one line.
    pub fn take(&mut self, now: Instant) {
        self.refill(now);
        self.tokens -= 1.0;
    }

    /// When the next line may go out.
    pub fn next_token(&mut self, now: Instant) -> Instant {
        self.refill(now);
        let missing = (1.0 - self.tokens).max(0.0);
        now + REFILL.mul_f64(missing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_a_burst_then_waits() {
        let start = Instant::now();
        let mut pacer = Pacer {
            tokens: BURST,
            updated: start,
        };
        for _ in 0..8 {
            assert!(pacer.ready(start));
            pacer.take(start);
        }
        assert!(!pacer.ready(start));
        assert_eq!(pacer.next_token(start), start + REFILL);
        assert!(pacer.ready(start + REFILL));
    }
}
