//! Committing the pending batch, and what the writer does when a commit
//! fails: keep the batch, retry with backoff, say so at most every
//! [`LOG_EVERY`], and give up only at shutdown, counting what was not saved.

use super::{FIRST_BACKOFF, LOG_EVERY, MAX_BACKOFF, Writer};
use crate::history::HistoryError;
use crate::history::batch;
use crate::history::queued::QueuedMessage;
use crate::history::schema::held_by_another;
use rusqlite::ErrorCode;
use std::time::{Duration, Instant};

/// A commit that failed and will be retried.
pub(super) struct Failure {
    pub(super) reason: String,
    pub(super) retry_at: Instant,
    backoff: Duration,
    last_logged: Instant,
}

impl Writer {
    /// Deletes the history of the channels in `purges`, before anything
    /// pending (which belongs to their next lives) is inserted.
    fn purge(&mut self) -> Result<(), HistoryError> {
        if self.purges.is_empty() {
            return Ok(());
        }
        let names = self.purges.iter().map(|(folded, _)| folded.as_str());
        match crate::history::forget::delete_channels(&mut self.conn, names) {
            Ok(deleted) => {
                tracing::info!(channels = ?self.purges, deleted, "history of vanished channels deleted");
                for (folded, cutoff) in self.purges.drain(..) {
                    self.purging.done(&folded, cutoff);
                }
                Ok(())
            }
            Err(error) => Err(self.failed(&error, |writer, reason| {
                tracing::error!(
                    path = %writer.path.display(),
                    %reason,
                    channels = ?writer.purges,
                    "the history of vanished channels could not be deleted; it stays hidden until natterd stops: delete it with `natterd channel forget`"
                );
                writer.purges.clear();
            })),
        }
    }

    /// Commits the pending batch; on failure keeps it and schedules a retry.
    pub(super) fn commit(&mut self) -> Result<(), HistoryError> {
        self.purge()?;
        if self.pending.is_empty() && self.places.is_empty() {
            if let Some(failure) = self.failure.take() {
                tracing::info!(path = %self.path.display(), after = %failure.reason, "history writes recovered");
            }
            return Ok(());
        }
        let started = std::time::Instant::now();
        let inserted = if self.pending.any_replayed() {
            // Repeats to drop: the batch is listed and grouped first.
            let mut messages = recycle(std::mem::take(&mut self.batch));
            messages.extend(self.pending.iter());
            let inserted = batch::insert_batch(
                &mut self.conn,
                &mut self.conversations,
                &messages,
                &self.places,
            );
            self.batch = recycle(messages);
            inserted
        } else {
            batch::insert_live(
                &mut self.conn,
                &mut self.conversations,
                self.pending.iter(),
                &self.places,
            )
        };
        match inserted {
            Ok(()) => {
                crate::metrics::history_committed(self.pending.len(), started);
                if let Some(failure) = self.failure.take() {
                    tracing::info!(
                        path = %self.path.display(),
                        committed = self.pending.len(),
                        after = %failure.reason,
                        "history writes recovered"
                    );
                }
                self.pending.clear();
                self.places.clear();
                self.oldest_pending = None;
                Ok(())
            }
            Err(error) => {
                // The rolled-back transaction may have created conversation rows the cache now names.
                self.conversations.clear();
                Err(self.failed(&error, |writer, reason| {
                    tracing::error!(
                        path = %writer.path.display(),
                        %reason,
                        lost = writer.pending.len(),
                        "history batch rejected by the database; these messages are left out of history"
                    );
                    for _ in 0..writer.pending.len() {
                        writer.drops.dropped(&writer.path, "history batch rejected");
                    }
                    writer.pending.clear();
                    writer.places.clear();
                    writer.oldest_pending = None;
                }))
            }
        }
    }

    /// What a failed write becomes: a transient failure (the disk, not the
    /// data) is kept and retried with backoff; any other is given up by
    /// `give_up`, which says so and discards what cannot be written. Either
    /// way the caller gets the error to report.
    fn failed(
        &mut self,
        error: &rusqlite::Error,
        give_up: impl FnOnce(&mut Self, &str),
    ) -> HistoryError {
        let reason = error.to_string();
        if is_transient(error) {
            self.schedule_retry(&reason, Stall::of(error));
        } else {
            give_up(self, &reason);
        }
        self.write_error(reason)
    }

    fn schedule_retry(&mut self, reason: &str, stall: Stall) {
        let now = Instant::now();
        let failure = self.failure.get_or_insert_with(|| Failure {
            reason: reason.to_owned(),
            retry_at: now,
            backoff: FIRST_BACKOFF / 2,
            last_logged: now - LOG_EVERY,
        });
        failure.reason = reason.to_owned();
        failure.backoff = (failure.backoff * 2).min(MAX_BACKOFF);
        failure.retry_at = now + failure.backoff;
        if now.duration_since(failure.last_logged) >= LOG_EVERY {
            failure.last_logged = now;
            let (path, waiting) = (self.path.display(), self.pending.len());
            let retry_in_ms = failure.backoff.as_millis() as u64;
            match stall {
                Stall::Disk => tracing::error!(
                    path = %path, %reason, waiting, retry_in_ms,
                    "cannot write history (is the disk full or failing?); chat goes on, messages are kept and retried"
                ),
                Stall::Reader => tracing::warn!(
                    path = %path, %reason, waiting, retry_in_ms,
                    "history commit waits: another program (a `natterd backup` or `export`?) is reading the history file; chat goes on, messages are kept and retried"
                ),
            }
        }
    }

    /// Commits what is pending, retrying a failing disk until the shutdown
    /// timeout; then gives up and says how many messages were not saved.
    pub(super) fn commit_before_exit(&mut self) -> Result<(), HistoryError> {
        let started = Instant::now();
        let deadline = started + self.shutdown_timeout;
        let mut result = self.commit();
        while let Some(failure) = &self.failure {
            let now = Instant::now();
            if now >= deadline || !self.has_work() {
                break;
            }
            std::thread::sleep(
                failure
                    .retry_at
                    .min(deadline)
                    .saturating_duration_since(now),
            );
            result = self.commit();
        }
        if let Err(error) = &result {
            let reason = match error {
                HistoryError::Write { reason, .. } => reason.clone(),
                other => other.to_string(),
            };
            result = Err(HistoryError::Unsaved {
                path: self.path.clone(),
                count: self.pending.len(),
                reason,
                waited_secs: started.elapsed().as_secs(),
            });
        }
        for waiter in self.waiters.drain(..) {
            let _ = waiter.send(result.clone());
        }
        result
    }

    pub(super) fn write_error(&self, reason: String) -> HistoryError {
        HistoryError::Write {
            path: self.path.clone(),
            reason,
        }
    }
}

/// `list` emptied, its allocation kept for views of another batch. A batch
/// of 40 000 messages is a ~2.5 MB list: allocated afresh per commit it was
/// fresh pages to fault in, then given back to the OS (`madvise`), ~4% of
/// the writer's CPU. (The standard library collects a `Vec`'s `into_iter`
/// into the same allocation when the item layouts match, as they do here.)
fn recycle<'to>(mut list: Vec<QueuedMessage<'_>>) -> Vec<QueuedMessage<'to>> {
    list.clear();
    list.into_iter()
        .map(|_| unreachable!("the list was cleared"))
        .collect()
}

/// Errors worth retrying: the disk or the file, not the data.
/// Why a transient write failed, for the log line an operator reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stall {
    /// The disk: full, failing, read-only, out of memory.
    Disk,
    /// Another connection holds the file: with the rollback journal a
    /// commit waits for every reader, and a backup or export of a running
    /// store reads it for as long as the copy takes.
    Reader,
}

impl Stall {
    fn of(error: &rusqlite::Error) -> Stall {
        if held_by_another(error) {
            Stall::Reader
        } else {
            Stall::Disk
        }
    }
}

fn is_transient(error: &rusqlite::Error) -> bool {
    matches!(
        error.sqlite_error_code(),
        Some(
            ErrorCode::DiskFull
                | ErrorCode::SystemIoFailure
                | ErrorCode::DatabaseBusy
                | ErrorCode::DatabaseLocked
                | ErrorCode::CannotOpen
                | ErrorCode::ReadOnly
                | ErrorCode::OutOfMemory
                | ErrorCode::PermissionDenied
        )
    )
}

#[cfg(test)]
mod tests {
    use super::recycle;
    use crate::history::queued::QueuedMessage;
    use crate::history::records::Records;
    use crate::history::{Conversation, MessageKind, StoredMessage};

    #[test]
    fn a_recycled_list_is_empty_and_keeps_its_allocation() {
        let mut records = Records::default();
        for n in 0..1000 {
            records.push(
                &StoredMessage {
                    msgid: crate::history::new_msgid(),
                    time: chrono::Utc::now(),
                    conversation: Conversation::channel("#lobby"),
                    kind: MessageKind::Privmsg,
                    source: "alice!a@h".into(),
                    target: "#lobby".into(),
                    text: n.to_string(),
                }
                .into(),
            );
        }
        let mut list: Vec<QueuedMessage<'_>> = recycle(Vec::new());
        list.extend(records.iter());
        let (capacity, at) = (list.capacity(), list.as_ptr());
        let kept: Vec<QueuedMessage<'static>> = recycle(list);
        assert!(kept.is_empty());
        assert_eq!((kept.capacity(), kept.as_ptr()), (capacity, at));
    }
}
