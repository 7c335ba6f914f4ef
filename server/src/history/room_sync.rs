//! How far this node's history has caught up with the cluster's record.
//!
//! In a cluster the room stream is the record of every room's messages and
//! each node's SQLite store a cache of it (see `crate::cluster::catchup`).
//! `room_sync` keeps, per folded room name, the last stream sequence whose
//! messages are all committed here, so a node that comes back to a room
//! reads only what it missed. The position is only ever raised, and only
//! after the messages up to it are committed: a crash in between makes the
//! node read some messages again, which the writer stores once (it checks
//! replayed msgids, `super::batch`), never skip any. Deleting a channel's history resets its position
//! (`super::forget`).

use super::History;
use super::batch::Placed;
use super::error::HistoryError;
use rusqlite::{Connection, OptionalExtension};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The positions, written through a connection of their own (a few writes
/// per room a node starts or stops following, never on the message path).
#[derive(Debug)]
pub(crate) struct RoomSync {
    path: PathBuf,
    conn: Mutex<Option<Connection>>,
}

impl RoomSync {
    /// Positions in the (already migrated) database at `path`, opened on first use.
    pub(crate) fn new(path: &Path) -> Arc<RoomSync> {
        Arc::new(RoomSync {
            path: path.to_path_buf(),
            conn: Mutex::new(None),
        })
    }

    /// The last sequence applied for `room` (0: none).
    pub(crate) fn applied(&self, room: &str) -> Result<u64, HistoryError> {
        self.run(|conn| {
            conn.prepare_cached("SELECT applied FROM room_sync WHERE room = ?1")?
                .query_row([room], |row| row.get::<_, i64>(0))
                .optional()
        })
        .map(|found| {
            found
                .and_then(|sequence| u64::try_from(sequence).ok())
                .unwrap_or(0)
        })
        .map_err(|reason| HistoryError::Read {
            path: self.path.clone(),
            reason,
        })
    }

    /// Raises `room`'s position to `sequence` (never lowers it).
    pub(crate) fn raise(&self, room: &str, sequence: u64) -> Result<(), HistoryError> {
        let sequence = i64::try_from(sequence).unwrap_or(i64::MAX);
        self.run(|conn| {
            conn.prepare_cached(
                "INSERT INTO room_sync (room, applied) VALUES (?1, ?2)
                 ON CONFLICT (room) DO UPDATE SET applied = max(applied, excluded.applied)",
            )?
            .execute(rusqlite::params![room, sequence])
            .map(|_| ())
        })
        .map_err(|reason| HistoryError::Write {
            path: self.path.clone(),
            reason,
        })
    }

    fn run<T>(&self, work: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T, String> {
        let mut slot = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        if slot.is_none() {
            let conn = Connection::open(&self.path).map_err(|error| error.to_string())?;
            conn.busy_timeout(Duration::from_secs(5))
                .map_err(|error| error.to_string())?;
            *slot = Some(conn);
        }
        let Some(conn) = slot.as_ref() else {
            return Err("no connection".into());
        };
        let result = work(conn).map_err(|error| error.to_string());
        if result.is_err() {
            // A broken connection is not kept: the next call opens anew.
            *slot = None;
        }
        result
    }
}

/// The room stream's side of [`History`] (used by `crate::cluster::catchup`).
impl History {
    /// In a cluster: the channel message `msgid` of `folded` (case-folded)
    /// has the room stream sequence `sequence`, its place in the cluster's
    /// order; stored with the next batch, after the message itself if that
    /// is still queued. Messages of one millisecond list by it, so every
    /// node lists a room in the same order. Waits for room in the queue like
    /// a message. See `crate::cluster::catchup`.
    pub async fn record_place(&self, folded: &str, msgid: &str, sequence: u64) {
        let mut reservation = self.reserve().await;
        let reserved = std::mem::take(&mut reservation.reserved);
        drop(reservation);
        let placed = Placed::new(folded, msgid, sequence);
        // Refused once closed: nothing is stored any more.
        if let Ok(wake) = self.inner.handoff.place(reserved, placed) {
            self.wake_if(wake);
        }
    }

    /// In a cluster: the last room stream sequence of the channel `folded`
    /// whose messages are all committed here (0: none). See
    /// `crate::cluster::catchup`.
    pub async fn room_applied(&self, folded: &str) -> Result<u64, HistoryError> {
        let (sync, room) = (Arc::clone(&self.inner.room_sync), folded.to_owned());
        tokio::task::spawn_blocking(move || sync.applied(&room))
            .await
            .map_err(|_| HistoryError::Closed)?
    }

    /// Records that every message of the channel `folded` up to the room
    /// stream's `sequence` is committed here. Flushes first, so the position
    /// never runs ahead of what is on disk; never lowers it.
    pub async fn raise_room_applied(
        &self,
        folded: &str,
        sequence: u64,
    ) -> Result<(), HistoryError> {
        self.flush().await?;
        let (sync, room) = (Arc::clone(&self.inner.room_sync), folded.to_owned());
        tokio::task::spawn_blocking(move || sync.raise(&room, sequence))
            .await
            .map_err(|_| HistoryError::Closed)?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_start_at_zero_only_rise_and_are_per_room() {
        let dir = tempfile::tempdir().unwrap();
        let writer = super::super::schema::open_writer(dir.path()).unwrap();
        let sync = RoomSync::new(&super::super::schema::database_path(dir.path()));
        assert_eq!(sync.applied("#lobby").unwrap(), 0);
        sync.raise("#lobby", 7).unwrap();
        sync.raise("#lobby", 3).unwrap();
        sync.raise("#other", 2).unwrap();
        assert_eq!(sync.applied("#lobby").unwrap(), 7);
        assert_eq!(sync.applied("#other").unwrap(), 2);
        drop(writer);
    }
}
