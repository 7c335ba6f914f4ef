//! The single writer thread: takes messages from the queue, commits them in
//! batches, retries with backoff when the disk fails, and runs retention.
//!
//! It sleeps in one of two ways. With nothing pending it blocks on the queue,
//! so the first message wakes it. With a batch pending it parks until the
//! batch is due, and only [`History`](super::History) unparks it early (a
//! command that waits for it, or [`WAKE_AT`] messages queued): messages in
//! between cost the sender no wake-up at all.

mod commit;
mod yielding;

use super::batch::{ConversationCache, Placed};
use super::config::HistoryConfig;
use super::drops::DropCounter;
use super::error::HistoryError;
use super::forget::Purging;
use super::queued::QueuedMessage;
use super::retention::Retention;
use super::schema::WriterConnection;
use commit::Failure;
use rusqlite::Connection;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError, TryRecvError};
use std::time::{Duration, Instant};
use tokio::sync::{Semaphore, oneshot};

/// A batch this big is committed without waiting for the commit interval.
const BATCH_LIMIT: usize = 4096;
/// Queued messages at which the writer is woken early (see the module docs).
pub(crate) const WAKE_AT: usize = BATCH_LIMIT;
/// Most messages taken into one transaction: under load a batch takes all
/// that queued while the last one committed, up to this.
const MAX_BATCH: usize = 65_536;
/// First and largest wait before retrying a failed commit.
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// At most one "write failed" error log per this interval.
const LOG_EVERY: Duration = Duration::from_secs(10);

/// The answer to a command that waits for a commit.
pub(crate) type Reply = oneshot::Sender<Result<(), HistoryError>>;

/// What the writer thread is asked to do.
pub(crate) enum Command {
    /// Store a message in the next batch.
    Record(QueuedMessage),
    /// Store a message and reply once it is committed (or the commit failed).
    RecordDurable(QueuedMessage, Reply),
    /// Store a room message's stream sequence with the next batch (after
    /// the messages queued before it).
    Place(Placed),
    /// Commit everything queued before this and reply.
    Flush(Reply),
    /// Delete the stored history of a channel (case-folded name), with the
    /// messages of it still queued before this command, but none after it.
    /// Carries the cutoff [`Purging::start`] returned.
    ForgetChannel(String, i64),
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
    pending: Vec<QueuedMessage>,
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
    retention: Retention,
    drops: Arc<DropCounter>,
    /// The queue's room: a permit goes back for each message taken off it.
    room: Arc<Semaphore>,
    /// Messages taken off the queue whose permits are not given back yet
    /// (given back together: one semaphore lock per drain, not per message).
    taken: usize,
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
        room: Arc<Semaphore>,
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
            pending: Vec::new(),
            places: Vec::new(),
            purges: Vec::new(),
            purging,
            oldest_pending: None,
            waiters: Vec::new(),
            force_commit: false,
            failure: None,
            conversations: ConversationCache::new(),
            retention: Retention::new(config),
            drops,
            room,
            taken: 0,
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
            if !self.has_work() && self.waiters.is_empty() {
                // Idle: the next command wakes us.
                flow = match commands.recv_timeout(timeout) {
                    Ok(command) => self.handle_counted(command),
                    Err(RecvTimeoutError::Timeout) => Flow::Continue,
                    Err(RecvTimeoutError::Disconnected) => Flow::Stop(None),
                };
            } else {
                // A batch is pending: sleep until it is due unless woken.
                std::thread::park_timeout(timeout);
            }
        }
    }

    /// Handles whatever is queued, up to a full batch.
    fn drain(&mut self, commands: &Receiver<Command>) -> Flow {
        while self.pending.len() < MAX_BATCH {
            match commands.try_recv() {
                Ok(command) => {
                    if let Flow::Stop(reply) = self.handle_counted(command) {
                        return Flow::Stop(reply);
                    }
                }
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => return Flow::Stop(None),
            }
        }
        self.room.add_permits(std::mem::take(&mut self.taken));
        Flow::Continue
    }

    /// Handles one command, counting the room in the queue it held.
    fn handle_counted(&mut self, command: Command) -> Flow {
        if matches!(
            command,
            Command::Record(_) | Command::RecordDurable(..) | Command::Place(_)
        ) {
            self.taken += 1;
        }
        self.handle(command)
    }

    fn handle(&mut self, command: Command) -> Flow {
        match command {
            Command::Record(message) => self.push(message),
            Command::RecordDurable(message, reply) => {
                self.push(message);
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
            Command::Place(placed) => self.place(placed),
            Command::Flush(reply) => {
                self.waiters.push(reply);
                self.force_commit = true;
                if let Some(failure) = &mut self.failure {
                    failure.retry_at = Instant::now();
                }
            }
            Command::ForgetChannel(folded, cutoff) => {
                self.pending.retain(|message| !message.in_channel(&folded));
                self.purges.push((folded, cutoff));
                self.force_commit = true;
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

    fn push(&mut self, message: QueuedMessage) {
        if self.pending.len() >= self.max_pending {
            // Only while commits fail: the backlog is bounded like the queue.
            self.drops.dropped(
                &self.path,
                "history writes are failing and the backlog is full",
            );
            return;
        }
        self.oldest_pending.get_or_insert_with(Instant::now);
        self.pending.push(message);
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
