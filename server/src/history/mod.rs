//! Chat history: every PRIVMSG and NOTICE, stored in SQLite at `<data dir>/history.db`.
//!
//! The hub calls [`History::record`] from inside its lock: it only puts the
//! message on a bounded queue (never blocks, never awaits). One writer thread
//! commits the queue in batches, at the latest [`HistoryConfig::commit_interval`]
//! after a message arrived, or as soon as 4096 are waiting. Queries run on
//! separate read-only connections (WAL) on tokio's blocking pool.
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
//!   [`History::queue_durable`] under its lock (so the store keeps the hub's
//!   order) and [`crate::hub::Hub::say`] awaits [`DurableCommit::committed`]
//!   with the lock released before delivering: a delivered message is on disk.
//!
//! # Failures
//!
//! A corrupt, foreign, locked or unreadable database is an error from
//! [`History::open`] naming the file and what to do. While running, a failing
//! disk (full, I/O error) is logged with the path and reason; the writer keeps
//! the batch and retries with backoff (250 ms doubling to 30 s) while chat goes
//! on. If the queue (or, while failing, the writer's backlog) is full, new
//! messages are delivered but left out of history, counted by
//! [`History::dropped_count`] and warned about at most every 10 s.

mod batch;
mod config;
mod drops;
mod error;
mod model;
mod query;
mod reader;
mod retention;
mod schema;
mod writer;

#[cfg(test)]
mod tests;

pub use config::{HistoryConfig, SyncMode};
pub use error::HistoryError;
pub use model::{Conversation, MessageKind, PrivatePair, StoredMessage, new_msgid};
pub use query::{Anchor, HistoryQuery, Selection};

use chrono::{DateTime, Utc};
use drops::DropCounter;
use query::TargetsQuery;
use reader::ReaderPool;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use tokio::sync::oneshot;
use writer::{Command, Writer};

/// A durable commit queued by [`History::queue_durable`].
#[must_use = "await `committed` before delivering the message"]
pub struct DurableCommit {
    pending: Option<(History, Command)>,
    answer: Option<oneshot::Receiver<Result<(), HistoryError>>>,
}

impl std::fmt::Debug for DurableCommit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DurableCommit")
            .field("queued", &self.pending.is_none())
            .finish_non_exhaustive()
    }
}

impl DurableCommit {
    /// Resolves once the message is committed to disk; an error means it was not
    /// (failing disk: it stays queued and is retried; or the store is closed).
    pub async fn committed(self) -> Result<(), HistoryError> {
        if let Some((history, command)) = self.pending {
            history.send(command).await?;
        }
        match self.answer {
            Some(answer) => answer.await.map_err(|_| HistoryError::Closed)?,
            None => Err(HistoryError::Closed),
        }
    }
}

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
    commands: SyncSender<Command>,
    path: PathBuf,
    sync: SyncMode,
    drops: Arc<DropCounter>,
    readers: Arc<ReaderPool>,
    writer_thread: Mutex<Option<JoinHandle<()>>>,
}

impl History {
    /// Opens (creating if needed) `data_dir/history.db`, migrates its schema and
    /// starts the writer thread. Fails with an error naming the file if it is
    /// corrupt, not a database, from a newer natterd, unreadable, or in use by
    /// another natterd.
    pub fn open(data_dir: &Path, config: &HistoryConfig) -> Result<History, HistoryError> {
        let connection = schema::open_writer(data_dir)?;
        let path = schema::database_path(data_dir);
        let readers = ReaderPool::open(path.clone())?;
        let drops = Arc::new(DropCounter::new());
        let (commands, queue) = std::sync::mpsc::sync_channel(config.queue_capacity.max(1));
        let writer = Writer::new(connection, path.clone(), config, Arc::clone(&drops));
        let writer_thread = std::thread::Builder::new()
            .name("history-writer".into())
            .spawn(move || writer.run(queue))
            .map_err(|error| HistoryError::Write {
                path: path.clone(),
                reason: format!("cannot start the writer thread: {error}"),
            })?;
        tracing::info!(path = %path.display(), sync = ?config.sync, "history opened");
        Ok(History {
            inner: Arc::new(Inner {
                commands,
                path,
                sync: config.sync,
                drops,
                readers,
                writer_thread: Mutex::new(Some(writer_thread)),
            }),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Queues a message for the next batch. Never blocks: if the queue is full
    /// (or the store is closed) the message is left out of history only, counted
    /// and warned about.
    pub fn record(&self, message: StoredMessage) {
        match self.inner.commands.try_send(Command::Record(message)) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => self
                .inner
                .drops
                .dropped(&self.inner.path, "the history queue is full"),
            Err(TrySendError::Disconnected(_)) => self
                .inner
                .drops
                .dropped(&self.inner.path, "the history store is closed"),
        }
    }

    /// Stores a message and resolves once it is committed to disk (for
    /// `sync = "full"`). If the disk is failing this resolves at once with
    /// [`HistoryError::Write`]: the message stays queued and is retried, and the
    /// caller should deliver it anyway.
    pub async fn record_durable(&self, message: StoredMessage) -> Result<(), HistoryError> {
        let (reply, answer) = oneshot::channel();
        self.send(Command::RecordDurable(message, reply)).await?;
        answer.await.map_err(|_| HistoryError::Closed)?
    }

    /// Queues a message for a durable commit without waiting, so the hub can
    /// call it under its lock (keeping insertion order = the hub's order); await
    /// [`DurableCommit::committed`] after releasing the lock. If the queue is
    /// full the command is sent (waiting for room) when awaited.
    pub fn queue_durable(&self, message: StoredMessage) -> DurableCommit {
        let (reply, answer) = oneshot::channel();
        let pending = match self
            .inner
            .commands
            .try_send(Command::RecordDurable(message, reply))
        {
            Ok(()) => None,
            Err(TrySendError::Full(command)) => Some((self.clone(), command)),
            Err(TrySendError::Disconnected(_)) => {
                return DurableCommit {
                    pending: None,
                    answer: None,
                };
            }
        };
        DurableCommit {
            pending,
            answer: Some(answer),
        }
    }

    /// The configured sync mode: whether the server should use [`record_durable`](Self::record_durable).
    pub fn sync_mode(&self) -> SyncMode {
        self.inner.sync
    }

    /// Messages of one conversation, in ascending time order (see [`Selection`]).
    pub async fn query(&self, query: HistoryQuery) -> Result<Vec<StoredMessage>, HistoryError> {
        self.inner
            .readers
            .read(move |conn, path| query::run_query(conn, path, &query))
            .await
    }

    /// For `CHATHISTORY TARGETS`: the private partners of `viewer` (an identity key)
    /// and those of `channels` (folded names the viewer may read) with a message
    /// strictly between `from` and `to`, as `(name as last written, latest
    /// message time)`, ascending by time; the earliest `limit` when `from <= to`,
    /// else the latest `limit`.
    pub async fn targets(
        &self,
        viewer: &str,
        channels: &[String],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<(String, DateTime<Utc>)>, HistoryError> {
        let query = TargetsQuery {
            viewer: viewer.to_owned(),
            channels: channels.to_vec(),
            from,
            to,
            limit,
        };
        self.inner
            .readers
            .read(move |conn, path| query::run_targets(conn, path, &query))
            .await
    }

    /// The identity key of the partner `viewer` (an identity key) last
    /// whispered with under the nick `partner`, for reading that conversation
    /// once the partner is offline; `None` when there is none.
    pub async fn private_partner(
        &self,
        viewer: &str,
        partner: &str,
        casemapping: natter_protocol::Casemapping,
    ) -> Result<Option<String>, HistoryError> {
        let (viewer, partner) = (viewer.to_owned(), partner.to_owned());
        self.inner
            .readers
            .read(move |conn, path| query::run_partner(conn, path, &viewer, &partner, casemapping))
            .await
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
        let result = match self.send(Command::Shutdown(reply)).await {
            Ok(()) => answer.await.unwrap_or(Ok(())),
            Err(HistoryError::Closed) => Ok(()),
            Err(other) => Err(other),
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
        result
    }

    /// How many messages were left out of history (full queue, failing disk, closed store).
    pub fn dropped_count(&self) -> u64 {
        self.inner.drops.count()
    }

    /// Sends a command, waiting (off the runtime) for room in the queue.
    async fn send(&self, command: Command) -> Result<(), HistoryError> {
        match self.inner.commands.try_send(command) {
            Ok(()) => Ok(()),
            Err(TrySendError::Disconnected(_)) => Err(HistoryError::Closed),
            Err(TrySendError::Full(command)) => {
                let commands = self.inner.commands.clone();
                tokio::task::spawn_blocking(move || commands.send(command).map_err(drop))
                    .await
                    .map_err(|_| HistoryError::Closed)?
                    .map_err(|_| HistoryError::Closed)
            }
        }
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
