//! [`History`]'s side of the writer's queue: room reserved (waiting while
//! the queue is full), or glanced at for the path that must not wait, and
//! messages recorded into it (see the module docs of `super` for the
//! guarantees, `super::handoff` for the queue).

use super::records::ToRecord;
use super::reservation::{DurableCommit, Reservation};
use super::{History, HistoryError, handoff, writer};

impl History {
    /// Waits for room in the writer's queue (backpressure when the disk is
    /// behind), to be filled under the hub lock with [`Reservation::record`]
    /// or [`Reservation::record_durable`].
    pub async fn reserve(&self) -> Reservation<'_> {
        let reserved = self.inner.handoff.reserve().await;
        Reservation {
            history: self,
            reserved,
        }
    }

    /// Room in the writer's queue if there is some right now: `None` when
    /// [`History::reserve`] would wait. For senders with a path that must
    /// not wait (they fall back to `reserve` when this says no).
    pub fn try_reserve(&self) -> Option<Reservation<'_>> {
        let reserved = self.inner.handoff.try_reserve()?;
        Some(Reservation {
            history: self,
            reserved,
        })
    }

    /// Like [`try_reserve`](Self::try_reserve) for the hub's path that must
    /// not wait, without its lock round trip: `None` when the queue was full
    /// at a glance. Nothing is counted: the record goes in whatever the
    /// queue holds by then, so the bounds may be passed by the messages
    /// between such a glance and their record under the hub lock, at most
    /// one per worker thread (nothing awaits in between), as the byte bound
    /// is by reservations.
    pub fn try_room(&self) -> Option<Reservation<'_>> {
        self.inner
            .handoff
            .seems_to_have_room()
            .then_some(Reservation {
                history: self,
                reserved: false,
            })
    }

    /// Queues a message for the next batch without waiting. Never blocks: if
    /// the queue is full (or the store is closed) the message is left out of
    /// history only, counted and warned about. Senders should prefer
    /// [`History::reserve`], which waits for room instead.
    pub fn record<'a>(&self, message: impl Into<ToRecord<'a>>) {
        match self.try_reserve() {
            Some(room) => room.record(message),
            None => self
                .inner
                .drops
                .dropped(&self.inner.path, "the history queue is full"),
        }
    }

    /// Like [`Reservation::record_durable`] without a reservation: `None` (the
    /// message counted as left out of history) when the queue is full.
    pub fn try_record_durable<'a>(
        &self,
        message: impl Into<ToRecord<'a>>,
    ) -> Option<DurableCommit> {
        match self.try_reserve() {
            Some(room) => Some(room.record_durable(message)),
            None => {
                self.inner
                    .drops
                    .dropped(&self.inner.path, "the history queue is full");
                None
            }
        }
    }

    /// Stores a message and resolves once it is committed to disk (for
    /// `sync = "full"`). If the disk is failing this resolves at once with
    /// [`HistoryError::Write`]: the message stays queued and is retried, and the
    /// caller should deliver it anyway.
    pub async fn record_durable<'a>(
        &self,
        message: impl Into<ToRecord<'a>>,
    ) -> Result<(), HistoryError> {
        self.reserve()
            .await
            .record_durable(message)
            .committed()
            .await
    }

    /// Queues a record into room reserved for it (`reserved`: false once
    /// the store has closed); wakes the writer when it should not wait for
    /// its commit interval.
    pub(super) fn push_record(
        &self,
        reserved: bool,
        message: &ToRecord<'_>,
        durable: Option<writer::Reply>,
    ) {
        match self.inner.handoff.record(reserved, message, durable) {
            Ok(wake) => self.wake_if(wake),
            Err(handoff::Refused::Closed) => self
                .inner
                .drops
                .dropped(&self.inner.path, "the history store is closed"),
        }
    }
}
