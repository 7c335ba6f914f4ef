//! Read-only connections for queries, used on tokio's blocking pool so that
//! neither the runtime nor the writer ever waits for a reader.

use super::error::HistoryError;
use super::query;
use super::targets::{self, TargetsQuery};
use super::{History, HistoryQuery, StoredMessage, schema};
use chrono::{DateTime, Utc};
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tokio::sync::Semaphore;

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

/// A small pool of read-only connections to one database.
pub(crate) struct ReaderPool {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    running: Arc<Semaphore>,
}

impl ReaderPool {
    /// A pool for `path`, checked by opening its first connection now.
    pub(crate) fn open(path: PathBuf) -> Result<Arc<ReaderPool>, HistoryError> {
        let first = schema::open_reader(&path)?;
        Ok(Arc::new(ReaderPool {
            path,
            idle: Mutex::new(vec![first]),
            running: Arc::new(Semaphore::new(MAX_RUNNING)),
        }))
    }

    /// Runs `read` with a connection on the blocking pool.
    pub(crate) async fn read<T, F>(self: &Arc<ReaderPool>, read: F) -> Result<T, HistoryError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection, &Path) -> Result<T, HistoryError> + Send + 'static,
    {
        let pool = Arc::clone(self);
        // Never closed, so acquiring fails only if that changes: say so.
        let permit = Arc::clone(&self.running)
            .acquire_owned()
            .await
            .map_err(|error| HistoryError::Read {
                path: self.path.clone(),
                reason: format!("the reader pool is closed: {error}"),
            })?;
        tokio::task::spawn_blocking(move || {
            let _running = permit;
            let conn = match pool.take() {
                Some(conn) => conn,
                None => schema::open_reader(&pool.path)?,
            };
            let result = read(&conn, &pool.path);
            pool.give_back(conn);
            result
        })
        .await
        .map_err(|error| HistoryError::Read {
            path: self.path.clone(),
            reason: format!("the query task failed: {error}"),
        })?
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
