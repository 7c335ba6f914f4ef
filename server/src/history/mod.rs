//! Chat history: every PRIVMSG and NOTICE, stored in SQLite at `<data dir>/history.db`.
//!
//! Before taking the hub lock, a sender's session awaits [`History::reserve`]:
//! room for its message in the writer's queue (at most
//! [`HistoryConfig::queue_capacity`] messages and about
//! [`HistoryConfig::queue_bytes`] of them wait). Under the lock the hub then
//! records into that room, which never blocks. So when the disk cannot keep
//! up, senders are slowed down (their reads wait, TCP pushes back) and
//! nothing that was delivered is left out of history. The queue is one
//! buffer of packed messages the writer takes whole (`handoff`, `records`).
//!
//! One writer thread commits the queue in batches, at the latest
//! [`HistoryConfig::commit_interval`] after a message arrived, or as soon as
//! thousands are waiting; under load each batch takes everything queued, so
//! batches grow with the load and a transaction and its fsync are shared by
//! more messages. The writer is woken by the first message of a batch, by a
//! full-enough queue, or by a command that waits for it (durable record,
//! flush, shutdown), never once per message. Queries run on separate
//! read-only connections (WAL) on tokio's blocking pool.
//!
//! # Durability
//!
//! - `sync = "batched"` (default): a `kill -9` or a power cut loses at most the
//!   messages of the last `commit_interval` (200 ms by default) — those still
//!   queued or waiting for their batch. Every commit is synced to disk
//!   (`synchronous = FULL`, one fsync per batch), so committed history survives
//!   a power cut too. A clean stop ([`History::shutdown`], on SIGINT/SIGTERM)
//!   loses nothing.
//! - `sync = "full"`: the hub queues the message with
//!   [`Reservation::record_durable`] under its lock (so the store keeps the
//!   hub's order) and [`crate::hub::Hub::say`] awaits
//!   [`DurableCommit::committed`] with the lock released before delivering: a
//!   delivered message is on disk. Messages that arrive together share one
//!   commit.
//!
//! # Failures
//!
//! A corrupt, foreign, locked or unreadable database is an error from
//! [`History::open`] naming the file and what to do. While running, a failing
//! disk (full, I/O error) is logged with the path and reason; the writer keeps
//! the batch and retries with backoff (250 ms doubling to 30 s) while chat goes
//! on. While the disk is failing the writer keeps taking messages into a
//! backlog bounded like the queue; beyond that (and for a [`History::record`]
//! made without a reservation into a full queue) messages are delivered but
//! left out of history, counted by [`History::dropped_count`] and warned about
//! at most every 10 s.

mod backlog;
mod batch;
mod block;
mod blocks;
mod config;
mod drops;
mod error;
mod forget;
mod handoff;
mod keys;
mod model;
mod msgid;
pub mod offline;
mod offline_blocks;
mod query;
mod queued;
mod range;
mod reader;
mod recording;
mod records;
mod reservation;
mod retention;
mod room_sync;
mod schema;
mod targets;
mod writer;

#[cfg(test)]
mod layout_tests;
#[cfg(test)]
mod range_model;
#[cfg(test)]
mod range_tests;
#[cfg(test)]
mod tests;

pub use config::{HistoryConfig, SyncMode};
pub use error::HistoryError;
pub use model::{Conversation, MessageKind, PrivatePair, StoredMessage, new_msgid, new_msgid_at};
pub use query::{Anchor, HistoryQuery, Selection};
pub use queued::QueuedMessage;
pub use records::{Between, Said, ToRecord};
pub use reservation::{DurableCommit, Reservation};

use crate::accounts::Accounts;
use crate::channels::ChannelStates;
use drops::DropCounter;
use forget::Purging;
use handoff::Handoff;
use reader::ReaderPool;
use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};
use std::thread::{JoinHandle, Thread};
use std::time::Duration;
use tokio::sync::oneshot;
use writer::{Command, Writer};

/// A handle to the history store; clones share one writer thread and reader pool.
#[derive(Clone)]
pub struct History {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for History {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("History")
            .field("path", &self.inner.path)
            .field("sync", &self.inner.sync)
            .field("dropped", &self.dropped_count())
            .finish_non_exhaustive()
    }
}

struct Inner {
    /// Commands other than records (flush, shutdown, test hooks).
    commands: Sender<Command>,
    /// The queue of messages (and what must stay in order with them).
    handoff: Arc<Handoff>,
    /// The writer thread, to unpark it.
    writer: Thread,
    path: PathBuf,
    sync: SyncMode,
    shutdown_timeout: Duration,
    drops: Arc<DropCounter>,
    readers: Arc<ReaderPool>,
    writer_thread: Mutex<Option<JoinHandle<()>>>,
    accounts: Accounts,
    channel_states: ChannelStates,
    /// Channel histories being deleted, hidden from readers meanwhile.
    purging: Arc<Purging>,
    /// How far each room has caught up with the cluster's room stream.
    room_sync: Arc<room_sync::RoomSync>,
}

impl Drop for Inner {
    /// The last handle is gone: the writer commits what is left and stops.
    fn drop(&mut self) {
        self.handoff.abandon();
        self.writer.unpark();
    }
}

/// How much longer than its own timeout [`History::shutdown`] waits for the
/// writer (a failed write may itself take a while to return).
const SHUTDOWN_SLACK: Duration = Duration::from_secs(2);

impl History {
    /// Opens (creating if needed) `data_dir/history.db`, migrates its schema and
    /// starts the writer thread. Fails with an error naming the file if it is
    /// corrupt, not a database, from a newer natterd, unreadable, or in use by
    /// another natterd.
    pub fn open(data_dir: &Path, config: &HistoryConfig) -> Result<History, HistoryError> {
        let connection = schema::open_writer_for(data_dir, config.sync)?;
        let path = schema::database_path(data_dir);
        let accounts = Accounts::open(&path).map_err(|reason| HistoryError::Unreadable {
            path: path.clone(),
            reason: format!("accounts: {reason}"),
        })?;
        let channel_states =
            ChannelStates::open(&path).map_err(|reason| HistoryError::Unreadable {
                path: path.clone(),
                reason: format!("channel states: {reason}"),
            })?;
        let readers = ReaderPool::open(path.clone())?;
        let room_sync = room_sync::RoomSync::new(&path);
        let drops = Arc::new(DropCounter::new());
        let capacity = config.queue_capacity.max(1);
        let handoff = Arc::new(Handoff::new(
            capacity,
            config.queue_bytes,
            (capacity / 2).clamp(1, writer::WAKE_AT),
        ));
        // Records are bounded by the hand-off; commands by their waiting callers.
        let (commands, queue) = std::sync::mpsc::channel();
        let purging = Arc::new(Purging::default());
        let writer = Writer::new(
            connection,
            path.clone(),
            config,
            Arc::clone(&drops),
            Arc::clone(&handoff),
            Arc::clone(&purging),
        );
        let writer_thread = std::thread::Builder::new()
            .name("history-writer".into())
            .spawn(move || writer.run(queue))
            .map_err(|error| HistoryError::Write {
                path: path.clone(),
                reason: format!("cannot start the writer thread: {error}"),
            })?;
        tracing::info!(path = %path.display(), sync = ?config.sync, "history opened");
        let history = History {
            inner: Arc::new(Inner {
                commands,
                handoff,
                writer: writer_thread.thread().clone(),
                path,
                sync: config.sync,
                shutdown_timeout: config.shutdown_timeout,
                drops,
                readers,
                writer_thread: Mutex::new(Some(writer_thread)),
                accounts,
                channel_states,
                purging,
                room_sync,
            }),
        };
        history.drop_unregistered_channels();
        Ok(history)
    }

    /// Unregistered channels that were live when natterd last stopped vanish
    /// now, as they would have when emptied: their state is forgotten, and
    /// the history of those that kept anyone out is deleted.
    fn drop_unregistered_channels(&self) {
        for (folded, record) in self.inner.channel_states.take_unregistered() {
            let guarded = record.guards_history();
            tracing::info!(channel = %record.name, history_deleted = guarded, "unregistered channel from the last run forgotten");
            if guarded {
                self.forget_channel_history(&folded);
            }
        }
    }

    /// Deletes the stored history of the channel `folded` (case-folded),
    /// including its messages still queued now, but not those recorded after
    /// this call. Never blocks: the writer does it with its next commit.
    pub fn forget_channel_history(&self, folded: &str) {
        let cutoff = self.inner.purging.start(folded);
        // After a shutdown there is nothing left to store it in.
        if let Ok(wake) = self.inner.handoff.forget(folded, cutoff) {
            self.wake_if(wake);
        }
    }

    /// The accounts stored in the same database.
    pub fn accounts(&self) -> &Accounts {
        &self.inner.accounts
    }

    /// The channel states stored in the same database.
    pub fn channel_states(&self) -> &ChannelStates {
        &self.inner.channel_states
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// The configured sync mode: whether the server should use [`record_durable`](Self::record_durable).
    pub fn sync_mode(&self) -> SyncMode {
        self.inner.sync
    }

    /// Waits until everything recorded before this call is committed. An error
    /// means the commit failed; the messages are kept and retried.
    pub async fn flush(&self) -> Result<(), HistoryError> {
        let (reply, answer) = oneshot::channel();
        self.send(Command::Flush(reply)).await?;
        answer.await.map_err(|_| HistoryError::Closed)?
    }

    /// Commits everything queued and stops the writer thread (on SIGINT/SIGTERM).
    /// If the disk is failing it retries a few times, then reports what could not
    /// be saved. Later calls, and later [`record`](Self::record)s, do nothing.
    pub async fn shutdown(&self) -> Result<(), HistoryError> {
        let (reply, answer) = oneshot::channel();
        // The writer gives up on a failing disk after shutdown_timeout; a disk
        // that hangs a write forever must not hold the process either.
        let waited = self.inner.shutdown_timeout + SHUTDOWN_SLACK;
        let stop = async {
            match self.send(Command::Shutdown(reply)).await {
                Ok(()) => answer.await.unwrap_or(Ok(())),
                Err(HistoryError::Closed) => Ok(()),
                Err(other) => Err(other),
            }
        };
        let Ok(result) = tokio::time::timeout(waited, stop).await else {
            return Err(HistoryError::StopTimedOut {
                waited_secs: waited.as_secs(),
            });
        };
        let thread = self
            .inner
            .writer_thread
            .lock()
            .ok()
            .and_then(|mut slot| slot.take());
        if let Some(thread) = thread {
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
        // Channel states have their own writer; what it cannot store in time
        // is logged by it (the messages' result is what callers act on).
        let states = self.inner.channel_states.clone();
        let timeout = self.inner.shutdown_timeout;
        let _ = tokio::task::spawn_blocking(move || states.shutdown(timeout)).await;
        result
    }

    /// Messages waiting for the writer (reserved room in its queue), for metrics.
    pub fn queue_depth(&self) -> usize {
        self.inner.handoff.depth()
    }

    /// How many messages were left out of history (full queue, failing disk, closed store).
    pub fn dropped_count(&self) -> u64 {
        self.inner.drops.count()
    }

    /// Sends a command the writer must act on now, and wakes it.
    async fn send(&self, command: Command) -> Result<(), HistoryError> {
        let sent = self.inner.commands.send(command);
        self.wake_writer();
        sent.map_err(|_| HistoryError::Closed)
    }

    fn wake_if(&self, wake: handoff::Wake) {
        if wake.0 {
            self.wake_writer();
        }
    }

    fn wake_writer(&self) {
        self.inner.writer.unpark();
    }

    /// Test hook: runs SQL on the writer's own connection.
    #[cfg(test)]
    async fn execute_on_writer(&self, sql: &str) -> Result<(), String> {
        let (reply, answer) = oneshot::channel();
        self.send(Command::Execute(sql.to_owned(), reply))
            .await
            .map_err(|error| error.to_string())?;
        answer.await.map_err(|error| error.to_string())?
    }

    /// Test hook: blocks the writer (its queue then empty) until the returned sender is dropped.
    #[cfg(test)]
    async fn stall_writer(&self) -> std::sync::mpsc::Sender<()> {
        let (release, wait) = std::sync::mpsc::channel();
        let (stalled, confirmed) = oneshot::channel();
        let _ = self.send(Command::Stall(stalled, wait)).await;
        let _ = confirmed.await;
        release
    }
}
