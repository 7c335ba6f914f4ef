//! The writer's messages waiting for their commit: the buffers it took
//! from the hand-off ([`Records`]), kept whole and in order (nothing
//! copied), and a few emptied ones kept for the next takes.

use super::queued::QueuedMessage;
use super::records::Records;

/// Spare buffers the writer keeps for the next takes: one per take
/// between two commits (a few), so that a take hands the hub a buffer whose
/// blocks are there already (a new block is fresh pages, faulted in by the
/// hub's thread).
const SPARES: usize = 4;
/// What a spare keeps of what a burst grew (while the disk was behind),
/// so memory goes back after the burst.
const SPARE_MAX_BYTES: usize = 8 << 20;

/// The writer's messages waiting for their commit: the buffers it took
/// from the hand-off, in order, each kept whole (nothing copied).
#[derive(Debug, Default)]
pub struct Backlog {
    chunks: Vec<Records>,
    len: usize,
    spare: Vec<Records>,
}

impl Backlog {
    /// How many messages wait.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether none waits.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Moves the first `room` messages of `records` to the end (leaving
    /// `records` an empty buffer to fill again) and returns how many did
    /// not fit.
    pub fn append(&mut self, records: &mut Records, room: usize) -> usize {
        let over = records.len().saturating_sub(room);
        records.truncate(room);
        if records.is_empty() {
            records.clear(SPARE_MAX_BYTES);
        } else {
            let spare = self.spare.pop().unwrap_or_default();
            let chunk = std::mem::replace(records, spare);
            self.len += chunk.len();
            self.chunks.push(chunk);
        }
        over
    }

    /// Every waiting message, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = QueuedMessage<'_>> + '_ {
        self.chunks.iter().flat_map(Records::iter)
    }

    /// Whether any waiting message is [`QueuedMessage::replayed`].
    pub fn any_replayed(&self) -> bool {
        self.chunks.iter().any(Records::any_replayed)
    }

    /// Keeps only the messages `keep` says so of.
    pub fn retain(&mut self, mut keep: impl FnMut(QueuedMessage<'_>) -> bool) {
        for chunk in &mut self.chunks {
            chunk.retain(|_, message| keep(message));
        }
        self.len = self.chunks.iter().map(Records::len).sum();
    }

    /// Empties it; its buffers are kept (up to a few) for the next takes.
    pub fn clear(&mut self) {
        for mut chunk in self.chunks.drain(..) {
            if self.spare.len() < SPARES {
                chunk.clear(SPARE_MAX_BYTES);
                self.spare.push(chunk);
            }
        }
        self.len = 0;
    }
}
