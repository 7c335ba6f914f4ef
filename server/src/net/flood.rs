//! Flood control: a token bucket per connection.
//!
//! A burst of lines passes at once; after that lines are processed at a
//! steady rate and the excess waits in the session's receive queue. Only when
//! that queue overflows (sustained abuse) is the client disconnected.

use std::time::Duration;
use tokio::time::Instant;

/// How a [`TokenBucket`] refills: up to `burst` tokens, `rate` per second.
///
/// Kept apart from the bucket: it is the server's setting, the same for every
/// connection, so each bucket (one in every idle connection's state) holds
/// only its own count and is handed the setting when it is used.
#[derive(Debug, Clone, Copy)]
pub struct Refill {
    /// The most tokens a bucket holds (the burst that passes at once).
    pub burst: f64,
    /// Tokens added per second.
    pub rate: f64,
}

impl Refill {
    /// `burst` tokens at most, `rate` a second.
    pub fn new(burst: u32, rate: f64) -> Refill {
        Refill {
            burst: f64::from(burst),
            rate,
        }
    }
}

/// A token bucket refilled continuously as its [`Refill`] says.
#[derive(Debug)]
pub struct TokenBucket {
    tokens: f64,
    updated: Instant,
}

impl TokenBucket {
    /// A full bucket.
    pub fn new(refill: Refill) -> TokenBucket {
        TokenBucket {
            tokens: refill.burst,
            updated: Instant::now(),
        }
    }

    fn refill(&mut self, refill: Refill, now: Instant) {
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        self.tokens = (self.tokens + elapsed * refill.rate).min(refill.burst);
        self.updated = now;
    }

    /// Takes one token if there is one.
    pub fn try_take(&mut self, refill: Refill, now: Instant) -> bool {
        self.refill(refill, now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// How many whole tokens there are now: lines that would pass at once.
    pub fn available(&mut self, refill: Refill, now: Instant) -> usize {
        self.refill(refill, now);
        // Whole tokens of a bucket that holds at most `burst` (a u32).
        self.tokens.floor() as usize
    }

    /// How long until a token is available.
    pub fn wait_time(&mut self, refill: Refill, now: Instant) -> Duration {
        self.refill(refill, now);
        if self.tokens >= 1.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64((1.0 - self.tokens) / refill.rate)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_passes_then_rate_applies() {
        let start = Instant::now();
        let refill = Refill::new(3, 2.0);
        let mut bucket = TokenBucket::new(refill);
        bucket.updated = start;
        assert!(bucket.try_take(refill, start));
        assert!(bucket.try_take(refill, start));
        assert!(bucket.try_take(refill, start));
        assert!(!bucket.try_take(refill, start));
        assert_eq!(bucket.wait_time(refill, start), Duration::from_millis(500));
        assert!(bucket.try_take(refill, start + Duration::from_millis(500)));
        assert!(!bucket.try_take(refill, start + Duration::from_millis(600)));
    }

    #[test]
    fn refill_never_exceeds_the_burst() {
        let start = Instant::now();
        let refill = Refill::new(2, 100.0);
        let mut bucket = TokenBucket::new(refill);
        bucket.updated = start;
        let later = start + Duration::from_secs(60);
        assert!(bucket.try_take(refill, later));
        assert!(bucket.try_take(refill, later));
        assert!(!bucket.try_take(refill, later));
    }
}
