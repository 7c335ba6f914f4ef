//! The hub's hand-off of a message to the writer: room in the queue reserved
//! before the hub lock ([`Reservation`]), filled under it without waiting, and
//! for `sync = "full"` the commit to await before delivery ([`DurableCommit`]).

use super::writer::Command;
use super::{History, HistoryError, QueuedMessage};
use tokio::sync::{OwnedSemaphorePermit, oneshot};

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
#[derive(Debug)]
#[must_use = "record into the reservation, or drop it to give the room back"]
pub struct Reservation {
    pub(super) history: History,
    /// `None` only if the semaphore were closed, which it never is.
    pub(super) permit: Option<OwnedSemaphorePermit>,
}

impl Reservation {
    /// Queues `message` for the next batch (`sync = "batched"`).
    pub fn record(self, message: impl Into<QueuedMessage>) {
        if let Some(permit) = self.permit {
            permit.forget();
        }
        self.history.push_record(Command::Record(message.into()));
    }

    /// Queues `message` for a commit before delivery (`sync = "full"`); await
    /// [`DurableCommit::committed`] with the hub lock released.
    pub fn record_durable(self, message: impl Into<QueuedMessage>) -> DurableCommit {
        let (reply, answer) = oneshot::channel();
        if let Some(permit) = self.permit {
            permit.forget();
        }
        self.history
            .push_record(Command::RecordDurable(message.into(), reply));
        self.history.wake_writer();
        DurableCommit {
            answer: Some(answer),
        }
    }
}
