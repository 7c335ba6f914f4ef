//! Flood control: a token bucket per connection.
//!
//! A burst of lines passes at once; after that lines are processed at a
//! steady rate and the excess waits in the session's receive queue. Only when
//! that queue overflows (sustained abuse) is the client disconnected.

use std::time::Duration;
use tokio::time::Instant;

/// A token bucket refilled continuously at `rate` tokens per second up to `burst`.
#[derive(Debug)]
pub struct TokenBucket {
    burst: f64,
    rate: f64,
    tokens: f64,
    updated: Instant,
}

impl TokenBucket {
    /// A full bucket.
    pub fn new(burst: u32, rate: f64) -> TokenBucket {
        TokenBucket {
            burst: f64::from(burst),
            rate,
            tokens: f64::from(burst),
            updated: Instant::now(),
        }
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
        self.updated = now;
    }

    /// Takes one token if there is one.
    pub fn try_take(&mut self, now: Instant) -> bool {
        self.refill(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// How long until a token is available.
    pub fn wait_time(&mut self, now: Instant) -> Duration {
        self.refill(now);
        if self.tokens >= 1.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64((1.0 - self.tokens) / self.rate)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_passes_then_rate_applies() {
        let start = Instant::now();
        let mut bucket = TokenBucket::new(3, 2.0);
        bucket.updated = start;
        assert!(bucket.try_take(start));
        assert!(bucket.try_take(start));
        assert!(bucket.try_take(start));
        assert!(!bucket.try_take(start));
        assert_eq!(bucket.wait_time(start), Duration::from_millis(500));
        assert!(bucket.try_take(start + Duration::from_millis(500)));
        assert!(!bucket.try_take(start + Duration::from_millis(600)));
    }

    #[test]
    fn refill_never_exceeds_the_burst() {
        let start = Instant::now();
        let mut bucket = TokenBucket::new(2, 100.0);
        bucket.updated = start;
        let later = start + Duration::from_secs(60);
        assert!(bucket.try_take(later));
        assert!(bucket.try_take(later));
        assert!(!bucket.try_take(later));
    }
}
