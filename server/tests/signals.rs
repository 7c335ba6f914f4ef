//! Stop signals are caught from the moment [`Signals::install`] returns: a
//! SIGINT or SIGTERM that arrives before the signal task first runs (natterd
//! is already serving clients by then) is queued and stops the server
//! cleanly instead of killing the process without a goodbye.
#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use natterd::Config;
use natterd::context::Context;
use natterd::reload::{ConfigSource, Reloader};
use natterd::service::Signals;
use rustix::process::{Signal, getpid, kill_process};
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// Installs the handlers, raises `signal` at this process before the signal
/// task exists, then runs it: the queued signal must cancel `shutdown`.
async fn queued_signal_stops(signal: Signal) {
    let signals = Signals::install().unwrap();
    // Without a handler, SIGINT and SIGTERM would end this test process here.
    kill_process(getpid(), signal).unwrap();
    let context = Arc::new(Context::new(Config::default(), None, None));
    let reloader = Reloader::new(context, ConfigSource::new(None, |_| {}));
    let shutdown = CancellationToken::new();
    let task = tokio::spawn(signals.run(reloader, shutdown.clone()));
    // Liveness only: a signal that was lost would leave this waiting forever.
    tokio::time::timeout(std::time::Duration::from_secs(30), shutdown.cancelled())
        .await
        .expect("the queued signal stopped the server");
    task.await.unwrap();
}

/// One test, so the two signals are raised one after the other, never while
/// the other's handlers are being set up.
#[tokio::test]
async fn sigint_and_sigterm_raised_right_after_install_stop_the_server() {
    queued_signal_stops(Signal::INT).await;
    queued_signal_stops(Signal::TERM).await;
}
