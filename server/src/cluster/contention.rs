//! Pauses between compare-and-set attempts on a key others write too.
//!
//! A lost race means another node wrote the key between our read and our
//! write. Trying again at once, as every loser does, makes the same
//! writers collide again: with `n` nodes writing one channel's record at
//! the same moment (every node saying it is here after a NATS outage,
//! joins to a busy channel from every node), each round has one winner,
//! and a node loses a given round with probability about `1 - 1/n`; with
//! sixteen immediate attempts, a change was given up (and lost) one time in
//! five at ten nodes, and the test's two busy nodes lost all sixteen now
//! and then under load. So after each lost race the loser waits a random
//! time below a window that doubles from [`FIRST`] to [`MAX`] ("full
//! jitter"): the writers spread out over the window instead of colliding
//! in step, and a long queue of them is served within a few doublings.
//!
//! Channel records ([`super::channels`]) try [`ATTEMPTS`] times; accounts,
//! certificates and channel registrations, written from several nodes far
//! less often, eight times with the same pauses. Nick claims need none
//! (see [`super::nicks`]).

use std::time::Duration;

/// How often a change is tried before it is given up: with the pauses
/// below, tens of nodes writing one key at once all get through.
pub(crate) const ATTEMPTS: u32 = 32;

/// The window of the pause after the first lost race: about one
/// compare-and-set round trip to a local NATS server.
const FIRST: Duration = Duration::from_millis(2);

/// The widest window: the longest a single pause can be. All attempts
/// together wait at most about six seconds (the writer of this node's
/// channel changes waits with them), half that on average.
const MAX: Duration = Duration::from_millis(200);

/// The attempts of one change and the pauses between them.
#[derive(Debug)]
pub(crate) struct Backoff {
    window: Duration,
    rng: fastrand::Rng,
    /// Attempts still allowed.
    left: u32,
    /// Whether an attempt was made (the next one waits first).
    tried: bool,
}

impl Backoff {
    /// The attempts of a new change, at most `attempts`, with its own
    /// randomness.
    pub(crate) fn new(attempts: u32) -> Backoff {
        Backoff::with_rng(attempts, fastrand::Rng::new())
    }

    fn with_rng(attempts: u32, rng: fastrand::Rng) -> Backoff {
        Backoff {
            window: FIRST,
            rng,
            left: attempts,
            tried: false,
        }
    }

    /// Starts the next attempt: `false` once every allowed attempt was made;
    /// otherwise `true`, after a pause (see [`Backoff::next_pause`]) unless
    /// it is the first. A change loops `while backoff.next_attempt().await`,
    /// and an attempt that lost a race goes round again.
    pub(crate) async fn next_attempt(&mut self) -> bool {
        if self.left == 0 {
            return false;
        }
        self.left -= 1;
        if std::mem::replace(&mut self.tried, true) {
            tokio::time::sleep(self.next_pause()).await;
        }
        true
    }

    /// How long to wait after the latest lost race: a random time below the
    /// current window, which then doubles (up to [`MAX`]).
    pub(crate) fn next_pause(&mut self) -> Duration {
        let window = u64::try_from(self.window.as_micros()).unwrap_or(u64::MAX);
        self.window = (self.window * 2).min(MAX);
        Duration::from_micros(self.rng.u64(..=window))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_change_makes_its_attempts_and_waits_only_between_them() {
        let mut backoff = Backoff::new(3);
        assert!(backoff.next_attempt().await);
        // The first attempt did not wait: the window is still the first.
        assert_eq!(backoff.window, FIRST);
        assert!(backoff.next_attempt().await);
        assert_eq!(backoff.window, FIRST * 2);
        assert!(backoff.next_attempt().await);
        assert!(!backoff.next_attempt().await);
        assert!(!backoff.next_attempt().await);
        assert_eq!(backoff.window, FIRST * 4, "no pause once given up");
    }

    #[test]
    fn pauses_are_random_within_a_window_that_doubles_up_to_the_widest() {
        let mut backoff = Backoff::with_rng(ATTEMPTS, fastrand::Rng::with_seed(7));
        let mut windows = Vec::new();
        let mut window = FIRST;
        for _ in 0..ATTEMPTS {
            let pause = backoff.next_pause();
            assert!(pause <= window, "{pause:?} > {window:?}");
            windows.push(window);
            window = (window * 2).min(MAX);
        }
        assert_eq!(windows[1], FIRST * 2);
        assert_eq!(windows.last(), Some(&MAX));
        let total: Duration = windows.iter().sum();
        assert!(total < Duration::from_secs(7), "at most {total:?} in all");
        // Jittered: two changes that lost the same race do not wait alike.
        let mut one = Backoff::with_rng(8, fastrand::Rng::with_seed(1));
        let mut two = Backoff::with_rng(8, fastrand::Rng::with_seed(2));
        let ones: Vec<_> = (0..8).map(|_| one.next_pause()).collect();
        let twos: Vec<_> = (0..8).map(|_| two.next_pause()).collect();
        assert_ne!(ones, twos);
    }
}
