//! Errors of the history store. Each names the database file and says what to do.

use std::path::PathBuf;

/// Why the history store could not open, read or write.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum HistoryError {
    /// The data directory could not be created or is not a directory.
    #[error(
        "cannot use {path} as the history directory: {reason}; check its permissions or pass another --data-dir"
    )]
    DataDir {
        /// The data directory.
        path: PathBuf,
        /// What the operating system said.
        reason: String,
    },
    /// The file exists but is not an SQLite database.
    #[error(
        "{path} is not a natter history database ({reason}); move it away (an empty history is then created) or pass another --data-dir"
    )]
    NotADatabase {
        /// The database file.
        path: PathBuf,
        /// What SQLite said.
        reason: String,
    },
    /// The database file is damaged.
    #[error(
        "{path} is corrupt ({reason}); restore it from a backup, or move it away to start with an empty history"
    )]
    Corrupt {
        /// The database file.
        path: PathBuf,
        /// What SQLite said.
        reason: String,
    },
    /// Another natterd (or another program) holds the database.
    #[error(
        "{path} is locked by another natterd or another program ({reason}); stop that process or pass another --data-dir"
    )]
    Locked {
        /// The database file.
        path: PathBuf,
        /// What SQLite said.
        reason: String,
    },
    /// The file or its directory cannot be read or written.
    #[error(
        "cannot open {path}: {reason}; check that this user can read and write the file and its directory"
    )]
    Unreadable {
        /// The database file.
        path: PathBuf,
        /// What SQLite or the operating system said.
        reason: String,
    },
    /// The database was written by a newer natterd with a schema this build does not know.
    #[error(
        "{path} has history schema version {found}, but this natterd knows only up to version {known}; run a newer natterd or pass another --data-dir"
    )]
    TooNew {
        /// The database file.
        path: PathBuf,
        /// The version found in the file.
        found: i64,
        /// The newest version this build knows.
        known: i64,
    },
    /// Writing failed (for example a full disk); the writer keeps the messages and retries.
    #[error("cannot write history to {path}: {reason} (the messages are kept and retried)")]
    Write {
        /// The database file.
        path: PathBuf,
        /// What SQLite said.
        reason: String,
    },
    /// Reading failed.
    #[error("cannot read history from {path}: {reason}")]
    Read {
        /// The database file.
        path: PathBuf,
        /// What SQLite said.
        reason: String,
    },
    /// At shutdown the disk kept failing until the shutdown timeout.
    #[error(
        "{count} messages could not be saved to {path} before exit: {reason} (gave up after {waited_secs} s; is the disk full?)"
    )]
    Unsaved {
        /// The database file.
        path: PathBuf,
        /// How many messages were lost.
        count: usize,
        /// What SQLite said last.
        reason: String,
        /// How long it kept trying, in seconds.
        waited_secs: u64,
    },
    /// At shutdown the writer did not even answer within the timeout (a hung disk).
    #[error(
        "history writer did not finish within {waited_secs} s (is the disk hung?); unsaved messages are lost"
    )]
    StopTimedOut {
        /// How long it waited, in seconds.
        waited_secs: u64,
    },
    /// The history writer has stopped (the server is shutting down).
    #[error("the history store is closed")]
    Closed,
}
