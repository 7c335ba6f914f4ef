//! The readers of a traffic run: one per connection, recording measured
//! deliveries, answering PINGs, and telling the run when its channel's member
//! list is complete.

use super::{Counters, elapsed_ns};
use crate::conn::{self, LineReader, SharedWriter};
use crate::payload;
use crate::stats::ReceiverStats;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

/// What each reader hands back.
pub(super) struct ReaderOutcome {
    pub(super) stats: ReceiverStats,
    pub(super) closed: Option<String>,
}

/// A connection's reader: records deliveries, answers PINGs, notes the end.
pub(super) struct ReaderTask {
    pub(super) reader: LineReader,
    pub(super) writer: SharedWriter,
    pub(super) senders: usize,
    pub(super) epoch: Instant,
    pub(super) counters: Arc<Counters>,
    /// For fan-out: the channel, and whom to tell once its member list arrived.
    pub(super) joined: Option<(String, oneshot::Sender<()>)>,
    /// Members the list must show before `joined` is told (0: the first
    /// list will do); NAMES is asked again until it does.
    pub(super) names_wanted: usize,
    /// Names counted in the member list being received.
    pub(super) names_seen: usize,
    pub(super) stop: CancellationToken,
}

impl ReaderTask {
    pub(super) async fn run(mut self) -> ReaderOutcome {
        self.reader.grow_to(64 * 1024);
        let mut stats = ReceiverStats::new(self.senders);
        let mut now = elapsed_ns(self.epoch);
        let closed = 'run: loop {
            let mut count = 0;
            let mut closing = None;
            while let Some(line) = self.reader.next_line() {
                if let Some(delivery) = payload::parse_delivery(line) {
                    stats.record(delivery, now);
                    count += 1;
                } else if let Some(pong) = conn::pong_for(line) {
                    // The socket may not take it (a server that stopped
                    // reading): the end of the run must not wait for it.
                    let writer = &self.writer;
                    let write = async move { writer.lock().await.write_all(&pong).await };
                    tokio::select! {
                        _ = self.stop.cancelled() => break 'run closing,
                        _ = write => {}
                    }
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
                self.counters.delivered.fetch_add(count, Ordering::Relaxed);
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
}
