//! Read-only connections for queries, used on tokio's blocking pool so that
//! neither the runtime nor the writer ever waits for a reader.

use super::error::HistoryError;
use super::schema;
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Idle connections kept for reuse; more are opened under load and closed after.
const MAX_IDLE: usize = 4;

/// A small pool of read-only connections to one database.
pub(crate) struct ReaderPool {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl ReaderPool {
    /// A pool for `path`, checked by opening its first connection now.
    pub(crate) fn open(path: PathBuf) -> Result<Arc<ReaderPool>, HistoryError> {
        let first = schema::open_reader(&path)?;
        Ok(Arc::new(ReaderPool {
            path,
            idle: Mutex::new(vec![first]),
        }))
    }

    /// Runs `read` with a connection on the blocking pool.
    pub(crate) async fn read<T, F>(self: &Arc<ReaderPool>, read: F) -> Result<T, HistoryError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection, &Path) -> Result<T, HistoryError> + Send + 'static,
    {
        let pool = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
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
