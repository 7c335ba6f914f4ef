//! Channel state kept with history: the protections (modes, key, limit, bans,
//! operators by account) and topic of each channel, stored in history.db
//! (schema migration 3), so that a registered channel that empties, or a
//! server that restarts, does not hand the channel and its history to the
//! next joiner.
//!
//! A channel is registered explicitly, as on ergo and Atheme: a logged-in
//! operator of it asks `ChanServ REGISTER` and becomes its founder (see
//! [`ChannelRecord::is_registered`]); an account founds at most
//! `[accounts] max_channels_per_account`. Only registered channels keep their
//! state once empty. An unregistered channel vanishes when it empties, as on
//! ergo, and if it kept anyone out (`+i +k +l +s`, bans) its stored history
//! goes with it; so nobody can lock a channel name by setting `+i` and
//! leaving, and nobody reads what its members kept out.
//!
//! The hub calls [`ChannelStates::put`] under its lock whenever a channel's
//! protections change and when it empties, and [`ChannelStates::get`] when a
//! channel is re-created. Both touch only memory: a writer thread stores the
//! changed channels in the background. Its queue is the set of changed
//! channel names (the latest record of each is written), so it is bounded by
//! the number of channels, however often they change. Live unregistered
//! channels are stored too: if natterd stops or crashes while they have
//! members, [`ChannelStates::take_unregistered`] finds them at the next start.

mod record;
mod store;

pub use record::{ChannelRecord, Founder, NEW_CHANNEL_FLAGS, RecordedBan, RecordedTopic};

use rusqlite::Connection;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The first wait after a failed write; it doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
/// The longest wait between retries of a failing write.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

#[derive(Debug, Default)]
struct Shared {
    /// The current record of every remembered channel, by folded name.
    records: HashMap<String, ChannelRecord>,
    /// Channels changed since the writer last stored them.
    dirty: BTreeSet<String>,
    /// The writer is storing a batch taken from `dirty`.
    writing: bool,
    /// Stop once everything is stored.
    stopping: bool,
}

/// Told of every change that involves a registered channel: its folded
/// name, the record before and after (see [`ChannelStates::observe`]).
pub type Observer = Box<dyn Fn(&str, Option<&ChannelRecord>, Option<&ChannelRecord>) + Send + Sync>;

struct Inner {
    path: PathBuf,
    shared: Mutex<Shared>,
    /// In a cluster: shares registrations with the other nodes.
    observer: std::sync::OnceLock<Observer>,
    /// Signalled when `dirty` grows, a batch is stored, or on stop.
    changed: Condvar,
    writer: Mutex<Option<JoinHandle<()>>>,
}

/// The stored channel states; clones share them.
#[derive(Clone)]
pub struct ChannelStates {
    inner: Arc<Inner>,
    /// Dropped with the last clone: lets the writer finish and exit.
    _stop: Arc<StopOnDrop>,
}

/// Tells the writer to store what is pending and exit once no handle is left.
struct StopOnDrop(Arc<Inner>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        lock(&self.0.shared).stopping = true;
        self.0.changed.notify_all();
    }
}

impl std::fmt::Debug for ChannelStates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChannelStates")
            .field("path", &self.inner.path)
            .finish_non_exhaustive()
    }
}

impl ChannelStates {
    /// Loads the states of the (already migrated) database at `path` and
    /// starts their writer thread.
    pub fn open(path: &Path) -> Result<ChannelStates, String> {
        let conn = Connection::open(path).map_err(|error| error.to_string())?;
        conn.busy_timeout(Duration::from_secs(5))
            .map_err(|error| error.to_string())?;
        let mut upgraded = BTreeSet::new();
        let records: HashMap<String, ChannelRecord> =
            store::load_all(&conn, &mut upgraded)?.into_iter().collect();
        tracing::info!(channels = records.len(), "channel states loaded");
        if !upgraded.is_empty() {
            tracing::info!(
                channels = upgraded.len(),
                "channels registered by their operators before ChanServ stay registered to their first operator account"
            );
        }
        let inner = Arc::new(Inner {
            path: path.to_path_buf(),
            shared: Mutex::new(Shared {
                records,
                dirty: upgraded,
                ..Shared::default()
            }),
            changed: Condvar::new(),
            writer: Mutex::new(None),
            observer: std::sync::OnceLock::new(),
        });
        let for_writer = Arc::clone(&inner);
        let handle = std::thread::Builder::new()
            .name("channel-states".into())
            .spawn(move || run_writer(&for_writer, conn))
            .map_err(|error| format!("cannot start the channel state writer: {error}"))?;
        *lock(&inner.writer) = Some(handle);
        Ok(ChannelStates {
            _stop: Arc::new(StopOnDrop(Arc::clone(&inner))),
            inner,
        })
    }

    /// The stored record of the channel `folded`, if it has one.
    pub fn get(&self, folded: &str) -> Option<ChannelRecord> {
        self.shared().records.get(folded).cloned()
    }

    /// Remembers `record` for the channel `folded` (`None` or a plain record:
    /// forget it). Never blocks on the disk; unchanged records are not rewritten.
    pub fn put(&self, folded: &str, record: Option<ChannelRecord>) {
        self.store(folded, record, true);
    }

    /// Like [`ChannelStates::put`], for a record that comes from the
    /// cluster: the observer is not told (it would only send it back).
    pub fn adopt(&self, folded: &str, record: Option<ChannelRecord>) {
        self.store(folded, record, false);
    }

    /// Tells `observer` of every later change involving a registered
    /// channel (in a cluster: to share registrations). Set once.
    pub fn observe(&self, observer: Observer) {
        let _ = self.inner.observer.set(observer);
    }

    fn store(&self, folded: &str, record: Option<ChannelRecord>, tell: bool) {
        let record = record.filter(|record| !record.is_plain());
        let mut shared = self.shared();
        if shared.records.get(folded) == record.as_ref() {
            return;
        }
        let old = match record.clone() {
            Some(record) => shared.records.insert(folded.to_owned(), record),
            None => shared.records.remove(folded),
        };
        shared.dirty.insert(folded.to_owned());
        drop(shared);
        self.inner.changed.notify_all();
        if tell {
            self.tell(folded, old.as_ref(), record.as_ref());
        }
    }

    /// Tells the observer, if any, of a change that involves a registration.
    fn tell(&self, folded: &str, old: Option<&ChannelRecord>, new: Option<&ChannelRecord>) {
        let involved = |record: Option<&ChannelRecord>| record.is_some_and(|r| r.is_registered());
        if let Some(observer) = self.inner.observer.get()
            && (involved(old) || involved(new))
        {
            observer(folded, old, new);
        }
    }

    /// How many channels the account `folded_account` founded.
    pub fn founded_by(&self, folded_account: &str) -> usize {
        self.shared()
            .records
            .values()
            .filter(|record| record.is_founder(folded_account))
            .count()
    }

    /// Removes the account `folded_account` (dropped) from every stored
    /// channel's operators, and unregisters the channels it founded, so that
    /// whoever registers the name later does not inherit them. A channel
    /// that is not `live` and is left unregistered vanishes: it is forgotten
    /// and returned (the caller deletes the history of those that
    /// [guarded it](ChannelRecord::guards_history)).
    pub fn forget_operator(
        &self,
        folded_account: &str,
        live: impl Fn(&str) -> bool,
    ) -> Vec<(String, ChannelRecord)> {
        let mut shared = self.shared();
        let Shared { records, dirty, .. } = &mut *shared;
        let mut vanished = Vec::new();
        let mut told = Vec::new();
        for (folded, record) in records.iter_mut() {
            let old = record.clone();
            let founded = record.is_founder(folded_account);
            if founded {
                record.founder = None;
                record.operators.clear();
            }
            if record.operators.remove(folded_account) || founded {
                dirty.insert(folded.clone());
                let gone = record.is_plain() || (!record.is_registered() && !live(folded));
                if gone {
                    vanished.push(folded.clone());
                }
                told.push((folded.clone(), old, (!gone).then(|| record.clone())));
            }
        }
        let vanished = vanished
            .into_iter()
            .filter_map(|folded| records.remove_entry(&folded))
            .collect();
        drop(shared);
        self.inner.changed.notify_all();
        for (folded, old, new) in told {
            self.tell(&folded, Some(&old), new.as_ref());
        }
        vanished
    }

    /// Forgets every unregistered channel and returns them. Called at start,
    /// when no channel is live: these were live when natterd last stopped (or
    /// crashed), and vanish now as they would have when emptied.
    pub fn take_unregistered(&self) -> Vec<(String, ChannelRecord)> {
        let mut shared = self.shared();
        let Shared { records, dirty, .. } = &mut *shared;
        let names: Vec<String> = records
            .iter()
            .filter(|(_, record)| !record.is_registered())
            .map(|(folded, _)| folded.clone())
            .collect();
        let taken: Vec<(String, ChannelRecord)> = names
            .into_iter()
            .filter_map(|folded| records.remove_entry(&folded))
            .collect();
        dirty.extend(taken.iter().map(|(folded, _)| folded.clone()));
        drop(shared);
        self.inner.changed.notify_all();
        taken
    }

    /// Every stored channel, sorted by folded name.
    pub fn all(&self) -> Vec<(String, ChannelRecord)> {
        let mut all: Vec<(String, ChannelRecord)> = self
            .shared()
            .records
            .iter()
            .map(|(folded, record)| (folded.clone(), record.clone()))
            .collect();
        all.sort_by(|a, b| a.0.cmp(&b.0));
        all
    }

    /// Waits (at most `timeout`) until every change made before the call is
    /// on disk; `false` if it was not (a failing disk).
    pub fn flush(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut shared = self.shared();
        while !shared.dirty.is_empty() || shared.writing {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            shared = self
                .inner
                .changed
                .wait_timeout(shared, left)
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .0;
        }
        true
    }

    /// Stores what is pending (waiting at most `timeout`) and stops the
    /// writer thread. Returns the number of channels whose latest state could
    /// not be stored.
    pub fn shutdown(&self, timeout: Duration) -> usize {
        let flushed = self.flush(timeout);
        let unsaved = {
            let mut shared = self.shared();
            shared.stopping = true;
            shared.dirty.len()
        };
        self.inner.changed.notify_all();
        if flushed && let Some(handle) = lock(&self.inner.writer).take() {
            let _ = handle.join();
        }
        if unsaved > 0 {
            tracing::error!(path = %self.inner.path.display(), channels = unsaved, "channel states could not be saved");
        }
        unsaved
    }

    fn shared(&self) -> MutexGuard<'_, Shared> {
        lock(&self.inner.shared)
    }
}

/// Every record stored in the (already migrated) database `conn`, sorted by
/// folded name: for tools that read beside a running server.
pub fn read_all(conn: &Connection) -> Result<Vec<(String, ChannelRecord)>, String> {
    let mut all = store::load_all(conn, &mut BTreeSet::new())?;
    all.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(all)
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The writer thread: stores the latest record of every changed channel,
/// retrying a failing disk with backoff, until stopped with nothing pending.
fn run_writer(inner: &Inner, mut conn: Connection) {
    let mut backoff = FIRST_BACKOFF;
    loop {
        let batch: Vec<(String, Option<ChannelRecord>)> = {
            let mut shared = lock(&inner.shared);
            while shared.dirty.is_empty() && !shared.stopping {
                shared = inner
                    .changed
                    .wait(shared)
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
            }
            if shared.dirty.is_empty() {
                return;
            }
            let names = std::mem::take(&mut shared.dirty);
            shared.writing = true;
            names
                .into_iter()
                .map(|folded| {
                    let record = shared.records.get(&folded).cloned();
                    (folded, record)
                })
                .collect()
        };
        let result = store::write(&mut conn, &batch, chrono::Utc::now().timestamp_millis());
        let mut shared = lock(&inner.shared);
        shared.writing = false;
        match result {
            Ok(()) => backoff = FIRST_BACKOFF,
            Err(error) => {
                crate::warn_throttled!(path = %inner.path.display(), %error, "channel states could not be stored; retrying");
                // Written again with whatever they hold by then.
                shared
                    .dirty
                    .extend(batch.into_iter().map(|(folded, _)| folded));
                let stopping = shared.stopping;
                drop(shared);
                inner.changed.notify_all();
                if stopping {
                    return;
                }
                std::thread::sleep(backoff);
                backoff = (backoff * 2).min(MAX_BACKOFF);
                continue;
            }
        }
        drop(shared);
        inner.changed.notify_all();
    }
}

#[cfg(test)]
mod tests;
