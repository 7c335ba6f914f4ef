//! Read-only connections for queries, used on tokio's blocking pool so that
//! neither the runtime nor the writer ever waits for a reader.

use super::error::HistoryError;
use super::query;
use super::targets::{self, TargetsQuery};
use super::{History, HistoryQuery, StoredMessage, schema};
use chrono::{DateTime, Utc};
use rusqlite::Connection;
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::oneshot;

/// Idle connections kept for reuse (as many as may run, so none is opened
/// and closed again per query under load).
const MAX_IDLE: usize = MAX_RUNNING;

/// Queries that run at once; more wait for one of them to finish. Each
/// running query holds a connection with its own page cache (up to
/// `cache_size`) and a blocking-pool thread: without a bound, a burst of
/// joins (each reading its backlog) opened a connection per join, and a
/// flood of 256 registering clients took natterd's memory past the hostile
/// probe's bound (up to 84 MB against 52 once backlogs read 64 KiB blocks;
/// 38-45 MB with this bound). Queries take micro- to milliseconds, so four
/// in flight keep the cores busy.
const MAX_RUNNING: usize = 4;

/// A query waiting for a reader (given its connection, or why none could
/// be opened), with where its answer goes.
type Job = Box<dyn FnOnce(Result<&Connection, HistoryError>, &Path) + Send>;

/// A small pool of read-only connections to one database.
///
/// Queries wait in one queue, and each of at most [`MAX_RUNNING`]
/// blocking-pool threads runs them one after the other until it is empty,
/// so a waiting query never needs the runtime to start. Before, each waited
/// for a permit and then had its task call `spawn_blocking`: a burst of 256
/// joins went through four at a time, each turn waiting for a runtime
/// worker busy with the flood (hostile probe flood-registered, debug build:
/// 0.2 ms queries, 235 ms median wait for a join's backlog), and the
/// joining sessions read nothing meanwhile.
pub(crate) struct ReaderPool {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    queue: Mutex<Queue>,
}

/// The queries waiting and how many threads are running them.
#[derive(Default)]
struct Queue {
    jobs: VecDeque<Job>,
    running: usize,
}

impl ReaderPool {
    /// A pool for `path`, checked by opening its first connection now.
    pub(crate) fn open(path: PathBuf) -> Result<Arc<ReaderPool>, HistoryError> {
        let first = schema::open_reader(&path)?;
        Ok(Arc::new(ReaderPool {
            path,
            idle: Mutex::new(vec![first]),
            queue: Mutex::new(Queue::default()),
        }))
    }

    /// Runs `read` with a connection on the blocking pool.
    pub(crate) async fn read<T, F>(self: &Arc<ReaderPool>, read: F) -> Result<T, HistoryError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection, &Path) -> Result<T, HistoryError> + Send + 'static,
    {
        let (answer, answered) = oneshot::channel();
        let job: Job = Box::new(move |conn, path| {
            // Its caller went away while it waited (a client that quit
            // during its join's backlog, a cancelled request): nobody
            // wants the answer, so the reader goes on to the next query.
            if answer.is_closed() {
                return;
            }
            let _ = answer.send(conn.and_then(|conn| read(conn, path)));
        });
        let start = {
            let mut queue = self.queue();
            queue.jobs.push_back(job);
            let start = queue.running < MAX_RUNNING;
            if start {
                queue.running += 1;
            }
            start
        };
        if start {
            let pool = Arc::clone(self);
            // Not awaited: the thread runs queries until none is waiting.
            drop(tokio::task::spawn_blocking(move || pool.run_queued()));
        }
        answered.await.map_err(|_| HistoryError::Read {
            path: self.path.clone(),
            reason: "the query failed (it panicked)".to_string(),
        })?
    }

    /// Runs waiting queries one after the other on this thread until none
    /// is left (then the thread stops counting as running).
    fn run_queued(&self) {
        loop {
            let job = {
                let mut queue = self.queue();
                match queue.jobs.pop_front() {
                    Some(job) => job,
                    None => {
                        queue.running -= 1;
                        return;
                    }
                }
            };
            let conn = match self.take() {
                Some(conn) => conn,
                None => match schema::open_reader(&self.path) {
                    Ok(conn) => conn,
                    Err(error) => {
                        job(Err(error), &self.path);
                        continue;
                    }
                },
            };
            // A query that panics loses its answer (its caller hears so)
            // and its connection, not this thread's place in the pool.
            let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                job(Ok(&conn), &self.path);
            }));
            if ran.is_ok() {
                self.give_back(conn);
            }
        }
    }

    fn queue(&self) -> MutexGuard<'_, Queue> {
        // A query that panicked must not stop every later one.
        self.queue
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn take(&self) -> Option<Connection> {
        self.idle.lock().ok()?.pop()
    }

    fn give_back(&self, conn: Connection) {
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < MAX_IDLE
        {
            idle.push(conn);
        }
    }
}

/// History's read-only questions, each run on a reader of the pool.
impl History {
    /// Messages of one conversation, in ascending time order (see [`Selection`]).
    pub async fn query(&self, query: HistoryQuery) -> Result<Vec<StoredMessage>, HistoryError> {
        let conversation = query.conversation.clone();
        let messages = self
            .inner
            .readers
            .read(move |conn, path| query::run_query(conn, path, &query))
            .await?;
        Ok(self.inner.purging.filter(&conversation, messages))
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
        let mut targets = self
            .inner
            .readers
            .read(move |conn, path| targets::run_targets(conn, path, &query))
            .await?;
        targets.retain(|(name, latest)| {
            !(natter_protocol::is_channel_name(name)
                && self
                    .inner
                    .purging
                    .hides_latest(&natter_protocol::Casemapping::Rfc8265.fold(name), *latest))
        });
        Ok(targets)
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
            .read(move |conn, path| {
                targets::run_partner(conn, path, &viewer, &partner, casemapping)
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Queries queued behind the running ones start without the runtime:
    /// its only worker is blocked until all of them have run.
    #[tokio::test(flavor = "multi_thread", worker_threads = 1)]
    async fn queued_queries_run_while_the_runtime_is_busy() {
        let dir = tempfile::tempdir().unwrap();
        drop(schema::open_writer(dir.path()).unwrap());
        let pool = ReaderPool::open(schema::database_path(dir.path())).unwrap();
        let count = MAX_RUNNING * 3;
        let (ran, runs) = std::sync::mpsc::channel();
        let (queued, mut queues) = tokio::sync::mpsc::unbounded_channel();
        let queries: Vec<_> = (0..count)
            .map(|_| {
                let (pool, ran, queued) = (Arc::clone(&pool), ran.clone(), queued.clone());
                tokio::spawn(async move {
                    let _ = queued.send(());
                    pool.read(move |conn, _| {
                        let one: i64 = conn.query_row("SELECT 1", [], |row| row.get(0)).unwrap();
                        let _ = ran.send(());
                        Ok(one)
                    })
                    .await
                })
            })
            .collect();
        for _ in 0..count {
            queues.recv().await.unwrap();
        }
        // The worker is taken until every query has run (or 10 s went by).
        let busy = tokio::spawn(async move {
            (0..count)
                .take_while(|_| {
                    runs.recv_timeout(std::time::Duration::from_secs(10))
                        .is_ok()
                })
                .count()
        });
        assert_eq!(busy.await.unwrap(), count);
        for query in queries {
            assert_eq!(query.await.unwrap().unwrap(), 1);
        }
    }

    /// A query whose caller went away while it waited is never run: under
    /// a burst of joins from clients that then quit, the readers would
    /// otherwise spend their turns on answers nobody reads.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_query_whose_caller_went_away_is_not_run() {
        use futures::FutureExt as _;
        let dir = tempfile::tempdir().unwrap();
        drop(schema::open_writer(dir.path()).unwrap());
        let pool = ReaderPool::open(schema::database_path(dir.path())).unwrap();
        // Every reader thread busy until told to go on.
        let (go, gate) = std::sync::mpsc::channel::<()>();
        let gate = Arc::new(Mutex::new(gate));
        let (started, mut starts) = tokio::sync::mpsc::unbounded_channel();
        let blockers: Vec<_> = (0..MAX_RUNNING)
            .map(|_| {
                let (pool, gate, started) = (Arc::clone(&pool), Arc::clone(&gate), started.clone());
                tokio::spawn(async move {
                    pool.read(move |_, _| {
                        let _ = started.send(());
                        let _ = gate.lock().unwrap().recv();
                        Ok(())
                    })
                    .await
                })
            })
            .collect();
        for _ in 0..MAX_RUNNING {
            starts.recv().await.unwrap();
        }
        // Queued behind them, then given up by its caller.
        let ran = Arc::new(AtomicUsize::new(0));
        let abandoned = {
            let ran = Arc::clone(&ran);
            pool.read(move |_, _| {
                ran.fetch_add(1, Ordering::SeqCst);
                Ok(())
            })
        };
        assert!(abandoned.now_or_never().is_none(), "it had to wait");
        for _ in 0..MAX_RUNNING {
            go.send(()).unwrap();
        }
        for blocker in blockers {
            blocker.await.unwrap().unwrap();
        }
        // Once no reader thread is left running, every queued job was taken.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while pool.queue().running > 0 {
            assert!(
                std::time::Instant::now() < deadline,
                "the readers never stopped"
            );
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        assert_eq!(ran.load(Ordering::SeqCst), 0, "the abandoned query ran");
        // And the pool still answers.
        let one = pool.read(|conn, _| {
            let one: i64 = conn.query_row("SELECT 1", [], |row| row.get(0)).unwrap();
            Ok(one)
        });
        assert_eq!(one.await.unwrap(), 1);
    }

    /// However many queries come at once, at most MAX_RUNNING run (and hold
    /// a connection); the others wait and then run too.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn at_most_max_running_queries_hold_a_connection_at_once() {
        let dir = tempfile::tempdir().unwrap();
        drop(schema::open_writer(dir.path()).unwrap());
        let pool = ReaderPool::open(schema::database_path(dir.path())).unwrap();
        let now = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let queries: Vec<_> = (0..64)
            .map(|_| {
                let (pool, now, most) = (Arc::clone(&pool), Arc::clone(&now), Arc::clone(&most));
                tokio::spawn(async move {
                    pool.read(move |conn, _| {
                        let running = now.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(running, Ordering::SeqCst);
                        // Long enough that the queries overlap.
                        std::thread::sleep(std::time::Duration::from_millis(5));
                        let one: i64 = conn.query_row("SELECT 1", [], |row| row.get(0)).unwrap();
                        now.fetch_sub(1, Ordering::SeqCst);
                        Ok(one)
                    })
                    .await
                })
            })
            .collect();
        for query in queries {
            assert_eq!(query.await.unwrap().unwrap(), 1);
        }
        let most = most.load(Ordering::SeqCst);
        assert!(most <= MAX_RUNNING, "{most} queries ran at once");
        assert!(
            most > 1,
            "the queries never overlapped: the test proves nothing"
        );
    }
}
