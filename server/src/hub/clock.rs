//! The hub's clock for messages: one reading per message gives its msgid's
//! millisecond, its server time and the sender's last activity.
//!
//! The whisper path read the clock three times per message and converted
//! each reading on its own (`clock_gettime`, `SystemTime::duration_since`
//! and chrono's calendar arithmetic were ~7% of its CPU). A message handled
//! at once by its session (an untagged PRIVMSG/NOTICE) shares one reading
//! with the rest of its batch of lines ([`Reading::of_batch`]); any other
//! reads the clock itself. Either way the reading is taken before the
//! destination's order lock and brought up to the latest time already
//! stamped under it ([`Latest::ordered`]), so the times one target sees
//! are in the order it receives the messages, as before.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Seconds in a day (UTC days have no leap seconds in Unix time).
const DAY_SECONDS: u64 = 86_400;

/// Nanoseconds in a second: a `timespec`'s nanoseconds are fewer.
#[cfg(unix)]
const NANOS_PER_SECOND: u32 = 1_000_000_000;

/// One read of the system clock.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reading {
    /// Time since 1970, or the raw reading of a clock set before it.
    since_epoch: Result<Duration, SystemTime>,
}

thread_local! {
    /// The last UTC day a [`Reading::time`] on this thread fell on: messages
    /// of one day share the date, so the calendar is worked out once a day
    /// per thread instead of once per message.
    static LAST_DAY: Cell<Option<(u64, NaiveDate)>> = const { Cell::new(None) };

    /// The reading of the batch of lines this thread's session handles now
    /// (see [`Reading::of_batch`]), with the batch's monotonic start.
    static BATCH: Cell<Option<(Instant, Duration)>> = const { Cell::new(None) };
}

impl Reading {
    /// Reads the clock.
    #[cfg(unix)]
    pub(crate) fn now() -> Reading {
        // CLOCK_REALTIME, which `SystemTime::now` reads too (through the
        // vDSO either way), taken as seconds and nanoseconds since 1970 as
        // the kernel gives them: `SystemTime::duration_since(UNIX_EPOCH)`'s
        // checked subtraction was ~1.3% of a whisper's CPU.
        let now = rustix::time::clock_gettime(rustix::time::ClockId::Realtime);
        match (u64::try_from(now.tv_sec), u32::try_from(now.tv_nsec)) {
            (Ok(seconds), Ok(nanos)) if nanos < NANOS_PER_SECOND => Reading {
                since_epoch: Ok(Duration::new(seconds, nanos)),
            },
            _ => Reading::at(SystemTime::now()),
        }
    }

    /// Reads the clock.
    #[cfg(not(unix))]
    pub(crate) fn now() -> Reading {
        Reading::at(SystemTime::now())
    }

    /// The clock for a message of the batch of lines its session started
    /// handling at `batch` (the session loop's one monotonic reading per
    /// batch): read for the batch's first message and shared by the rest,
    /// instead of one `clock_gettime` per message (~2.5% of a whisper's
    /// CPU; a sender's lines come in batches of many). A session handles
    /// its batch without yielding, so on this thread no other batch comes
    /// between two of its lines; a new batch has a new start. A message is
    /// stamped up to one batch's handling later than this reading (see
    /// [`Latest::ordered`] for the order).
    pub(crate) fn of_batch(batch: Instant) -> Reading {
        if let Some((start, since)) = BATCH.get()
            && start == batch
        {
            return Reading {
                since_epoch: Ok(since),
            };
        }
        let reading = Reading::now();
        if let Ok(since) = reading.since_epoch {
            BATCH.set(Some((batch, since)));
        }
        reading
    }

    /// A reading of `at`.
    pub(crate) fn at(at: SystemTime) -> Reading {
        Reading {
            since_epoch: at.duration_since(UNIX_EPOCH).map_err(|_| at),
        }
    }

    /// Milliseconds since 1970 (0 for a clock set before it).
    pub(crate) fn millis(&self) -> u64 {
        self.since_epoch.map_or(0, |since| {
            u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
        })
    }

    /// The reading as a UTC date and time, the same as chrono's own
    /// conversion of the `SystemTime`.
    pub(crate) fn time(&self) -> DateTime<Utc> {
        match self.since_epoch {
            Ok(since) => utc_from_epoch(since).unwrap_or_else(|| {
                UNIX_EPOCH
                    .checked_add(since)
                    .map_or(DateTime::<Utc>::MAX_UTC, DateTime::<Utc>::from)
            }),
            Err(at) => DateTime::<Utc>::from(at),
        }
    }
}

/// The latest time messages were stamped with, process-wide (nanoseconds
/// since 1970): what keeps one target's times in order although each
/// message's reading is taken before its order lock (see [`Latest::ordered`]).
pub(crate) static LATEST: Latest = Latest::new();

/// The latest stamp of a set of orders (see [`LATEST`]).
#[derive(Debug)]
pub(crate) struct Latest(AtomicU64);

/// How far behind the latest stamp a reading may be and still be brought up
/// to it. A batch's reading lags by its batch's handling (microseconds to
/// milliseconds); one much further behind means the clock was set back, and
/// times then go on from the new clock rather than stand still until it
/// has caught up.
const MAX_LAG: Duration = Duration::from_secs(1);

impl Latest {
    /// Nothing stamped yet.
    pub(crate) const fn new() -> Latest {
        Latest(AtomicU64::new(0))
    }

    /// The time to stamp a message with, given its `reading`: the reading,
    /// or the latest time already stamped when that is later (by at most
    /// [`MAX_LAG`]). Called under the message's order lock, which orders
    /// this load after the previous message's store: so each stamp in one
    /// order is at least the one before it. A reading already stamped (the
    /// rest of a batch) costs one plain load; a later one a `fetch_max`.
    pub(crate) fn ordered(&self, reading: Reading) -> Reading {
        let Ok(since) = reading.since_epoch else {
            return reading;
        };
        let nanos = u64::try_from(since.as_nanos()).unwrap_or(u64::MAX);
        let latest = self.0.load(Ordering::Relaxed);
        if nanos == latest {
            reading
        } else if nanos > latest {
            self.0.fetch_max(nanos, Ordering::Relaxed);
            reading
        } else if Duration::from_nanos(latest - nanos) <= MAX_LAG {
            Reading {
                since_epoch: Ok(Duration::from_nanos(latest)),
            }
        } else {
            // The clock was set back: its times from now on.
            self.0.store(nanos, Ordering::Relaxed);
            reading
        }
    }
}

/// `since` past 1970 in UTC, taking the date from this thread's last day
/// when it is the same day; `None` when out of chrono's range.
fn utc_from_epoch(since: Duration) -> Option<DateTime<Utc>> {
    let seconds = since.as_secs();
    let day = seconds / DAY_SECONDS;
    let date = match LAST_DAY.get() {
        Some((last, date)) if last == day => date,
        _ => {
            let midnight = i64::try_from(day * DAY_SECONDS).ok()?;
            let date = DateTime::from_timestamp(midnight, 0)?.date_naive();
            LAST_DAY.set(Some((day, date)));
            date
        }
    };
    let of_day = u32::try_from(seconds % DAY_SECONDS).ok()?;
    let time = NaiveTime::from_num_seconds_from_midnight_opt(of_day, since.subsec_nanos())?;
    Some(NaiveDateTime::new(date, time).and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn chrono_of(at: SystemTime) -> DateTime<Utc> {
        DateTime::<Utc>::from(at)
    }

    #[test]
    fn a_reading_is_what_chrono_makes_of_the_same_time() {
        let now = SystemTime::now();
        let reading = Reading::at(now);
        assert_eq!(reading.time(), chrono_of(now));
        assert_eq!(
            reading.millis(),
            u64::try_from(reading.time().timestamp_millis()).unwrap_or(0)
        );
    }

    /// The clock read straight is the clock `SystemTime` reads.
    #[test]
    fn now_reads_the_system_clock() {
        let before = Reading::at(SystemTime::now()).millis();
        let now = Reading::now();
        let after = Reading::at(SystemTime::now()).millis();
        assert!(
            (before..=after).contains(&now.millis()),
            "{before} {now:?} {after}"
        );
        assert_eq!(
            now.millis(),
            u64::try_from(now.time().timestamp_millis()).unwrap_or(0)
        );
    }

    #[test]
    fn days_change_at_midnight_and_the_date_follows() {
        let midnight = UNIX_EPOCH + Duration::from_secs(20_000 * DAY_SECONDS);
        for at in [
            midnight - Duration::from_nanos(1),
            midnight,
            midnight + Duration::from_millis(1),
            midnight - Duration::from_secs(DAY_SECONDS),
            midnight - Duration::from_nanos(1),
        ] {
            assert_eq!(Reading::at(at).time(), chrono_of(at), "{at:?}");
        }
    }

    #[test]
    fn a_batch_reads_the_clock_once_and_the_next_batch_again() {
        let batch = Instant::now();
        let first = Reading::of_batch(batch);
        std::thread::sleep(Duration::from_millis(3));
        assert_eq!(Reading::of_batch(batch).time(), first.time());
        let next = Reading::of_batch(Instant::now());
        assert!(next.millis() >= first.millis() + 3, "{first:?} {next:?}");
        // Another thread's batches are its own.
        let elsewhere = std::thread::spawn(move || Reading::of_batch(batch).millis());
        assert!(elsewhere.join().unwrap_or(0) >= next.millis());
    }

    #[test]
    fn a_stamp_never_goes_back_within_a_lag_and_follows_a_clock_set_back() {
        let latest = Latest::new();
        let second = |s: u64| {
            Reading::at(UNIX_EPOCH + Duration::from_secs(1_000_000) + Duration::from_millis(s))
        };
        assert_eq!(latest.ordered(second(500)).millis(), second(500).millis());
        // A reading taken earlier (another batch's) is stamped at the latest.
        assert_eq!(latest.ordered(second(200)).millis(), second(500).millis());
        assert_eq!(latest.ordered(second(500)).millis(), second(500).millis());
        assert_eq!(latest.ordered(second(700)).millis(), second(700).millis());
        // Further back than the lag: the clock was set back.
        let back = Reading::at(UNIX_EPOCH + Duration::from_secs(999_000));
        assert_eq!(latest.ordered(back).millis(), back.millis());
        assert_eq!(latest.ordered(second(0)).millis(), second(0).millis());
        // A clock before 1970 is left as it is.
        let before = Reading::at(UNIX_EPOCH - Duration::from_secs(1));
        assert_eq!(latest.ordered(before).millis(), 0);
        assert_eq!(latest.ordered(second(1)).millis(), second(1).millis());
    }

    #[test]
    fn a_clock_before_1970_reads_as_chrono_says_and_0_ms() {
        let before = UNIX_EPOCH - Duration::from_secs(90_000);
        let reading = Reading::at(before);
        assert_eq!(reading.time(), chrono_of(before));
        assert_eq!(reading.millis(), 0);
    }

    proptest! {
        /// Any time from 1970 to 2400, in any order (the day cache is hit
        /// and missed), converts as chrono converts it.
        #[test]
        fn a_reading_converts_as_chrono_does(
            times in proptest::collection::vec((0u64..13_600_000_000, 0u32..1_000_000_000), 1..20)
        ) {
            for (seconds, nanos) in times {
                let at = UNIX_EPOCH + Duration::new(seconds, nanos);
                let reading = Reading::at(at);
                prop_assert_eq!(reading.time(), chrono_of(at));
                prop_assert_eq!(reading.millis(), seconds * 1000 + u64::from(nanos / 1_000_000));
            }
        }
    }
}
