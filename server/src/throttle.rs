//! Rate-limited warnings: a log line a client can trigger must not let that
//! client fill the log. At most one line per interval passes; the next one
//! that passes says how many were suppressed in between.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// One kind of warning's rate limit.
#[derive(Debug)]
pub struct Throttle {
    interval: Duration,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    last: Option<Instant>,
    suppressed: u64,
}

impl Throttle {
    /// At most one line per `interval`.
    pub const fn new(interval: Duration) -> Throttle {
        Throttle {
            interval,
            state: Mutex::new(State {
                last: None,
                suppressed: 0,
            }),
        }
    }

    /// `Some(suppressed)` when a line may be logged now (with how many were
    /// left out since the last one), `None` when this one is suppressed.
    pub fn check(&self) -> Option<u64> {
        self.check_at(Instant::now())
    }

    fn check_at(&self, now: Instant) -> Option<u64> {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        match state.last {
            Some(last) if now.saturating_duration_since(last) < self.interval => {
                state.suppressed += 1;
                None
            }
            _ => {
                state.last = Some(now);
                Some(std::mem::take(&mut state.suppressed))
            }
        }
    }
}

/// The interval of natterd's client-triggerable warnings.
pub const WARN_INTERVAL: Duration = Duration::from_secs(10);

/// `tracing::warn!` at most once per [`WARN_INTERVAL`] per call site, with a
/// `suppressed` field counting the lines left out since the previous one.
#[macro_export]
macro_rules! warn_throttled {
    ($($arg:tt)+) => {{
        static THROTTLE: $crate::throttle::Throttle =
            $crate::throttle::Throttle::new($crate::throttle::WARN_INTERVAL);
        if let Some(suppressed) = THROTTLE.check() {
            tracing::warn!(suppressed, $($arg)+);
        }
    }};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_per_interval_then_the_count_of_the_rest() {
        let throttle = Throttle::new(Duration::from_secs(10));
        let start = Instant::now();
        assert_eq!(throttle.check_at(start), Some(0));
        assert_eq!(throttle.check_at(start + Duration::from_secs(1)), None);
        assert_eq!(throttle.check_at(start + Duration::from_secs(9)), None);
        assert_eq!(throttle.check_at(start + Duration::from_secs(10)), Some(2));
        assert_eq!(throttle.check_at(start + Duration::from_secs(30)), Some(0));
    }
}
