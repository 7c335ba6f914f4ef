//! The traffic scenarios: fan-out in one channel, fan-out in many rooms at
//! once, and private whisper pairs.
//!
//! Every connection registers (and, for fan-out, joins) before anyone sends,
//! so no one misses a message. Each connection then runs a reader task that
//! answers `PING`s and records measured deliveries; senders write at a pace or
//! as fast as the socket takes lines. The run ends when every expected
//! delivery has arrived, or when nothing more arrives for the drain timeout
//! after the senders finished (what is missing then counts as lost), or when
//! nothing arrives for the stall limit while senders are still writing (a
//! server that stopped reading them): then it reports what it has, marked
//! as stalled.
//!
//! Layout: [`shape`] says who talks to whom, [`sender`] writes the messages,
//! [`reader`] receives them, [`watch`] waits for the senders within the
//! stall limit; this module sets a run up and adds it up.

mod reader;
mod sender;
mod shape;
mod watch;

pub use sender::share;
pub use shape::Shape;
pub use watch::Counters;

use crate::conn::{self, Registered, SharedWriter};
use crate::procfs::{self, ProcSample, ProcUsage};
use crate::stats::{ReceiverStats, TrafficSummary};
use anyhow::Context;
use reader::{ReaderOutcome, ReaderTask};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// How much to send.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Amount {
    /// This many messages in all, shared between the senders.
    Messages(u64),
    /// Send for this long.
    Duration(Duration),
}

/// Everything a traffic run needs.
#[derive(Debug, Clone)]
pub struct TrafficOptions {
    /// The servers: connections are spread over them in turn (several
    /// nodes of one natterd cluster: the room spans them all).
    pub servers: Vec<SocketAddr>,
    /// Who talks to whom.
    pub shape: Shape,
    /// How much.
    pub amount: Amount,
    /// Messages per second from all senders together; `None` is as fast as possible.
    pub rate: Option<f64>,
    /// Bytes of text per message.
    pub size: usize,
    /// How long to wait for stragglers once the senders are done.
    pub drain_timeout: Duration,
    /// How long senders may go on writing with no new delivery arriving
    /// before the run gives up on them (stalled).
    pub stall_limit: Duration,
    /// How long the run may take beyond its planned duration (or in all,
    /// for a number of messages) before it is cut short, even while
    /// deliveries keep coming.
    pub time_limit: Duration,
    /// The server's PID, to read its CPU time and memory.
    pub server_pid: Option<u32>,
    /// Connections registering at once.
    pub parallel_connects: usize,
}

/// What a traffic run measured.
#[derive(Debug, Clone)]
pub struct TrafficResult {
    /// The numbers.
    pub summary: TrafficSummary,
    /// The server's CPU and memory over the sending window.
    pub server: Option<ProcUsage>,
    /// Connections the server closed during the run, with its reason.
    pub disconnected: Vec<String>,
}

/// Runs a fan-out or whisper scenario against the server.
pub async fn run(options: &TrafficOptions) -> anyhow::Result<TrafficResult> {
    options.shape.check()?;
    let epoch = Instant::now();
    let tag = run_tag();
    let connections = conn::register_many(
        &options.servers,
        tag,
        options.shape.connections(),
        options.parallel_connects,
    )
    .await?;
    let nicks: Vec<String> = connections.iter().map(|c| c.nick.clone()).collect();
    let counters = Arc::new(Counters::default());
    let stop = CancellationToken::new();
    let senders = options.shape.senders();
    let Started {
        writers,
        readers,
        joins,
    } = start(options, connections, epoch, &counters, &stop).await?;
    for wait in joins {
        tokio::time::timeout(conn::SETUP_TIMEOUT, wait)
            .await
            .context("a member did not finish joining in time")?
            .context("a member was disconnected while joining")?;
    }
    let before = sample(options.server_pid)?;
    let start_ns = elapsed_ns(epoch);
    let sender_tasks = sender::spawn_senders(options, &nicks, &writers, &counters, epoch, start_ns);
    let recipients = options.shape.recipients_per_message();
    let planned = match options.amount {
        Amount::Duration(duration) => duration,
        Amount::Messages(_) => Duration::ZERO,
    };
    let limits = watch::Limits {
        stall: options.stall_limit,
        time: options.time_limit,
        deadline: tokio::time::Instant::now()
            .checked_add(planned.saturating_add(options.time_limit)),
    };
    let mut done = watch::senders(sender_tasks, &counters, recipients, limits).await?;
    let sent = counters.written.load(Ordering::Relaxed);
    let expected = sent * recipients;
    if done.stall.is_none() {
        done.stall = watch::drain(&counters, expected, options.drain_timeout, limits).await;
    }
    let after = sample(options.server_pid)?;
    stop.cancel();
    let mut merged = ReceiverStats::new(senders);
    let mut disconnected = Vec::new();
    for reader in readers {
        let outcome = reader.await.context("a reader failed")?;
        merged.merge(&outcome.stats);
        disconnected.extend(outcome.closed);
    }
    if done.stall.is_none() {
        say_goodbye(&writers).await;
    }
    let mut summary = TrafficSummary::new(&merged, sent, expected, start_ns, done.max_lag_ms);
    summary.stall = done.stall;
    Ok(TrafficResult {
        summary,
        server: before.zip(after).map(|(a, b)| ProcUsage::between(a, b)),
        disconnected,
    })
}

/// How long one connection's `QUIT` may take to be written.
const QUIT_WAIT: Duration = Duration::from_millis(200);

/// Sends every connection's `QUIT`, giving up on a connection whose socket
/// does not take it (after a stall, closing the socket says the same).
async fn say_goodbye(writers: &[SharedWriter]) {
    for writer in writers {
        let quit = async { writer.lock().await.write_all(b"QUIT :done\r\n").await };
        let _ = tokio::time::timeout(QUIT_WAIT, quit).await;
    }
}

/// What [`start`] set going: each connection's writer and reader task, and
/// the joins still to be confirmed.
struct Started {
    writers: Vec<SharedWriter>,
    readers: Vec<JoinHandle<ReaderOutcome>>,
    joins: Vec<oneshot::Receiver<()>>,
}

/// Sends each connection's JOIN (if its shape has a channel) and starts its reader.
async fn start(
    options: &TrafficOptions,
    connections: Vec<Registered>,
    epoch: Instant,
    counters: &Arc<Counters>,
    stop: &CancellationToken,
) -> anyhow::Result<Started> {
    let senders = options.shape.senders();
    let mut started = Started {
        writers: Vec::new(),
        readers: Vec::new(),
        joins: Vec::new(),
    };
    // On several servers (cluster nodes) a member list fills as the nodes
    // exchange rosters: sending starts once every member lists everyone.
    let names_wanted = match (&options.shape, options.servers.len()) {
        (Shape::Fanout { members, .. } | Shape::Rooms { members, .. }, servers) if servers > 1 => {
            *members
        }
        _ => 0,
    };
    for (index, connection) in connections.into_iter().enumerate() {
        let Registered { reader, writer, .. } = connection;
        let joined = match options.shape.channel_of(index) {
            Some(channel) => {
                writer
                    .lock()
                    .await
                    .write_all(format!("JOIN {channel}\r\n").as_bytes())
                    .await?;
                let (done, wait) = oneshot::channel();
                started.joins.push(wait);
                Some((channel, done))
            }
            None => None,
        };
        let reader_task = ReaderTask {
            reader,
            writer: Arc::clone(&writer),
            senders,
            epoch,
            counters: Arc::clone(counters),
            joined,
            names_wanted,
            names_seen: 0,
            stop: stop.clone(),
        };
        started.readers.push(tokio::spawn(reader_task.run()));
        started.writers.push(writer);
    }
    Ok(started)
}

/// A letter that makes this run's nicks differ from the last run's (a server
/// may not have noticed yet that those quit).
fn run_tag() -> char {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    char::from(b'a' + (nanos % 26) as u8)
}

/// The server's CPU time and memory now, when its PID was given.
fn sample(pid: Option<u32>) -> anyhow::Result<Option<ProcSample>> {
    pid.map(|pid| procfs::sample(pid).with_context(|| format!("cannot read /proc/{pid}")))
        .transpose()
}

/// Nanoseconds since the run's epoch, the clock every timestamp of a run uses.
fn elapsed_ns(epoch: Instant) -> u64 {
    u64::try_from(epoch.elapsed().as_nanos()).unwrap_or(u64::MAX)
}
