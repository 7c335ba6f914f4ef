//! The single writer thread: takes messages from the queue, commits them in
//! batches, retries with backoff when the disk fails, and runs retention.
//!
//! Messages come through the hand-off buffer (`super::handoff`), which it
//! takes whole; other commands through a channel. It parks between batches.
//! With nothing pending, the first message recorded wakes it; with a batch
//! pending it sleeps until the batch is due, and only
//! [`History`](super::History) unparks it early (a command that waits for
//! it, a durable record, or [`WAKE_AT`] messages queued): messages in
//! between cost the sender no wake-up at all.

mod commit;
mod yielding;

use super::backlog::Backlog;
use super::batch::{ConversationCache, Placed};
use super::config::HistoryConfig;
use super::drops::DropCounter;
use super::error::HistoryError;
use super::forget::Purging;
use super::handoff::{Handoff, Pending};
use super::queued::QueuedMessage;
use super::retention::Retention;
use super::schema::WriterConnection;
use commit::Failure;
use rusqlite::Connection;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, TryRecvError};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

/// A batch this big is committed without waiting for the commit interval.
const BATCH_LIMIT: usize = 4096;
/// Queued messages at which the writer is woken early (see the module docs).
pub(crate) const WAKE_AT: usize = BATCH_LIMIT;
/// First and largest wait before retrying a failed commit.
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// At most one "write failed" error log per this interval.
const LOG_EVERY: Duration = Duration::from_secs(10);

/// The answer to a command that waits for a commit.
pub(crate) type Reply = oneshot::Sender<Result<(), HistoryError>>;

/// What the writer thread is asked to do besides storing what the
/// hand-off brings (taken before each command, so a command comes after
/// everything recorded before it was sent).
pub(crate) enum Command {
    /// Commit everything queued before this and reply.
    Flush(Reply),
    /// Commit everything queued before this, reply and stop.
    Shutdown(Reply),
    /// Test hook: run SQL on the writer's connection (e.g. to fake a full disk).
    #[cfg(test)]
    Execute(String, oneshot::Sender<Result<(), String>>),
    /// Test hook: say "stalled", then block until the release side is dropped.
    #[cfg(test)]
    Stall(oneshot::Sender<()>, std::sync::mpsc::Receiver<()>),
}

/// The writer thread's state.
pub(crate) struct Writer {
    conn: Connection,
    _lock: Connection,
    path: PathBuf,
    commit_interval: Duration,
    shutdown_timeout: Duration,
    max_pending: usize,
    pending: Backlog,
    /// What the last take brought, being sorted into `pending` and the rest.
    intake: Pending,
    handoff: Arc<Handoff>,
    /// Stream sequences stored with the next batch, after `pending`.
    places: Vec<Placed>,
    /// Channels whose stored history is deleted before `pending` is
    /// inserted, with the cutoffs readers hide until then.
    purges: Vec<(String, i64)>,
    purging: Arc<Purging>,
    oldest_pending: Option<Instant>,
    waiters: Vec<Reply>,
    force_commit: bool,
    failure: Option<Failure>,
    conversations: ConversationCache,
    /// The list of the batch being committed, kept empty between commits
    /// for its allocation (see `commit::recycle`).
    batch: Vec<QueuedMessage<'static>>,
    retention: Retention,
    drops: Arc<DropCounter>,
}

enum Flow {
    Continue,
    Stop(Option<Reply>),
}

impl Writer {
    pub(crate) fn new(
        connection: WriterConnection,
        path: PathBuf,
        config: &HistoryConfig,
        drops: Arc<DropCounter>,
        handoff: Arc<Handoff>,
        purging: Arc<Purging>,
    ) -> Writer {
        let mut conn = connection.conn;
        if let Err(error) = yielding::install(&mut conn) {
            // Only latency is at stake: write history all the same.
            tracing::warn!(%error, "the history writer cannot yield while it commits");
        }
        Writer {
            conn,
            _lock: connection._lock,
            path,
            commit_interval: config.commit_interval,
            shutdown_timeout: config.shutdown_timeout,
            max_pending: config.queue_capacity.max(BATCH_LIMIT),
            pending: Backlog::default(),
            intake: Pending::default(),
            handoff,
            places: Vec::new(),
            purges: Vec::new(),
            purging,
            oldest_pending: None,
            waiters: Vec::new(),
            force_commit: false,
            failure: None,
            conversations: ConversationCache::new(),
            batch: Vec::new(),
            retention: Retention::new(config),
            drops,
        }
    }

    /// The thread's body: runs until shutdown or until every sender is gone.
    pub(crate) fn run(mut self, commands: Receiver<Command>) {
        let mut flow = Flow::Continue;
        loop {
            if let Flow::Continue = flow {
                flow = self.drain(&commands);
            }
            if let Flow::Stop(reply) = flow {
                let result = self.commit_before_exit();
                if result.is_ok() {
                    super::offline::checkpoint(&self.conn, &self.path);
                }
                self.close();
                if let Some(reply) = reply {
                    let _ = reply.send(result);
                }
                return;
            }
            self.commit_if_due();
            // One short chunk at a time, between batches; not while the disk is failing.
            if self.failure.is_none() {
                self.retention.step(&self.conn);
            }
            if self.pending.len() >= BATCH_LIMIT && self.failure.is_none() {
                continue;
            }
            let timeout = self.next_wakeup().saturating_duration_since(Instant::now());
            let idle = !self.has_work() && self.waiters.is_empty();
            // Idle, the next record wakes us (unless one came since the
            // take: then go round again); with a batch pending, sleep until
            // it is due unless woken.
            if !idle || self.handoff.idle() {
                std::thread::park_timeout(timeout);
            }
        }
    }

    /// Takes what the hand-off holds, and handles the commands sent, each
    /// after taking again (so it comes after everything recorded before it).
    fn drain(&mut self, commands: &Receiver<Command>) -> Flow {
        loop {
            // The command first, then the take: whatever was recorded before
            // the command was sent is in this take. (Taken the other way
            // round, a shutdown sent just after the take stopped the writer
            // without the messages recorded in between.)
            let command = commands.try_recv();
            let abandoned = self.take();
            match command {
                Ok(command) => {
                    if let Flow::Stop(reply) = self.handle(command) {
                        return Flow::Stop(reply);
                    }
                }
                Err(TryRecvError::Empty) if abandoned => return Flow::Stop(None),
                Err(TryRecvError::Empty) => return Flow::Continue,
                Err(TryRecvError::Disconnected) => return Flow::Stop(None),
            }
        }
    }

    /// Takes everything the hand-off holds and sorts it in: channel
    /// histories to forget (from the messages recorded before each), the
    /// messages, the replies owed for durable ones, the stream sequences.
    /// True when every `History` handle is gone.
    fn take(&mut self) -> bool {
        let abandoned = self.handoff.take(&mut self.intake);
        let mut intake = std::mem::take(&mut self.intake);
        if !intake.forgets.is_empty() {
            let forgets = &intake.forgets;
            // Everything already pending was recorded before each of them.
            self.pending
                .retain(|message| !forgets.iter().any(|f| message.in_channel(&f.folded)));
            intake.records.retain(|index, message| {
                !forgets
                    .iter()
                    .any(|f| index < f.before && message.in_channel(&f.folded))
            });
            for forget in intake.forgets.drain(..) {
                self.purges.push((forget.folded, forget.cutoff));
            }
            self.force_commit = true;
        }
        if !intake.records.is_empty() {
            self.oldest_pending.get_or_insert_with(Instant::now);
            // Beyond the bound only while commits fail: the backlog is bounded like the queue.
            let room = self.max_pending.saturating_sub(self.pending.len());
            let over = self.pending.append(&mut intake.records, room);
            for _ in 0..over {
                self.drops.dropped(
                    &self.path,
                    "history writes are failing and the backlog is full",
                );
            }
        }
        for reply in intake.durable.drain(..) {
            match &self.failure {
                // Don't hold delivery while the disk is failing: say so now; the message is retried.
                Some(failure) => {
                    let _ = reply.send(Err(self.write_error(failure.reason.clone())));
                }
                None => {
                    self.waiters.push(reply);
                    self.force_commit = true;
                }
            }
        }
        for placed in std::mem::take(&mut intake.places) {
            self.place(placed);
        }
        self.intake = intake;
        abandoned
    }

    /// The writer has stopped: later records are refused, and what was
    /// recorded after the last take is counted as not saved.
    fn close(&mut self) {
        let left = self.handoff.close();
        for _ in 0..left.records.len() {
            self.drops
                .dropped(&self.path, "recorded after the history store closed");
        }
    }

    fn handle(&mut self, command: Command) -> Flow {
        match command {
            Command::Flush(reply) => {
                self.waiters.push(reply);
                self.force_commit = true;
                if let Some(failure) = &mut self.failure {
                    failure.retry_at = Instant::now();
                }
            }
            Command::Shutdown(reply) => return Flow::Stop(Some(reply)),
            #[cfg(test)]
            Command::Execute(sql, reply) => {
                let _ = reply.send(
                    self.conn
                        .execute_batch(&sql)
                        .map_err(|error| error.to_string()),
                );
            }
            #[cfg(test)]
            Command::Stall(stalled, release) => {
                let _ = stalled.send(());
                let _ = release.recv();
            }
        }
        Flow::Continue
    }

    fn place(&mut self, placed: Placed) {
        if self.pending.len() + self.places.len() >= self.max_pending {
            // Only while commits fail; the message keeps its place by
            // time and arrival, only ties within a millisecond may differ.
            crate::warn_throttled!(path = %self.path.display(), "history writes are failing and the backlog is full: a message's room stream sequence is not stored");
            return;
        }
        self.oldest_pending.get_or_insert_with(Instant::now);
        self.places.push(placed);
    }

    fn next_wakeup(&self) -> Instant {
        let far = Instant::now() + Duration::from_secs(3600);
        let commit = match (&self.failure, self.oldest_pending) {
            (Some(failure), _) => Some(failure.retry_at),
            (None, Some(oldest)) => Some(oldest + self.commit_interval),
            (None, None) => None,
        };
        [commit, self.retention.next_due()]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(far)
    }

    fn commit_if_due(&mut self) {
        let now = Instant::now();
        if let Some(failure) = &self.failure
            && failure.retry_at > now
        {
            return;
        }
        let interval_over = self
            .oldest_pending
            .is_some_and(|oldest| now >= oldest + self.commit_interval);
        let due = self.force_commit
            || self.pending.len() >= BATCH_LIMIT
            || interval_over
            || (self.failure.is_some() && self.has_work());
        if due {
            let result = self.commit();
            self.force_commit = false;
            for waiter in self.waiters.drain(..) {
                let _ = waiter.send(result.clone());
            }
        }
    }

    fn has_work(&self) -> bool {
        !self.pending.is_empty() || !self.places.is_empty() || !self.purges.is_empty()
    }
}
