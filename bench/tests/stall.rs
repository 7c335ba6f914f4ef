//! natter-bench against a server that relays the first messages, then stops
//! reading the sender (as InspIRCd seemed to): the run must end after the
//! stall limit with what arrived, marked as stalled, and the binary must say
//! so and exit with status 3 instead of waiting forever; and against one
//! that crawls (as InspIRCd really did): cut short at the time limit.

#![allow(clippy::expect_used)]

use natter_bench::stats::StallCause;
use natter_bench::traffic::{self, Amount, Shape, TrafficOptions};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::net::tcp::OwnedWriteHalf;
use tokio::sync::Mutex;

/// Channel messages the server relays before it stops reading their sender.
const RELAYED: u64 = 500;

/// The channel's members: nick and write half.
type Members = Arc<Mutex<Vec<(String, OwnedWriteHalf)>>>;

/// A minimal IRC server: welcomes, joins (listing only the joiner), relays
/// channel messages to the other members, and after [`RELAYED`] messages
/// never reads from that connection again (its socket stays open).
async fn stop_reading_server() -> SocketAddr {
    fake_server(None).await
}

/// The same server, but relaying everything, one message per `pace`: a
/// server that crawls, delivering a little all the time.
async fn crawling_server(pace: Duration) -> SocketAddr {
    fake_server(Some(pace)).await
}

async fn fake_server(pace: Option<Duration>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    let members: Members = Arc::default();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            tokio::spawn(serve(socket, Arc::clone(&members), pace));
        }
    });
    addr
}

async fn serve(socket: tokio::net::TcpStream, members: Members, pace: Option<Duration>) {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read).lines();
    let mut nick = String::new();
    let mut relayed = 0;
    while let Ok(Some(line)) = lines.next_line().await {
        let mut words = line.splitn(3, ' ');
        match (words.next(), words.next()) {
            (Some("NICK"), Some(name)) => nick = name.to_owned(),
            (Some("USER"), _) => {
                let welcome = format!(":fake 001 {nick} :hi\r\n");
                write.write_all(welcome.as_bytes()).await.expect("welcome");
            }
            (Some("JOIN"), Some(channel)) => {
                let joined = format!(
                    ":{nick}!u@h JOIN {channel}\r\n:fake 353 {nick} = {channel} :{nick}\r\n\
                     :fake 366 {nick} {channel} :End\r\n"
                );
                write.write_all(joined.as_bytes()).await.expect("join");
                members.lock().await.push((nick.clone(), write));
                break;
            }
            _ => {}
        }
    }
    // A member now: relay what it says, then stop reading it.
    while relayed < RELAYED || pace.is_some() {
        let Ok(Some(line)) = lines.next_line().await else {
            return;
        };
        if line.starts_with("PRIVMSG ") {
            let relay = format!(":{nick}!u@h {line}\r\n");
            for (member, write) in members.lock().await.iter_mut() {
                if *member != nick {
                    let _ = write.write_all(relay.as_bytes()).await;
                }
            }
            relayed += 1;
            if let Some(pace) = pace {
                tokio::time::sleep(pace).await;
            }
        }
    }
    // Never read again; the socket stays open as long as `lines` lives.
    std::future::pending::<()>().await;
}

fn options(addr: SocketAddr) -> TrafficOptions {
    TrafficOptions {
        servers: vec![addr],
        shape: Shape::Fanout {
            members: 3,
            senders: 1,
            channel: "#stall".into(),
        },
        // Far more than any socket buffers hold: the sender must block.
        amount: Amount::Messages(5_000_000),
        rate: None,
        size: 100,
        drain_timeout: Duration::from_secs(5),
        stall_limit: Duration::from_secs(1),
        time_limit: Duration::from_secs(600),
        server_pid: None,
        parallel_connects: 8,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_stops_reading_ends_the_run_as_stalled_with_partial_counts() {
    let addr = stop_reading_server().await;
    let result = traffic::run(&options(addr)).await.expect("the run ends");
    let summary = result.summary;
    let stall = summary.stall.expect("marked as stalled");
    assert_eq!(stall.senders_unfinished, 1);
    assert_eq!(stall.limit_s, 1.0);
    // Every relayed message reached the two other members; the rest of
    // what the sender wrote never left its socket.
    assert_eq!(summary.received, RELAYED * 2);
    assert!(summary.sent > RELAYED, "{summary:?}");
    assert_eq!(summary.expected, summary.sent * 2);
    assert_eq!(summary.lost, summary.expected - RELAYED * 2);
    assert_eq!(summary.order_violations, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_reports_a_stall_in_its_table_and_json_and_exits_3() {
    let addr = stop_reading_server().await;
    let dir = tempfile::tempdir().expect("temporary directory");
    let json = dir.path().join("stalled.json");
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_natter-bench"))
        .args(["fanout", "--receivers", "3", "--senders", "1"])
        .args([
            "--messages",
            "5000000",
            "--stall-limit",
            "1",
            "--label",
            "fake",
        ])
        .arg("--server")
        .arg(addr.to_string())
        .arg("--json")
        .arg(&json)
        .output()
        .await
        .expect("natter-bench runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stdout}\n{stderr}");
    assert!(stdout.contains("  STALLED  "), "{stdout}");
    assert!(
        stdout.contains("deliveries received / expected       1000 / "),
        "{stdout}"
    );
    assert!(stderr.contains("the run stalled"), "{stderr}");
    let report = std::fs::read_to_string(&json).expect("the JSON report is written");
    assert!(
        report.contains(
            r#""stall": {
      "cause": "no_delivery",
      "limit_s": 1.0,
      "senders_unfinished": 1
    }"#
        ),
        "{report}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_crawls_is_cut_short_at_the_time_limit() {
    let addr = crawling_server(Duration::from_millis(10)).await;
    let mut options = options(addr);
    options.stall_limit = Duration::from_secs(30);
    options.time_limit = Duration::from_secs(1);
    let summary = traffic::run(&options).await.expect("the run ends").summary;
    let stall = summary.stall.expect("cut short");
    assert_eq!(stall.cause, StallCause::TimeLimit);
    assert_eq!((stall.limit_s, stall.senders_unfinished), (1.0, 1));
    // Deliveries kept coming (no 30 s gap), just far too slowly.
    assert!(summary.received > 0, "{summary:?}");
    assert!(summary.lost > 0, "{summary:?}");
}
