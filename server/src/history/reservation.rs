//! The hub's hand-off of a message to the writer: room in the queue reserved
//! before the hub lock ([`Reservation`]), filled under it without waiting, and
//! for `sync = "full"` the commit to await before delivery ([`DurableCommit`]).

use super::records::ToRecord;
use super::{History, HistoryError};
use tokio::sync::oneshot;

/// A durable commit queued by [`Reservation::record_durable`].
#[must_use = "await `committed` before delivering the message"]
#[derive(Debug)]
pub struct DurableCommit {
    answer: Option<oneshot::Receiver<Result<(), HistoryError>>>,
}

impl DurableCommit {
    /// Resolves once the message is committed to disk; an error means it was not
    /// (failing disk: it stays queued and is retried; or the store is closed).
    pub async fn committed(self) -> Result<(), HistoryError> {
        match self.answer {
            Some(answer) => answer.await.map_err(|_| HistoryError::Closed)?,
            None => Err(HistoryError::Closed),
        }
    }
}

/// Room for one message in the writer's queue, taken with
/// [`History::reserve`] before the hub lock so that recording under the lock
/// never waits and never drops. Dropped unused, the room is given back.
///
/// It borrows the store rather than holding a handle of its own: one is
/// taken per message, and a handle's clone and drop were an atomic
/// increment and decrement each on the sender's thread.
#[derive(Debug)]
#[must_use = "record into the reservation, or drop it to give the room back"]
pub struct Reservation<'h> {
    pub(super) history: &'h History,
    /// Whether room was counted for it: false for room only seen free
    /// ([`History::try_room`]), and once the store has closed (the record is
    /// then refused and counted as dropped).
    pub(super) reserved: bool,
}

impl Reservation<'_> {
    /// Queues `message` for the next batch (`sync = "batched"`).
    pub fn record<'a>(mut self, message: impl Into<ToRecord<'a>>) {
        let reserved = std::mem::take(&mut self.reserved);
        self.history.push_record(reserved, &message.into(), None);
    }

    /// Queues `message` for a commit before delivery (`sync = "full"`); await
    /// [`DurableCommit::committed`] with the hub lock released.
    pub fn record_durable<'a>(mut self, message: impl Into<ToRecord<'a>>) -> DurableCommit {
        let (reply, answer) = oneshot::channel();
        let reserved = std::mem::take(&mut self.reserved);
        self.history
            .push_record(reserved, &message.into(), Some(reply));
        DurableCommit {
            answer: Some(answer),
        }
    }
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        if self.reserved {
            self.history.inner.handoff.release();
        }
    }
}
