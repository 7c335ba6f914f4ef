//! How long to wait before reconnecting: exponential backoff with jitter.

use std::time::Duration;

/// First retry delay.
const BACKOFF_START: Duration = Duration::from_secs(1);
/// Longest retry delay.
const BACKOFF_MAX: Duration = Duration::from_secs(60);

/// Delay before retry number `failures` (1 = first retry): doubling from
/// about 1 s, capped near 60 s, with ±20% jitter so clients of a restarted
/// server do not all come back in the same instant.
pub fn backoff_delay(failures: u32) -> Duration {
    let exponent = failures.saturating_sub(1).min(16);
    let base = BACKOFF_START
        .saturating_mul(1u32 << exponent)
        .min(BACKOFF_MAX);
    let jitter = 0.8 + fastrand::f64() * 0.4;
    base.mul_f64(jitter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_one_second_and_caps_near_a_minute() {
        for _ in 0..50 {
            let first = backoff_delay(1).as_secs_f64();
            assert!((0.8..=1.2).contains(&first), "{first}");
            let third = backoff_delay(3).as_secs_f64();
            assert!((3.2..=4.8).contains(&third), "{third}");
            let late = backoff_delay(30).as_secs_f64();
            assert!((48.0..=72.0).contains(&late), "{late}");
        }
    }

    #[test]
    fn backoff_has_jitter() {
        let delays: std::collections::HashSet<u128> =
            (0..20).map(|_| backoff_delay(5).as_millis()).collect();
        assert!(delays.len() > 1);
    }
}
