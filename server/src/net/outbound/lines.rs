//! The lines waiting in one client's outbound queue, in order: copied into
//! the queue's own buffer while the client keeps up, referenced once it
//! falls behind (see [`Lines`]), and taken out a batch at a time for its
//! writer. The queue ([`super::Outbound`]) holds them under its lock and
//! keeps the byte count, the bound and the flags.

use bytes::Bytes;
use std::collections::VecDeque;

/// The most a writer takes at once (unless one line is longer). A client
/// that fell behind in a flooded channel has megabytes queued: copying all
/// of it into one buffer before writing missed the caches and, past 512 KiB,
/// had the allocator map fresh pages for every batch (page faults were ~10%
/// of natterd's CPU in a 100x10 fan-out). The socket takes far less than
/// that per write anyway.
pub(super) const BATCH_BYTES: usize = 64 * 1024;

/// How many bytes a queue copies before it queues references instead. A
/// client that keeps up has a few lines queued when its writer runs (a
/// paced 100x10 fan-out: ~20 lines, 2 KiB); one with 8 KiB waiting is
/// behind, and copying every line of its backlog would multiply the
/// server's memory by the number of such clients (and the kernel's page
/// faults with it: system time +70% in an unlimited 100x10 fan-out).
pub(super) const COPY_BYTES: usize = 8 * 1024;

/// What the copied buffer starts with: room for a few channel lines.
const COPY_START: usize = 2 * 1024;

/// The queued lines, in order: the `copied` bytes, then the `shared` lines.
///
/// Lines are copied while `shared` is empty and `copied` is under
/// [`COPY_BYTES`]; once a line goes to `shared`, every later one does too
/// until the writer has taken them all, which keeps the order.
#[derive(Debug, Default)]
pub(super) struct Lines {
    /// Lines copied, for the writer to take whole.
    copied: Vec<u8>,
    /// References to the lines of a client that is behind; boxed (`None`
    /// until it first falls behind) so that every connection's queue stays
    /// as small as one `VecDeque`.
    #[allow(clippy::box_collection)] // a thin pointer on purpose (see above)
    shared: Option<Box<VecDeque<Bytes>>>,
}

impl Lines {
    /// Appends `line`, copied or shared (see [`Lines`]).
    pub(super) fn append(&mut self, line: &Bytes) {
        let behind = self
            .shared
            .as_ref()
            .is_some_and(|shared| !shared.is_empty());
        if behind || (!self.copied.is_empty() && self.copied.len() + line.len() > COPY_BYTES) {
            self.shared.get_or_insert_default().push_back(line.clone());
            return;
        }
        if self.copied.capacity() == 0 {
            self.copied.reserve(line.len().max(COPY_START));
        }
        self.copied.extend_from_slice(line);
    }

    /// Moves the oldest queued bytes, at most `limit` (always at the end of
    /// a line) and about [`BATCH_BYTES`], into `buffer`, which is empty: the
    /// writer's last batch, whose memory becomes the copied buffer's when
    /// that is taken whole (a busy connection swaps two buffers). Returns
    /// how many bytes.
    ///
    /// The shared lines queued after the copied ones go into the same
    /// batch: taken apart, a client that fell behind got two writes per
    /// wake, the copied 8 KiB and then the rest (12% of the writes in a
    /// paced 100x10 fan-out on a loaded machine).
    pub(super) fn take_front(&mut self, buffer: &mut Vec<u8>, limit: usize) -> usize {
        let mut size = 0;
        if !self.copied.is_empty() {
            if self.copied.len() > limit {
                // Only before a hold, i.e. for a labelled command: rare and short.
                buffer.extend_from_slice(&self.copied[..limit]);
                self.copied.drain(..limit);
                return limit;
            }
            std::mem::swap(buffer, &mut self.copied);
            size = buffer.len();
        }
        let Some(shared) = &mut self.shared else {
            return size;
        };
        let copied = size;
        let mut count = 0;
        for line in shared.iter() {
            if size + line.len() > limit || (size > 0 && size + line.len() > BATCH_BYTES) {
                break;
            }
            size += line.len();
            count += 1;
        }
        buffer.reserve(size - copied);
        for line in shared.drain(..count) {
            buffer.extend_from_slice(&line);
        }
        size
    }

    /// Inserts `lines` at byte `at` of the queue, the end of a line.
    pub(super) fn insert(&mut self, at: usize, lines: Vec<Bytes>) {
        let behind = self
            .shared
            .as_ref()
            .is_some_and(|shared| !shared.is_empty());
        if at < self.copied.len() || (at == self.copied.len() && !behind) {
            let later = self.copied.split_off(at);
            for line in &lines {
                self.copied.extend_from_slice(line);
            }
            self.copied.extend_from_slice(&later);
            return;
        }
        let shared = self.shared.get_or_insert_default();
        let mut before = self.copied.len();
        let mut index = 0;
        while index < shared.len() && before < at {
            before += shared[index].len();
            index += 1;
        }
        let later = shared.split_off(index);
        shared.extend(lines);
        shared.extend(later);
    }

    /// Whether a backlog's slots are allocated (for tests: none while idle).
    #[cfg(test)]
    pub(super) fn holds_shared(&self) -> bool {
        self.shared.is_some()
    }

    /// The copied buffer's capacity (for tests: 0 while idle).
    #[cfg(test)]
    pub(super) fn copied_capacity(&self) -> usize {
        self.copied.capacity()
    }
}
