//! Gauges read from the server's state at scrape time.

use super::{BUILD_INFO, CONNECTIONS, HISTORY_DROPPED, HISTORY_QUEUE, UPTIME};
use crate::context::{Context, VERSION};
use std::collections::BTreeMap;

/// Sets every state gauge from `context`, just before a scrape renders them.
pub fn collect(context: &Context) {
    let mut registered: BTreeMap<&'static str, usize> = BTreeMap::from([("irc", 0), ("plain", 0)]);
    context.hub.read(|hub| {
        for client in hub.clients.values() {
            *registered.entry(client.dialect_name()).or_default() += 1;
        }
    });
    for (dialect, count) in registered {
        metrics::gauge!(CONNECTIONS, "dialect" => dialect, "state" => "registered")
            .set(count as f64);
    }
    metrics::gauge!(CONNECTIONS, "dialect" => "any", "state" => "unregistered")
        .set(context.admission.unregistered() as f64);
    if let Some(history) = &context.history {
        metrics::gauge!(HISTORY_QUEUE).set(history.queue_depth() as f64);
        metrics::counter!(HISTORY_DROPPED).absolute(history.dropped_count());
    }
    let uptime = chrono::Utc::now() - context.created;
    metrics::gauge!(UPTIME).set(uptime.num_milliseconds() as f64 / 1000.0);
    metrics::gauge!(BUILD_INFO, "version" => VERSION).set(1.0);
}
