//! The traffic scenarios: fan-out in one channel, fan-out in many rooms at
//! once, and private whisper pairs.
//!
//! Every connection registers (and, for fan-out, joins) before anyone sends,
//! so no one misses a message. Each connection then runs a reader task that
//! answers `PING`s and records measured deliveries; senders write at a pace or
//! as fast as the socket takes lines. The run ends when every expected
//! delivery has arrived, or when nothing more arrives for the drain timeout
//! after the senders finished (what is missing then counts as lost).

use crate::conn::{self, LineReader, Registered, SharedWriter};
use crate::payload::{self, Delivery};
use crate::procfs::{self, ProcSample, ProcUsage};
use crate::stats::{ReceiverStats, TrafficSummary};
use anyhow::{Context, bail};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// Most lines a sender writes in one `write` call.
const SEND_BATCH: usize = 64;
/// How often the run checks whether everything has arrived.
const POLL: Duration = Duration::from_millis(20);

/// Who talks to whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    /// `members` connections in one channel; the first `senders` of them talk,
    /// every message goes to the `members - 1` others.
    Fanout {
        /// Connections in the channel.
        members: usize,
        /// How many of them send.
        senders: usize,
        /// The channel (created by the first to join).
        channel: String,
    },
    /// `rooms` channels of `members` connections each, the first `senders`
    /// of every room talking: unrelated channels, which a server may deliver
    /// on several cores at once (one channel keeps one order, so one channel
    /// alone cannot show that).
    Rooms {
        /// How many channels.
        rooms: usize,
        /// Connections in each channel.
        members: usize,
        /// How many of each channel's members send.
        senders: usize,
        /// The channels' names are this followed by `-0`, `-1`, ...
        prefix: String,
    },
    /// `pairs` × two connections; in each pair the first whispers the second.
    Whisper {
        /// Number of pairs.
        pairs: usize,
    },
}

impl Shape {
    fn connections(&self) -> usize {
        match self {
            Shape::Fanout { members, .. } => *members,
            Shape::Rooms { rooms, members, .. } => rooms * members,
            Shape::Whisper { pairs } => pairs * 2,
        }
    }

    fn senders(&self) -> usize {
        match self {
            Shape::Fanout { senders, .. } => *senders,
            Shape::Rooms { rooms, senders, .. } => rooms * senders,
            Shape::Whisper { pairs } => *pairs,
        }
    }

    /// Deliveries each message owes.
    fn recipients_per_message(&self) -> u64 {
        match self {
            Shape::Fanout { members, .. } | Shape::Rooms { members, .. } => {
                members.saturating_sub(1) as u64
            }
            Shape::Whisper { .. } => 1,
        }
    }

    /// The channel connection `index` joins, if any.
    fn channel_of(&self, index: usize) -> Option<String> {
        match self {
            Shape::Fanout { channel, .. } => Some(channel.clone()),
            Shape::Rooms {
                members, prefix, ..
            } => Some(room_name(prefix, index / members.max(&1))),
            Shape::Whisper { .. } => None,
        }
    }

    /// Sender `index`'s connection (an index into the registered
    /// connections) and where it sends (`nicks`: every connection's nick).
    fn sender_route(&self, index: usize, nicks: &[String]) -> (usize, String) {
        match self {
            Shape::Fanout { channel, .. } => (index, channel.clone()),
            Shape::Rooms {
                members,
                senders,
                prefix,
                ..
            } => {
                let room = index / senders.max(&1);
                let connection = room * members + index % senders.max(&1);
                (connection, room_name(prefix, room))
            }
            Shape::Whisper { .. } => (index * 2, nicks[index * 2 + 1].clone()),
        }
    }

    fn check(&self) -> anyhow::Result<()> {
        match self {
            Shape::Fanout {
                members, senders, ..
            } => {
                if *members < 2 || *senders == 0 || senders > members {
                    bail!(
                        "fan-out needs at least 2 receivers and 1 to {members} senders (got {senders})"
                    );
                }
            }
            Shape::Rooms {
                rooms,
                members,
                senders,
                ..
            } => {
                if *rooms == 0 || *members < 2 || *senders == 0 || senders > members {
                    bail!(
                        "rooms needs at least 1 room of at least 2 members and 1 to {members} senders each (got {rooms} rooms, {senders} senders)"
                    );
                }
            }
            Shape::Whisper { pairs } if *pairs == 0 => bail!("whisper needs at least one pair"),
            Shape::Whisper { .. } => {}
        }
        Ok(())
    }
}

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

/// What each reader hands back.
struct ReaderOutcome {
    stats: ReceiverStats,
    closed: Option<String>,
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
    let progress = Arc::new(AtomicU64::new(0));
    let stop = CancellationToken::new();
    let senders = options.shape.senders();
    let mut joins = Vec::new();
    let mut writers = Vec::new();
    let mut readers = Vec::new();
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
                joins.push(wait);
                Some((channel, done))
            }
            None => None,
        };
        let reader_task = ReaderTask {
            reader,
            writer: Arc::clone(&writer),
            senders,
            epoch,
            progress: Arc::clone(&progress),
            joined,
            names_wanted,
            names_seen: 0,
            stop: stop.clone(),
        };
        readers.push(tokio::spawn(reader_task.run()));
        writers.push(writer);
    }
    for wait in joins {
        tokio::time::timeout(conn::SETUP_TIMEOUT, wait)
            .await
            .context("a member did not finish joining in time")?
            .context("a member was disconnected while joining")?;
    }
    let before = sample(options.server_pid)?;
    let start_ns = elapsed_ns(epoch);
    let sender_tasks = spawn_senders(options, &nicks, &writers, epoch, start_ns);
    let mut sent = 0;
    let mut max_lag_ms: f64 = 0.0;
    for task in sender_tasks {
        let (count, lag) = task.await.context("a sender failed")??;
        sent += count;
        max_lag_ms = max_lag_ms.max(lag);
    }
    let expected = sent * options.shape.recipients_per_message();
    wait_for_deliveries(&progress, expected, options.drain_timeout).await;
    let after = sample(options.server_pid)?;
    stop.cancel();
    let mut merged = ReceiverStats::new(senders);
    let mut disconnected = Vec::new();
    for reader in readers {
        let outcome = reader.await.context("a reader failed")?;
        merged.merge(&outcome.stats);
        disconnected.extend(outcome.closed);
    }
    for writer in &writers {
        let _ = writer.lock().await.write_all(b"QUIT :done\r\n").await;
    }
    Ok(TrafficResult {
        summary: TrafficSummary::new(&merged, sent, expected, start_ns, max_lag_ms),
        server: before.zip(after).map(|(a, b)| ProcUsage::between(a, b)),
        disconnected,
    })
}

/// The name of room `room` of a [`Shape::Rooms`] run.
fn room_name(prefix: &str, room: usize) -> String {
    format!("{prefix}-{room}")
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

fn sample(pid: Option<u32>) -> anyhow::Result<Option<ProcSample>> {
    pid.map(|pid| procfs::sample(pid).with_context(|| format!("cannot read /proc/{pid}")))
        .transpose()
}

fn elapsed_ns(epoch: Instant) -> u64 {
    u64::try_from(epoch.elapsed().as_nanos()).unwrap_or(u64::MAX)
}

/// Waits until `expected` deliveries arrived, or nothing arrived for `drain`.
async fn wait_for_deliveries(progress: &AtomicU64, expected: u64, drain: Duration) {
    let mut last = progress.load(Ordering::Relaxed);
    let mut last_change = Instant::now();
    while last < expected && last_change.elapsed() < drain {
        tokio::time::sleep(POLL).await;
        let now = progress.load(Ordering::Relaxed);
        if now != last {
            last = now;
            last_change = Instant::now();
        }
    }
}

/// One sender's share of the work.
struct SenderPlan {
    writer: SharedWriter,
    target: String,
    sender: u32,
    /// Messages to send; `u64::MAX` when sending for a duration.
    count: u64,
    /// Stop sending at this time (ns since the epoch).
    deadline_ns: u64,
    /// Nanoseconds between messages when paced.
    interval_ns: Option<f64>,
    size: usize,
    epoch: Instant,
    start_ns: u64,
}

fn spawn_senders(
    options: &TrafficOptions,
    nicks: &[String],
    writers: &[SharedWriter],
    epoch: Instant,
    start_ns: u64,
) -> Vec<JoinHandle<anyhow::Result<(u64, f64)>>> {
    let senders = options.shape.senders();
    (0..senders)
        .map(|index| {
            let (connection, target) = options.shape.sender_route(index, nicks);
            let writer = &writers[connection];
            let (count, deadline_ns) = match options.amount {
                Amount::Messages(total) => (share(total, senders, index), u64::MAX),
                Amount::Duration(duration) => (
                    u64::MAX,
                    start_ns + u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX / 2),
                ),
            };
            let plan = SenderPlan {
                writer: Arc::clone(writer),
                target,
                sender: index as u32,
                count,
                deadline_ns,
                interval_ns: options.rate.map(|rate| 1e9 * senders as f64 / rate),
                size: options.size,
                epoch,
                start_ns,
            };
            tokio::spawn(plan.run())
        })
        .collect()
}

/// Sender `index`'s part of `total` messages shared by `senders`.
pub fn share(total: u64, senders: usize, index: usize) -> u64 {
    let senders = senders.max(1) as u64;
    total / senders + u64::from((index as u64) < total % senders)
}

impl SenderPlan {
    /// Sends the plan's messages; returns how many and the worst lag behind schedule (ms).
    async fn run(self) -> anyhow::Result<(u64, f64)> {
        let mut buffer = Vec::with_capacity(SEND_BATCH * (self.size + 64));
        let mut sent: u64 = 0;
        let mut max_lag_ns: u64 = 0;
        while sent < self.count {
            let now = elapsed_ns(self.epoch);
            if now >= self.deadline_ns {
                break;
            }
            let owed = match self.interval_ns {
                None => SEND_BATCH as u64,
                Some(interval) => {
                    let due = ((now - self.start_ns) as f64 / interval) as u64 + 1;
                    if due <= sent {
                        let next = self.start_ns + (sent as f64 * interval) as u64;
                        let wait = Duration::from_nanos(next.saturating_sub(now));
                        tokio::time::sleep(wait).await;
                        continue;
                    }
                    let first_due = self.start_ns + (sent as f64 * interval) as u64;
                    max_lag_ns = max_lag_ns.max(now.saturating_sub(first_due));
                    due - sent
                }
            };
            let batch = owed.min(SEND_BATCH as u64).min(self.count - sent);
            buffer.clear();
            for _ in 0..batch {
                sent += 1;
                let message = Delivery {
                    sender: self.sender,
                    seq: sent,
                    sent_ns: now,
                };
                payload::write_privmsg(&mut buffer, &self.target, message, self.size);
            }
            self.writer
                .lock()
                .await
                .write_all(&buffer)
                .await
                .with_context(|| format!("sender {} could not write", self.sender))?;
        }
        Ok((sent, max_lag_ns as f64 / 1e6))
    }
}

/// A connection's reader: records deliveries, answers PINGs, notes the end.
struct ReaderTask {
    reader: LineReader,
    writer: SharedWriter,
    senders: usize,
    epoch: Instant,
    progress: Arc<AtomicU64>,
    /// For fan-out: the channel, and whom to tell once its member list arrived.
    joined: Option<(String, oneshot::Sender<()>)>,
    /// Members the list must show before `joined` is told (0: the first
    /// list will do); NAMES is asked again until it does.
    names_wanted: usize,
    /// Names counted in the member list being received.
    names_seen: usize,
    stop: CancellationToken,
}

impl ReaderTask {
    async fn run(mut self) -> ReaderOutcome {
        self.reader.grow_to(64 * 1024);
        let mut stats = ReceiverStats::new(self.senders);
        let mut now = elapsed_ns(self.epoch);
        let closed = loop {
            let mut count = 0;
            let mut closing = None;
            while let Some(line) = self.reader.next_line() {
                if let Some(delivery) = payload::parse_delivery(line) {
                    stats.record(delivery, now);
                    count += 1;
                } else if let Some(pong) = conn::pong_for(line) {
                    let _ = self.writer.lock().await.write_all(&pong).await;
                } else {
                    let (command, _) = conn::command_of(line);
                    if command == b"353" {
                        self.names_seen += names_in(line);
                    } else if command == b"366" && self.joined.is_some() {
                        self.member_list_ended();
                    } else if command == b"ERROR" {
                        closing = Some(String::from_utf8_lossy(line).into_owned());
                    }
                }
            }
            if count > 0 {
                self.progress.fetch_add(count, Ordering::Relaxed);
            }
            tokio::select! {
                _ = self.stop.cancelled() => break closing,
                read = self.reader.fill() => match read {
                    Ok(true) => now = elapsed_ns(self.epoch),
                    Ok(false) => break Some(closing.unwrap_or_else(|| "connection closed".into())),
                    Err(error) => break Some(format!("read error: {error}")),
                },
            }
        };
        ReaderOutcome { stats, closed }
    }

    /// A member list ended: tell the run when it is complete enough, else
    /// ask again a little later (the nodes are still exchanging rosters).
    fn member_list_ended(&mut self) {
        let seen = std::mem::take(&mut self.names_seen);
        if seen >= self.names_wanted {
            if let Some((_, done)) = self.joined.take() {
                let _ = done.send(());
            }
            return;
        }
        if let Some((channel, _)) = &self.joined {
            let (writer, ask) = (Arc::clone(&self.writer), format!("NAMES {channel}\r\n"));
            tokio::spawn(async move {
                tokio::time::sleep(NAMES_AGAIN).await;
                let _ = writer.lock().await.write_all(ask.as_bytes()).await;
            });
        }
    }
}

/// How long to wait before asking for a member list again.
const NAMES_AGAIN: Duration = Duration::from_millis(50);

/// How many names a 353 line lists: its last parameter, space-separated
/// (a single name may come without the `:`).
fn names_in(line: &[u8]) -> usize {
    match line.windows(2).rposition(|pair| pair == b" :") {
        Some(start) => line[start + 2..]
            .split(|byte| *byte == b' ')
            .filter(|name| !name.is_empty())
            .count(),
        None => usize::from(
            line.split(|byte| *byte == b' ')
                .filter(|w| !w.is_empty())
                .count()
                > 5,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_lists_are_counted() {
        assert_eq!(names_in(b":s 353 me = #b :me @op +v x"), 4);
        assert_eq!(names_in(b":s 353 me = #b :solo"), 1);
        assert_eq!(names_in(b":s 353 me = #b solo"), 1);
        assert_eq!(names_in(b":s 353 me = #b :"), 0);
        assert_eq!(names_in(b"junk"), 0);
    }

    #[test]
    fn messages_are_shared_out_evenly() {
        let shares: Vec<u64> = (0..3).map(|i| share(10, 3, i)).collect();
        assert_eq!(shares, vec![4, 3, 3]);
        assert_eq!((0..7).map(|i| share(100, 7, i)).sum::<u64>(), 100);
        assert_eq!(share(5, 0, 0), 5);
    }

    #[test]
    fn shapes_owe_the_right_deliveries() {
        let fanout = Shape::Fanout {
            members: 100,
            senders: 10,
            channel: "#b".into(),
        };
        assert_eq!(fanout.connections(), 100);
        assert_eq!(fanout.recipients_per_message(), 99);
        let whisper = Shape::Whisper { pairs: 5 };
        assert_eq!(whisper.connections(), 10);
        assert_eq!(whisper.senders(), 5);
        assert_eq!(whisper.recipients_per_message(), 1);
    }

    #[test]
    fn rooms_spread_members_and_senders_over_their_channels() {
        let rooms = Shape::Rooms {
            rooms: 3,
            members: 4,
            senders: 2,
            prefix: "#r".into(),
        };
        assert_eq!(rooms.connections(), 12);
        assert_eq!(rooms.senders(), 6);
        assert_eq!(rooms.recipients_per_message(), 3);
        let joined: Vec<String> = (0..12).filter_map(|i| rooms.channel_of(i)).collect();
        assert_eq!(joined[..5], ["#r-0", "#r-0", "#r-0", "#r-0", "#r-1"]);
        assert_eq!(joined[11], "#r-2");
        let nicks: Vec<String> = (0..12).map(|i| format!("n{i}")).collect();
        let routes: Vec<(usize, String)> = (0..6).map(|s| rooms.sender_route(s, &nicks)).collect();
        // Each room's first two members send into their own room.
        let expected = [
            (0, "#r-0"),
            (1, "#r-0"),
            (4, "#r-1"),
            (5, "#r-1"),
            (8, "#r-2"),
            (9, "#r-2"),
        ];
        for ((connection, target), (want_connection, want_target)) in routes.iter().zip(expected) {
            assert_eq!(
                (*connection, target.as_str()),
                (want_connection, want_target)
            );
            assert_eq!(rooms.channel_of(*connection).as_deref(), Some(want_target));
        }
        assert!(
            Shape::Rooms {
                rooms: 0,
                members: 4,
                senders: 1,
                prefix: "#r".into()
            }
            .check()
            .is_err()
        );
        assert!(rooms.check().is_ok());
    }

    #[test]
    fn impossible_shapes_are_refused() {
        let too_many_senders = Shape::Fanout {
            members: 3,
            senders: 4,
            channel: "#b".into(),
        };
        assert!(too_many_senders.check().is_err());
        assert!(Shape::Whisper { pairs: 0 }.check().is_err());
        assert!(
            Shape::Fanout {
                members: 2,
                senders: 2,
                channel: "#b".into()
            }
            .check()
            .is_ok()
        );
    }
}
