//! scripts/crosscheck.py, the independent fan-out check that natter-bench's
//! numbers are compared with, against a real natterd on 127.0.0.1:0: it
//! registers, joins, sends, and counts every delivery (and only those).

#![allow(clippy::expect_used)]

use natterd::Config;
use natterd::testing::TestServer;

/// A natterd with flood control out of the way, as the benchmarks run it.
async fn unthrottled_server() -> TestServer {
    let mut config = Config::default();
    config.limits.flood_burst = 1_000_000;
    config.limits.flood_rate = 1e9;
    config.limits.flood_max_queued = 1_000_000;
    TestServer::start_with(config).await
}

/// Runs crosscheck.py with `args` against `server`; its standard output, once
/// it exited successfully.
async fn crosscheck(server: &TestServer, args: &[&str]) -> String {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/crosscheck.py");
    let output = tokio::process::Command::new("python3")
        .arg(script)
        .args(args)
        .args(["--label", "natterd"])
        .arg("--server")
        .arg(server.addr.to_string())
        .output()
        .await
        .expect("python3 runs the script");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    stdout
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_independent_check_counts_every_fanout_delivery() {
    let server = unthrottled_server().await;
    // In-process: the server's CPU is this process's.
    let pid = std::process::id().to_string();
    let stdout = crosscheck(
        &server,
        // Two batches of registrations (8 at a time).
        &[
            "--receivers",
            "11",
            "--senders",
            "2",
            "--messages",
            "401",
            "--server-pid",
            &pid,
        ],
    )
    .await;
    // 401 messages, each to the 10 other members.
    assert!(
        stdout.contains("(natterd): ") && stdout.contains(" 4010 of 4010 deliveries in "),
        "{stdout}"
    );
    assert!(stdout.contains("CPU-s per M deliveries"), "{stdout}");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_independent_check_counts_every_whisper() {
    let server = unthrottled_server().await;
    let stdout = crosscheck(&server, &["--pairs", "3", "--messages", "301"]).await;
    assert!(
        stdout.starts_with("crosscheck whisper 3 against ")
            && stdout.contains(" 301 of 301 deliveries in "),
        "{stdout}"
    );
    server.shutdown().await;
}
