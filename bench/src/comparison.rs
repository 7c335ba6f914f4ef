//! The ratio table of `natter-bench table`: servers compared over several
//! alternated runs, each cell a median, with its ratio to the baseline's.

use crate::report::Report;
use std::fmt::Write;

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
    use crate::report::fixtures::{report, stalled};

    #[test]
    fn medians_of_odd_and_even_counts() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&mut [4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(&mut []), None);
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
}
