//! Prometheus metrics: what the server is doing, for an admin's dashboards.
//!
//! Instrumentation uses the global `metrics` macros through the one-line
//! helpers below, so the code being measured stays uncluttered; without
//! `[metrics] bind` no recorder is installed and every call is a no-op.
//! Gauges that describe state (connections, queue depth, uptime) are read
//! from the [`Context`] at scrape time ([`collect`]) instead of being kept in
//! step with every change. [`http`] serves the text format.

pub mod collect;
pub mod counted;
pub mod http;

use crate::config::Config;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

pub use counted::CountedRead;

/// Open connections: registered ones by `dialect` (`irc`, `plain`), and those still registering (`dialect="any"`, `state="unregistered"`).
pub const CONNECTIONS: &str = "natterd_connections";
/// Completed registrations by `dialect`.
pub const REGISTRATIONS: &str = "natterd_registrations_total";
/// Messages accepted for delivery by `command` (PRIVMSG, NOTICE) and `target` (channel, private).
pub const MESSAGES: &str = "natterd_messages_total";
/// Copies of messages queued to recipients, by `command` and `target`.
pub const DELIVERIES: &str = "natterd_deliveries_total";
/// Bytes read from clients.
pub const RECEIVED_BYTES: &str = "natterd_received_bytes_total";
/// Bytes written to clients.
pub const SENT_BYTES: &str = "natterd_sent_bytes_total";
/// Clients dropped because their output queue overflowed (`SendQ exceeded`).
pub const SENDQ_OVERFLOWS: &str = "natterd_sendq_overflows_total";
/// Connections ended, by `reason` (`excess_flood` counts flood disconnects).
pub const DISCONNECTS: &str = "natterd_disconnects_total";
/// Connections refused at accept, by `reason` (`full`, `per_address`, `unregistered`, `unregistered_per_address`).
pub const REFUSED: &str = "natterd_refused_connections_total";
/// Messages waiting for the history writer.
pub const HISTORY_QUEUE: &str = "natterd_history_queue_depth";
/// History transactions committed.
pub const HISTORY_COMMITS: &str = "natterd_history_commits_total";
/// Messages committed to history.
pub const HISTORY_COMMITTED: &str = "natterd_history_committed_messages_total";
/// Seconds one history commit took.
pub const HISTORY_COMMIT_SECONDS: &str = "natterd_history_commit_seconds";
/// Messages delivered but left out of history (full queue, failing disk).
pub const HISTORY_DROPPED: &str = "natterd_history_dropped_total";
/// CHATHISTORY requests answered.
pub const CHATHISTORY_REQUESTS: &str = "natterd_chathistory_requests_total";
/// Seconds one CHATHISTORY request took, history query included.
pub const CHATHISTORY_SECONDS: &str = "natterd_chathistory_seconds";
/// Seconds since the server started.
pub const UPTIME: &str = "natterd_uptime_seconds";
/// Always 1, labelled with the `version`.
pub const BUILD_INFO: &str = "natterd_build_info";

/// Latency buckets, in seconds: 100 µs to 5 s.
const SECONDS_BUCKETS: &[f64] = &[
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// Why metrics could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum MetricsError {
    /// The exporter refused its configuration.
    #[error("cannot set up metrics: {0}")]
    Build(String),
    /// Another recorder is installed already (only one per process).
    #[error("cannot set up metrics: a recorder is installed already")]
    AlreadyInstalled,
}

/// Whether [`install`] has installed the recorder. Without one every metric
/// is a no-op, yet a call still builds its key (labels and all): the calls
/// made per message, read and write skip that when this is false.
static INSTALLED: AtomicBool = AtomicBool::new(false);

/// Whether metrics are being recorded (see [`INSTALLED`]).
fn installed() -> bool {
    INSTALLED.load(Ordering::Relaxed)
}

/// Installs the process-wide Prometheus recorder and describes every metric.
/// Call once, only when metrics are enabled.
pub fn install() -> Result<PrometheusHandle, MetricsError> {
    let recorder = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), SECONDS_BUCKETS)
        .map_err(|error| MetricsError::Build(error.to_string()))?
        .build_recorder();
    let handle = recorder.handle();
    metrics::set_global_recorder(recorder).map_err(|_| MetricsError::AlreadyInstalled)?;
    INSTALLED.store(true, Ordering::Relaxed);
    describe();
    Ok(handle)
}

fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_gauge!(CONNECTIONS, "Open connections by dialect and state.");
    describe_counter!(REGISTRATIONS, "Completed registrations by dialect.");
    describe_counter!(
        MESSAGES,
        "Messages accepted for delivery by command and target kind."
    );
    describe_counter!(
        DELIVERIES,
        "Message copies queued to recipients by command and target kind."
    );
    describe_counter!(RECEIVED_BYTES, Unit::Bytes, "Bytes read from clients.");
    describe_counter!(SENT_BYTES, Unit::Bytes, "Bytes written to clients.");
    describe_counter!(
        SENDQ_OVERFLOWS,
        "Clients dropped because their output queue overflowed."
    );
    describe_counter!(DISCONNECTS, "Connections ended, by reason.");
    describe_counter!(REFUSED, "Connections refused at accept, by reason.");
    describe_gauge!(HISTORY_QUEUE, "Messages waiting for the history writer.");
    describe_counter!(HISTORY_COMMITS, "History transactions committed.");
    describe_counter!(HISTORY_COMMITTED, "Messages committed to history.");
    describe_histogram!(
        HISTORY_COMMIT_SECONDS,
        Unit::Seconds,
        "Time one history commit took."
    );
    describe_counter!(
        HISTORY_DROPPED,
        "Messages delivered but left out of history."
    );
    describe_counter!(CHATHISTORY_REQUESTS, "CHATHISTORY requests answered.");
    describe_histogram!(
        CHATHISTORY_SECONDS,
        Unit::Seconds,
        "Time one CHATHISTORY request took."
    );
    describe_gauge!(UPTIME, Unit::Seconds, "Seconds since the server started.");
    describe_gauge!(BUILD_INFO, "Always 1; the version is a label.");
}

/// Whether `[metrics] bind` is set.
pub fn enabled(config: &Config) -> bool {
    config.metrics.bind.is_some()
}

/// A client completed registration.
pub fn registered(dialect: &'static str) {
    metrics::counter!(REGISTRATIONS, "dialect" => dialect).increment(1);
}

/// A message was accepted and queued to `deliveries` recipients.
pub fn message(command: &'static str, private: bool, deliveries: usize) {
    if !installed() {
        return;
    }
    let target = if private { "private" } else { "channel" };
    metrics::counter!(MESSAGES, "command" => command, "target" => target).increment(1);
    metrics::counter!(DELIVERIES, "command" => command, "target" => target)
        .increment(deliveries as u64);
}

/// Bytes were written to a client.
pub fn sent(bytes: usize) {
    if !installed() {
        return;
    }
    metrics::counter!(SENT_BYTES).increment(bytes as u64);
}

/// Bytes were read from a client.
pub fn received(bytes: usize) {
    if !installed() {
        return;
    }
    metrics::counter!(RECEIVED_BYTES).increment(bytes as u64);
}

/// A client's output queue overflowed and it is being dropped.
pub fn sendq_overflow() {
    metrics::counter!(SENDQ_OVERFLOWS).increment(1);
}

/// A connection ended for `reason` (a short snake_case label).
pub fn disconnected(reason: &'static str) {
    metrics::counter!(DISCONNECTS, "reason" => reason).increment(1);
}

/// A connection was refused at accept for `reason` (a short snake_case label).
pub fn refused(reason: &'static str) {
    metrics::counter!(REFUSED, "reason" => reason).increment(1);
}

/// A history batch of `messages` was committed, starting at `started`.
pub fn history_committed(messages: usize, started: Instant) {
    metrics::counter!(HISTORY_COMMITS).increment(1);
    metrics::counter!(HISTORY_COMMITTED).increment(messages as u64);
    metrics::histogram!(HISTORY_COMMIT_SECONDS).record(started.elapsed().as_secs_f64());
}

/// Times one CHATHISTORY request: counts it and records its duration when dropped.
#[derive(Debug)]
pub struct ChathistoryTimer(Instant);

impl ChathistoryTimer {
    /// Starts timing a request.
    pub fn start() -> ChathistoryTimer {
        ChathistoryTimer(Instant::now())
    }
}

impl Drop for ChathistoryTimer {
    fn drop(&mut self) {
        metrics::counter!(CHATHISTORY_REQUESTS).increment(1);
        metrics::histogram!(CHATHISTORY_SECONDS).record(self.0.elapsed().as_secs_f64());
    }
}
