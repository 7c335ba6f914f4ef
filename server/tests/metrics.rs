//! The Prometheus endpoint of the real binary: off by default, and with
//! `[metrics] bind` its counters move while people chat.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod process;

use process::{Irc, signal, spawn_logged, wait_exit};
use std::ffi::OsStr;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

fn get(address: &str, path: &str) -> String {
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: natterd\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

/// The value of the sample named `name` carrying every label in `labels`.
fn sample(text: &str, name: &str, labels: &[&str]) -> f64 {
    let body = text.split_once("\r\n\r\n").map_or(text, |(_, body)| body);
    body.lines()
        .filter(|line| !line.starts_with('#') && line.contains(' '))
        .find(|line| {
            let (series, _) = line.rsplit_once(' ').unwrap();
            let series_name = series.split('{').next().unwrap();
            series_name == name && labels.iter().all(|label| series.contains(label))
        })
        .map(|line| line.rsplit_once(' ').unwrap().1.parse().unwrap())
        .unwrap_or_else(|| panic!("no sample {name} {labels:?} in\n{text}"))
}

#[test]
fn counters_move_while_people_chat() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("natterd.toml");
    std::fs::write(
        &config,
        "[history]\nsync = \"full\"\n[metrics]\nbind = \"127.0.0.1:0\"\n",
    )
    .unwrap();
    let data = dir.path().join("data");
    let args = process::config_args(&config, &data);
    let (mut server, address, log) = spawn_logged(args, "warn", &[]);
    let line = log.wait_for("metrics on http://");
    let metrics = line
        .split("http://")
        .nth(1)
        .unwrap()
        .trim_end_matches("/metrics")
        .to_string();

    let (mut alice, _) = Irc::register(&address, "alice");
    let (mut bob, _) = Irc::register(&address, "bob");
    let before = get(&metrics, "/metrics");
    assert!(before.starts_with("HTTP/1.1 200 OK\r\n"), "{before}");
    assert!(
        before.contains("Content-Type: text/plain; version=0.0.4"),
        "{before}"
    );
    assert_eq!(
        sample(
            &before,
            "natterd_connections",
            &["dialect=\"irc\"", "state=\"registered\""]
        ),
        2.0
    );
    assert_eq!(
        sample(&before, "natterd_registrations_total", &["dialect=\"irc\""]),
        2.0
    );
    assert_eq!(
        sample(&before, "natterd_build_info", &["version=\"natterd-"]),
        1.0
    );
    let sent_before = sample(&before, "natterd_sent_bytes_total", &[]);

    for irc in [&mut alice, &mut bob] {
        irc.send("JOIN #lobby");
        irc.until(|line| line.contains(" 366 "));
    }
    for n in 0..3 {
        alice.send(&format!("PRIVMSG #lobby :hello {n}"));
    }
    alice.send("PRIVMSG bob :psst");
    bob.until(|line| line.ends_with("psst"));
    bob.send("CHATHISTORY LATEST #lobby * 10");
    bob.send("PING :after-history");
    bob.until(|line| line.ends_with("after-history"));

    let after = get(&metrics, "/metrics");
    let channel = ["command=\"PRIVMSG\"", "target=\"channel\""];
    let private = ["command=\"PRIVMSG\"", "target=\"private\""];
    assert_eq!(sample(&after, "natterd_messages_total", &channel), 3.0);
    assert_eq!(sample(&after, "natterd_deliveries_total", &channel), 3.0);
    assert_eq!(sample(&after, "natterd_messages_total", &private), 1.0);
    assert!(sample(&after, "natterd_sent_bytes_total", &[]) > sent_before);
    assert!(sample(&after, "natterd_received_bytes_total", &[]) > 0.0);
    assert!(sample(&after, "natterd_history_commits_total", &[]) >= 1.0);
    assert_eq!(
        sample(&after, "natterd_history_committed_messages_total", &[]),
        4.0
    );
    assert!(sample(&after, "natterd_history_commit_seconds_count", &[]) >= 1.0);
    assert_eq!(
        sample(&after, "natterd_chathistory_requests_total", &[]),
        1.0
    );
    assert_eq!(
        sample(&after, "natterd_chathistory_seconds_count", &[]),
        1.0
    );
    assert_eq!(sample(&after, "natterd_history_queue_depth", &[]), 0.0);
    assert!(sample(&after, "natterd_uptime_seconds", &[]) >= 0.0);
    assert!(after.contains("# HELP natterd_messages_total"), "{after}");

    bob.send("QUIT :bye");
    bob.until(|line| line.starts_with("ERROR"));
    alice.until(|line| line.contains("QUIT"));
    let last = get(&metrics, "/metrics");
    assert_eq!(
        sample(&last, "natterd_disconnects_total", &["reason=\"quit\""]),
        1.0
    );
    assert_eq!(
        sample(
            &last,
            "natterd_connections",
            &["dialect=\"irc\"", "state=\"registered\""]
        ),
        1.0
    );

    assert!(get(&metrics, "/other").starts_with("HTTP/1.1 404"));
    assert!(get(&metrics, "/metrics").contains("natterd_uptime_seconds"));
    signal(&server.child, "TERM");
    assert!(wait_exit(&mut server.child).success());
}

#[test]
fn metrics_are_off_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let args: [&OsStr; 5] = [
        "--bind".as_ref(),
        "127.0.0.1:0".as_ref(),
        "--data-dir".as_ref(),
        dir.path().as_os_str(),
        "--no-history".as_ref(),
    ];
    let (mut server, _address, log) = spawn_logged(args, "warn", &[]);
    signal(&server.child, "TERM");
    assert!(wait_exit(&mut server.child).success());
    assert!(!log.rest().iter().any(|line| line.contains("metrics on")));
}
