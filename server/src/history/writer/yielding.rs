//! The writer steps aside while it works: every [`OPS_PER_YIELD`] SQLite
//! instructions it offers the CPU to any thread waiting for it.
//!
//! Why: a commit is a few milliseconds of CPU at once (about 4 ms for the
//! 3 000 messages a 200 ms batch holds at 14 700 messages/s), and Linux
//! takes a running thread off the CPU for a waiting one of equal priority
//! only at its next tick (every 4 ms at the usual HZ=250) unless the
//! waiting one wakes with a claim to it. On a shared core the runtime's
//! worker, woken by a burst of messages while the writer commits, waited
//! for the writer's whole slice: in a paced 100x10 fan-out that was one
//! 3.5-4.6 ms stall per commit, which is what history added to the p99.
//! A yield costs well under a microsecond when nothing waits; when
//! something does, the writer continues once it is done. It changes
//! nothing in what is written, or when the transaction commits beyond
//! that, and the writer's share of the CPU is still the scheduler's to
//! decide (fairness is kept by how long each thread ran, not by yields).
//!
//! The progress handler runs inside SQLite statements only: the Rust side
//! of a batch (binding rows) is cut into statements of at most 64 rows, and
//! writing the database at commit (the journal, the pages, their fsyncs;
//! in WAL mode the WAL and an automatic checkpoint) is one step.

use rusqlite::Connection;
use std::sync::atomic::{AtomicU64, Ordering};

/// SQLite virtual-machine instructions between two yields: about 100 rows
/// inserted with their index entries, roughly 0.1-0.2 ms of the writer's CPU.
const OPS_PER_YIELD: i32 = 2000;

/// Yields so far by every writer of this process (read by tests).
static YIELDS: AtomicU64 = AtomicU64::new(0);

/// Makes `conn` yield the CPU every [`OPS_PER_YIELD`] instructions.
pub(super) fn install(conn: &mut Connection) -> rusqlite::Result<()> {
    conn.progress_handler(
        OPS_PER_YIELD,
        Some(|| {
            YIELDS.fetch_add(1, Ordering::Relaxed);
            std::thread::yield_now();
            // `false`: go on with the statement.
            false
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{
        Conversation, History, HistoryConfig, HistoryQuery, MessageKind, Selection, StoredMessage,
    };

    #[tokio::test]
    async fn the_writer_yields_while_it_commits_a_batch_and_stores_all_of_it() {
        let dir = tempfile::tempdir().unwrap();
        let history = History::open(dir.path(), &HistoryConfig::default()).unwrap();
        // Other tests' writers only ever add to the count.
        let before = YIELDS.load(Ordering::Relaxed);
        for n in 0..1000 {
            history.record(StoredMessage {
                msgid: crate::history::new_msgid(),
                time: chrono::Utc::now(),
                conversation: Conversation::channel("#lobby"),
                kind: MessageKind::Privmsg,
                source: "alice!alice@127.0.0.1".into(),
                target: "#lobby".into(),
                text: format!("message {n}"),
            });
        }
        history.flush().await.unwrap();
        assert!(
            YIELDS.load(Ordering::Relaxed) > before,
            "no yield in 1000 inserts"
        );
        let latest = HistoryQuery {
            conversation: Conversation::channel("#lobby"),
            selection: Selection::Latest { since: None },
            limit: 2000,
        };
        assert_eq!(history.query(latest).await.unwrap().len(), 1000);
    }
}
