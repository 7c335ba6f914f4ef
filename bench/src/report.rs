//! One run's results: what `--json` writes and the table printed after a run.
//! Comparing several runs is [`crate::comparison`]'s.

use crate::idle::IdleSummary;
use crate::procfs::ProcUsage;
use crate::stats::TrafficSummary;
use serde::{Deserialize, Serialize};
use std::fmt::Write;

/// One run, as written with `--json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Always `natter-bench`.
    pub tool: String,
    /// The tool's version.
    pub version: String,
    /// What the server is called in comparisons (`--label`, e.g. `ngircd`).
    pub label: String,
    /// The address that was benchmarked.
    pub server: String,
    /// The scenario in words, e.g. `fanout 100x10 unlimited`: runs with equal
    /// scenarios are compared.
    pub scenario: String,
    /// Fan-out and whisper results.
    pub traffic: Option<TrafficSummary>,
    /// Idle-connection results.
    pub idle: Option<IdleSummary>,
    /// The server process over the measured window (with `--server-pid`).
    pub server_usage: Option<ProcUsage>,
    /// Connections the server closed, with its reason.
    pub disconnected: Vec<String>,
}

impl Report {
    /// Server CPU-seconds per million deliveries.
    pub fn cpu_per_million(&self) -> Option<f64> {
        let traffic = self.traffic.as_ref()?;
        let usage = self.server_usage?;
        (traffic.received > 0).then(|| usage.cpu_s * 1e6 / traffic.received as f64)
    }

    /// Cores the server kept busy on average (CPU-seconds per second).
    pub fn cores_used(&self) -> Option<f64> {
        let traffic = self.traffic.as_ref()?;
        let usage = self.server_usage?;
        (traffic.elapsed_s > 0.0).then(|| usage.cpu_s / traffic.elapsed_s)
    }

    /// Whether the run was cut short by the stall limit (its numbers are partial).
    pub fn stalled(&self) -> bool {
        self.traffic.as_ref().is_some_and(|t| t.stall.is_some())
    }

    /// A readable table of this run.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{} against {} ({})",
            self.scenario, self.server, self.label
        );
        let mut row = |name: &str, value: String| {
            let _ = writeln!(out, "  {name:<36} {value}");
        };
        if let Some(t) = &self.traffic {
            if let Some(stall) = &t.stall {
                row(
                    "STALLED",
                    format!("{stall}; cut short with {} deliveries missing", t.lost),
                );
            }
            row("deliveries/s", format!("{:.0}", t.deliveries_per_s));
            row("messages sent", t.sent.to_string());
            row(
                "deliveries received / expected",
                format!("{} / {}", t.received, t.expected),
            );
            row("lost", t.lost.to_string());
            row("order violations", t.order_violations.to_string());
            row("elapsed", format!("{:.3} s", t.elapsed_s));
            let l = &t.latency;
            row(
                "latency p50 / p90 / p99 / p99.9",
                format!(
                    "{} / {} / {} / {}",
                    ms(l.p50_us),
                    ms(l.p90_us),
                    ms(l.p99_us),
                    ms(l.p999_us)
                ),
            );
            row("latency max", ms(l.max_us));
            if t.max_sender_lag_ms > 0.0 {
                row(
                    "senders behind schedule (max)",
                    format!("{:.2} ms", t.max_sender_lag_ms),
                );
            }
        }
        if let Some(idle) = &self.idle {
            row("connections held", idle.connections.to_string());
            row("time to register them", format!("{:.2} s", idle.register_s));
            if let Some(bytes) = idle.rss_per_connection_bytes {
                row("server RSS per connection", format!("{:.0} bytes", bytes));
            }
        }
        if let Some(usage) = &self.server_usage {
            row("server CPU", format!("{:.2} s", usage.cpu_s));
            if let Some(cpu) = self.cpu_per_million() {
                row("server CPU-s per million deliveries", format!("{cpu:.3}"));
            }
            if let Some(cores) = self.cores_used() {
                row("server cores used", format!("{cores:.2}"));
            }
            row(
                "server RSS before -> after",
                format!("{} -> {} KiB", usage.rss_before_kib, usage.rss_after_kib),
            );
        }
        if !self.disconnected.is_empty() {
            row(
                "disconnected by the server",
                self.disconnected.len().to_string(),
            );
            if let Some(first) = self.disconnected.first() {
                row("  first reason", first.clone());
            }
        }
        out
    }
}

fn ms(us: f64) -> String {
    format!("{:.2} ms", us / 1000.0)
}

/// Reports made up for tests (here and in [`crate::comparison`]).
#[cfg(test)]
pub(crate) mod fixtures {
    use super::*;
    use crate::stats::{Percentiles, Stall, StallCause};

    pub(crate) fn report(label: &str, scenario: &str, rate: f64, cpu_s: f64) -> Report {
        Report {
            tool: "natter-bench".into(),
            version: "0".into(),
            label: label.into(),
            server: "127.0.0.1:6667".into(),
            scenario: scenario.into(),
            traffic: Some(TrafficSummary {
                sent: 10,
                expected: 1_000_000,
                received: 1_000_000,
                lost: 0,
                order_violations: 0,
                elapsed_s: 1_000_000.0 / rate,
                deliveries_per_s: rate,
                latency: Percentiles {
                    p50_us: 100.0,
                    p90_us: 200.0,
                    p99_us: 1000.0,
                    p999_us: 2000.0,
                    max_us: 3000.0,
                },
                max_sender_lag_ms: 0.0,
                stall: None,
            }),
            idle: None,
            server_usage: Some(ProcUsage {
                cpu_s,
                rss_before_kib: 1,
                rss_after_kib: 2,
                threads: 1,
            }),
            disconnected: Vec::new(),
        }
    }

    pub(crate) fn stalled(label: &str, scenario: &str, rate: f64) -> Report {
        let mut r = report(label, scenario, rate, 0.1);
        if let Some(traffic) = r.traffic.as_mut() {
            traffic.lost = 250_000;
            traffic.stall = Some(Stall {
                cause: StallCause::NoDelivery,
                limit_s: 30.0,
                senders_unfinished: 1,
            });
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::{report, stalled};
    use super::*;
    use crate::stats::{Stall, StallCause};

    #[test]
    fn derived_numbers_come_from_the_usage() {
        let r = report("x", "s", 2e6, 0.5);
        assert_eq!(r.cpu_per_million(), Some(0.5));
        assert!((r.cores_used().unwrap() - 1.0).abs() < 1e-9);
        let mut no_pid = r.clone();
        no_pid.server_usage = None;
        assert_eq!(no_pid.cpu_per_million(), None);
        assert!(
            r.table()
                .contains("server CPU-s per million deliveries  0.500")
        );
    }

    #[test]
    fn a_stalled_run_says_so_with_what_was_missing() {
        let table = stalled("inspircd", "fanout 100x1", 1e5).table();
        assert!(
            table.contains(
                "  STALLED                              no delivery for 30 s while 1 sender(s) \
                 were still writing; cut short with 250000 deliveries missing"
            ),
            "{table}"
        );
        assert!(!report("x", "s", 1e6, 0.1).table().contains("STALLED"));
        let mut crawled = stalled("inspircd", "fanout 100x1", 1e5);
        if let Some(stall) = crawled.traffic.as_mut().and_then(|t| t.stall.as_mut()) {
            *stall = Stall {
                cause: StallCause::TimeLimit,
                limit_s: 600.0,
                senders_unfinished: 0,
            };
        }
        let table = crawled.table();
        assert!(
            table.contains(
                "not done within the 600 s time limit (0 sender(s) still writing); \
                 cut short with 250000 deliveries missing"
            ),
            "{table}"
        );
    }

    #[test]
    fn a_stall_goes_into_the_json_and_older_reports_still_read() {
        let r = stalled("inspircd", "fanout 100x1", 1e3);
        let json = serde_json::to_string(&r).unwrap();
        let stall = r#""stall":{"cause":"no_delivery","limit_s":30.0,"senders_unfinished":1}"#;
        assert!(json.contains(stall), "{json}");
        assert_eq!(serde_json::from_str::<Report>(&json).unwrap(), r);
        let older = json.replace(&format!(",{stall}"), "");
        let read: Report = serde_json::from_str(&older).unwrap();
        assert!(!read.stalled());
        // Reports from before the cause was recorded: a stall was a gap.
        let first = json.replace(r#""cause":"no_delivery","#, "");
        let read: Report = serde_json::from_str(&first).unwrap();
        assert_eq!(
            read.traffic.and_then(|t| t.stall),
            r.traffic.and_then(|t| t.stall)
        );
    }

    #[test]
    fn reports_round_trip_through_json() {
        let r = report("natterd", "whisper 100", 1e6, 0.2);
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(serde_json::from_str::<Report>(&json).unwrap(), r);
    }
}
