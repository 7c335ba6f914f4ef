//! Results as JSON and as tables: one run's numbers, and the ratio table that
//! compares servers over several alternated runs (medians).

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

/// A number taken from each report.
struct Metric {
    name: &'static str,
    value: fn(&Report) -> Option<f64>,
    format: fn(f64) -> String,
}

const METRICS: &[Metric] = &[
    Metric {
        name: "deliveries/s",
        value: |r| r.traffic.as_ref().map(|t| t.deliveries_per_s),
        format: |v| format!("{:.2} M", v / 1e6),
    },
    Metric {
        name: "CPU-s per M deliveries",
        value: Report::cpu_per_million,
        format: |v| format!("{v:.2}"),
    },
    Metric {
        name: "p99 latency",
        value: |r| r.traffic.as_ref().map(|t| t.latency.p99_us),
        format: |v| format!("{:.2} ms", v / 1000.0),
    },
    Metric {
        name: "lost deliveries",
        value: |r| r.traffic.as_ref().map(|t| t.lost as f64),
        format: |v| format!("{v:.0}"),
    },
    Metric {
        name: "order violations",
        value: |r| r.traffic.as_ref().map(|t| t.order_violations as f64),
        format: |v| format!("{v:.0}"),
    },
    Metric {
        name: "server cores used",
        value: Report::cores_used,
        format: |v| format!("{v:.2}"),
    },
    Metric {
        name: "RSS per idle connection",
        value: |r| r.idle.as_ref().and_then(|i| i.rss_per_connection_bytes),
        format: |v| format!("{:.1} KB", v / 1000.0),
    },
];

/// The median of `values` (mean of the middle two for an even count).
pub fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    Some(if values.len() % 2 == 1 {
        values[middle]
    } else {
        (values[middle - 1] + values[middle]) / 2.0
    })
}

/// A markdown table comparing servers: one row per scenario and metric, one
/// column per label, each cell the median over that label's runs, with the
/// ratio to `baseline`'s median in parentheses (for rates: how many times
/// more; for costs: how many times as much). Stalled runs are left out of
/// the medians and counted in a row of their own (a label with only stalled
/// runs shows `stalled`).
pub fn comparison_table(reports: &[Report], baseline: &str) -> String {
    let mut labels: Vec<&str> = Vec::new();
    let mut scenarios: Vec<&str> = Vec::new();
    for report in reports {
        if !labels.contains(&report.label.as_str()) {
            labels.push(&report.label);
        }
        if !scenarios.contains(&report.scenario.as_str()) {
            scenarios.push(&report.scenario);
        }
    }
    if let Some(at) = labels.iter().position(|label| *label == baseline) {
        let base = labels.remove(at);
        labels.insert(0, base);
    }
    let mut out = String::new();
    let _ = write!(out, "| scenario | metric |");
    for label in &labels {
        let _ = write!(out, " {label} |");
    }
    let _ = write!(out, "\n|---|---|");
    for _ in &labels {
        let _ = write!(out, "---|");
    }
    out.push('\n');
    for scenario in &scenarios {
        let columns: Vec<Vec<&Report>> = labels
            .iter()
            .map(|label| {
                let runs = reports.iter();
                runs.filter(|r| r.label == *label && r.scenario == *scenario)
                    .collect()
            })
            .collect();
        for metric in METRICS {
            metric_row(&mut out, scenario, metric, &columns);
        }
        stalled_row(&mut out, scenario, &columns);
    }
    let runs = reports.len();
    let stalled = match reports.iter().filter(|r| r.stalled()).count() {
        0 => String::new(),
        count => format!(" ({count} stalled, left out of the medians)"),
    };
    let _ = writeln!(
        out,
        "\nMedians of {runs} runs{stalled}; (n×) is the ratio to {baseline}'s median (rates: higher is better; costs and latency: lower is better)."
    );
    out
}

/// One metric's row for a scenario, each column the median of that
/// label's runs that did not stall; nothing when no run measured it.
fn metric_row(out: &mut String, scenario: &str, metric: &Metric, columns: &[Vec<&Report>]) {
    let measured = columns
        .iter()
        .flatten()
        .any(|r| (metric.value)(r).is_some());
    if !measured {
        return;
    }
    let medians: Vec<Option<f64>> = columns
        .iter()
        .map(|runs| {
            let mut values: Vec<f64> = runs
                .iter()
                .filter(|r| !r.stalled())
                .filter_map(|r| (metric.value)(r))
                .collect();
            median(&mut values)
        })
        .collect();
    let base = medians.first().copied().flatten();
    let _ = write!(out, "| {scenario} | {} |", metric.name);
    for (index, value) in medians.iter().enumerate() {
        let only_stalled = !columns[index].is_empty() && columns[index].iter().all(|r| r.stalled());
        let cell = match (value, base) {
            (None, _) if only_stalled => "stalled".to_string(),
            (None, _) => "–".to_string(),
            (Some(v), Some(b)) if index > 0 && b > 0.0 && *v >= 0.0 => {
                let ratio = v / b;
                format!("{} ({ratio:.2}×)", (metric.format)(*v))
            }
            (Some(v), _) => (metric.format)(*v),
        };
        let _ = write!(out, " {cell} |");
    }
    out.push('\n');
}

/// The row counting a scenario's stalled runs per label, when it has any.
fn stalled_row(out: &mut String, scenario: &str, columns: &[Vec<&Report>]) {
    if !columns.iter().flatten().any(|r| r.stalled()) {
        return;
    }
    let _ = write!(out, "| {scenario} | stalled runs |");
    for runs in columns {
        let stalled = runs.iter().filter(|r| r.stalled()).count();
        let _ = write!(out, " {stalled} of {} |", runs.len());
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::{Percentiles, Stall, StallCause};

    fn report(label: &str, scenario: &str, rate: f64, cpu_s: f64) -> Report {
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

    #[test]
    fn medians_of_odd_and_even_counts() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&mut [4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(&mut []), None);
    }

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
    fn the_comparison_puts_the_baseline_first_with_ratios_of_medians() {
        let reports = vec![
            report("natterd", "fanout 100x10", 3e6, 0.3),
            report("ngircd", "fanout 100x10", 1e6, 0.3),
            report("ngircd", "fanout 100x10", 2e6, 0.3),
            report("ngircd", "fanout 100x10", 9e6, 0.3),
            report("natterd", "fanout 100x10", 5e6, 0.3),
        ];
        let table = comparison_table(&reports, "ngircd");
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines[0], "| scenario | metric | ngircd | natterd |");
        // ngircd median 2 M; natterd median 4 M = 2×.
        assert_eq!(
            lines[2],
            "| fanout 100x10 | deliveries/s | 2.00 M | 4.00 M (2.00×) |"
        );
        assert!(table.contains("Medians of 5 runs"));
        assert!(!table.contains("RSS per idle"), "no idle runs, no idle row");
    }

    #[test]
    fn a_missing_label_for_a_scenario_is_a_dash() {
        let reports = vec![
            report("ngircd", "a", 1e6, 0.1),
            report("natterd", "b", 1e6, 0.1),
        ];
        let table = comparison_table(&reports, "ngircd");
        assert!(
            table.contains("| a | deliveries/s | 1.00 M | – |"),
            "{table}"
        );
        assert!(
            table.contains("| b | deliveries/s | – | 1.00 M |"),
            "{table}"
        );
    }

    fn stalled(label: &str, scenario: &str, rate: f64) -> Report {
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
    fn stalled_runs_are_counted_apart_and_left_out_of_the_medians() {
        let reports = vec![
            report("ngircd", "fanout 100x1", 1e6, 0.3),
            report("inspircd", "fanout 100x1", 4e5, 0.3),
            stalled("inspircd", "fanout 100x1", 1e3),
            report("inspircd", "fanout 100x1", 6e5, 0.3),
            stalled("natterd", "fanout 100x1", 1e3),
        ];
        let table = comparison_table(&reports, "ngircd");
        assert!(
            table.contains("| fanout 100x1 | deliveries/s | 1.00 M | 0.50 M (0.50×) | stalled |"),
            "{table}"
        );
        assert!(
            table.contains("| fanout 100x1 | stalled runs | 0 of 1 | 1 of 3 | 1 of 1 |"),
            "{table}"
        );
        assert!(
            table.contains("Medians of 5 runs (2 stalled, left out of the medians)"),
            "{table}"
        );
        assert!(!table.contains("RSS per idle"), "{table}");
        let calm = comparison_table(&reports[..2], "ngircd");
        assert!(!calm.contains("stalled"), "{calm}");
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
