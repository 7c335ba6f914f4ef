//! The server process's CPU time and memory, read from Linux's `/proc`.
//!
//! CPU time is what the kernel charged the process (user + system), so it is
//! robust to other load on the machine in a way wall-clock rates are not.

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Clock ticks per second in `/proc/PID/stat` (the kernel's `USER_HZ`, 100 on
/// every Linux architecture in practice).
const TICKS_PER_SECOND: f64 = 100.0;

/// One reading of a process.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ProcSample {
    /// User plus system CPU time so far, seconds.
    pub cpu_s: f64,
    /// Resident memory now, KiB.
    pub rss_kib: u64,
    /// Threads now.
    pub threads: u64,
}

/// What a process used between two samples.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ProcUsage {
    /// CPU seconds used in between.
    pub cpu_s: f64,
    /// Resident memory at the first sample, KiB.
    pub rss_before_kib: u64,
    /// Resident memory at the second sample, KiB.
    pub rss_after_kib: u64,
    /// Threads at the second sample.
    pub threads: u64,
}

impl ProcUsage {
    /// The usage between `before` and `after`.
    pub fn between(before: ProcSample, after: ProcSample) -> ProcUsage {
        ProcUsage {
            cpu_s: (after.cpu_s - before.cpu_s).max(0.0),
            rss_before_kib: before.rss_kib,
            rss_after_kib: after.rss_kib,
            threads: after.threads,
        }
    }
}

/// Reads process `pid` now.
pub fn sample(pid: u32) -> std::io::Result<ProcSample> {
    let dir = PathBuf::from(format!("/proc/{pid}"));
    let stat = std::fs::read_to_string(dir.join("stat"))?;
    let status = std::fs::read_to_string(dir.join("status"))?;
    let invalid = |what: &str| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("/proc/{pid}/{what} has an unexpected format"),
        )
    };
    let ticks = parse_cpu_ticks(&stat).ok_or_else(|| invalid("stat"))?;
    Ok(ProcSample {
        cpu_s: ticks as f64 / TICKS_PER_SECOND,
        rss_kib: status_field(&status, "VmRSS:").ok_or_else(|| invalid("status"))?,
        threads: status_field(&status, "Threads:").unwrap_or(0),
    })
}

/// `utime + stime` (fields 14 and 15) of a `/proc/PID/stat` line. The command
/// name (field 2) is in parentheses and may itself contain spaces and
/// parentheses, so fields are counted from the last `)`.
pub fn parse_cpu_ticks(stat: &str) -> Option<u64> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    let mut fields = after_name.split_whitespace();
    // After the name: state is field 3, so utime (14) is the 12th from here.
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

/// A numeric `/proc/PID/status` field such as `VmRSS:   1234 kB`.
pub fn status_field(status: &str, name: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|line| line.strip_prefix(name))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_ticks_are_counted_after_the_command_name() {
        let stat =
            "1234 (natter d) (x)) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 9 0 100 0 0";
        assert_eq!(parse_cpu_ticks(stat), Some(300));
        assert_eq!(parse_cpu_ticks("1234 (x) S 1"), None);
        assert_eq!(parse_cpu_ticks("garbage"), None);
    }

    #[test]
    fn status_fields_are_read_in_kib() {
        let status = "Name:\tnatterd\nVmRSS:\t   18432 kB\nThreads:\t3\n";
        assert_eq!(status_field(status, "VmRSS:"), Some(18432));
        assert_eq!(status_field(status, "Threads:"), Some(3));
        assert_eq!(status_field(status, "VmSwap:"), None);
    }

    #[test]
    fn this_process_can_be_sampled() {
        let before = sample(std::process::id()).unwrap();
        let work: u64 = (0..2_000_000u64).map(|n| n ^ (n >> 3)).sum();
        assert!(work > 0);
        let after = sample(std::process::id()).unwrap();
        let usage = ProcUsage::between(before, after);
        assert!(usage.rss_after_kib > 0);
        assert!(usage.cpu_s >= 0.0);
        assert!(usage.threads >= 1);
    }
}
