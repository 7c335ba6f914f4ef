//! Running out of file descriptors (a `LimitNOFILE` below `max_clients`):
//! a connection past the limit is told so with an `ERROR` line, on the
//! plaintext and the TLS port alike, instead of hanging in the backlog;
//! clients get in again once descriptors are free; and natterd warns about
//! the limit when it starts.
#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod process;
mod tls_support;

use common::{Client, test_config};
use natterd::testing::TestServer;
use natterd::tls::self_signed_paths;
use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
use std::sync::{Mutex, MutexGuard, PoisonError};
use tls_support::{TlsClient, trusting};

/// The in-process tests lower this whole process's descriptor limit: while
/// one runs, no other may even build its runtime or spawn a process.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn alone() -> MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Runs `test` on its own runtime, built only once no other test is running.
fn run_alone(test: impl Future<Output = ()>) {
    let _alone = alone();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(test);
}

const REFUSAL: &str =
    "ERROR :Server is out of connection slots (file descriptors); try again later";

fn open_descriptors() -> u64 {
    std::fs::read_dir("/proc/self/fd").map_or(0, |dir| dir.count() as u64)
}

/// Lowers the soft descriptor limit so that only `spare` more can be opened
/// (by the test's clients and the server together); restored on drop.
struct LoweredLimit(Rlimit);

impl LoweredLimit {
    fn leaving(spare: u64) -> LoweredLimit {
        let limit = getrlimit(Resource::Nofile);
        let lowered = Rlimit {
            current: Some(open_descriptors() + spare),
            maximum: limit.maximum,
        };
        setrlimit(Resource::Nofile, lowered).unwrap();
        LoweredLimit(limit)
    }
}

impl Drop for LoweredLimit {
    fn drop(&mut self) {
        setrlimit(Resource::Nofile, self.0).unwrap();
    }
}

/// Descriptors the test holds back (open handles on the null device) and
/// gives up one at a time whenever its own side runs out first.
///
/// Who meets the full table first, the test's `socket()` or the server's
/// `accept()`, depends on how many descriptors the process happens to hold,
/// which differs between machines. Giving up exactly one descriptor after
/// the test's own side failed leaves one free: the test's next socket takes
/// it and the server's accept is the one to fail, on any machine.
struct Ballast(Vec<std::fs::File>);

impl Ballast {
    fn hold(count: usize) -> Ballast {
        Ballast(
            (0..count)
                .map(|_| std::fs::File::open("/dev/null").unwrap())
                .collect(),
        )
    }

    /// Frees one descriptor; false when none is left to free.
    fn give_up_one(&mut self) -> bool {
        self.0.pop().is_some()
    }
}

/// With only a few descriptors left, connects one client after another
/// (each costs two in this process: the client's end and the server's)
/// until one is refused; checks that the last one, and only it, got the
/// refusal as its first line, and returns the clients (the limit is back).
async fn refused_past_the_limit<C, F>(mut connect: impl FnMut() -> F) -> Vec<C>
where
    F: Future<Output = Option<(C, String)>>,
{
    let limit = LoweredLimit::leaving(10);
    let mut ballast = Ballast::hold(3);
    let mut answers = Vec::new();
    let mut clients = Vec::new();
    for _ in 0..20 {
        // None: the test's own side ran out before the server did.
        let Some((client, answer)) = connect().await else {
            if ballast.give_up_one() {
                continue;
            }
            break;
        };
        let refused = answer.starts_with("ERROR ");
        answers.push(answer);
        clients.push(client);
        if refused {
            break;
        }
    }
    drop((ballast, limit));
    assert_eq!(
        answers.last().map(String::as_str),
        Some(REFUSAL),
        "{answers:#?}"
    );
    assert!(answers.len() > 1, "others got in first: {answers:#?}");
    clients
}

#[test]
fn a_plaintext_client_past_the_descriptor_limit_gets_an_error_line() {
    run_alone(plaintext_client_past_the_limit());
}

async fn plaintext_client_past_the_limit() {
    let server = TestServer::start_with(test_config()).await;
    let mut first = Client::register(&server, "first").await;
    first.sync().await;
    let clients = refused_past_the_limit(|| async {
        let stream = tokio::net::TcpStream::connect(server.addr).await.ok()?;
        let mut client = Client::from_stream(stream);
        client.send("CAP LS 302");
        let answer = client.recv_line().await;
        Some((client, answer))
    })
    .await;
    // Once descriptors are free again, clients get in as before.
    drop(clients);
    let mut later = Client::register(&server, "later").await;
    later.sync().await;
    first.sync().await;
}

#[test]
fn a_tls_client_past_the_descriptor_limit_gets_an_error_line_over_tls() {
    run_alone(tls_client_past_the_limit());
}

async fn tls_client_past_the_limit() {
    let server = TestServer::start_with(test_config()).await;
    let (cert, _) = self_signed_paths(&server.data_dir);
    let trust = trusting(&cert);
    let address = server.tls_addr.unwrap();
    let clients = refused_past_the_limit(|| async {
        let mut client = TlsClient::connect(address, "localhost", trust.clone())
            .await
            .ok()?;
        client.send("CAP LS 302").await;
        let answer = client.next_line().await?;
        Some((client, answer))
    })
    .await;
    drop(clients);
    let mut later = TlsClient::connect(address, "localhost", trust)
        .await
        .unwrap();
    later.send("NICK later").await;
    later.send("USER later 0 * :later").await;
    later.expect(|line| line.contains(" 001 later ")).await;
}

#[test]
fn natterd_warns_at_start_when_the_descriptor_limit_is_below_max_clients() {
    let _alone = alone();
    let mut command = process::natterd_after_shell("ulimit -n 200");
    command.args(["--bind", "127.0.0.1:0", "--no-history"]);
    let (mut child, _address, log) = process::spawn_command(command);
    process::signal(&child, "TERM");
    process::wait_exit(&mut child);
    let said: Vec<String> = log.iter().collect();
    assert!(
        said.iter().any(|line| line.contains("RLIMIT_NOFILE")
            && line.contains("max_clients")
            && line.contains("open_files_limit=200")
            && line.contains("at least 1056")),
        "{said:#?}"
    );
}
