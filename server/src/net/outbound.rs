//! A client's outbound queue, bounded in bytes, drained by its session's writer.
//!
//! The hub pushes already-encoded lines here while holding its lock, so
//! `push` never blocks and never does I/O. A client that keeps up gets each
//! line copied into the queue's own buffer (a channel message's ~100 bytes
//! copy for less than sharing the encoded line: a reference count raised per
//! recipient and dropped after the write, two atomic operations), and its
//! writer ([`super::writer`]) takes that buffer whole, with no second copy,
//! and sends it in one write. A client that falls behind queues references
//! to the shared lines instead, so a backlog costs a slot per line, not a
//! copy. Either way a busy channel costs one syscall per wake-up rather than
//! one per line. When the queue would exceed its byte limit the client is
//! marked overflowed and must be dropped; the other clients never wait for it.

mod lines;

use super::writer::{Writer, WriterEnd};
use bytes::Bytes;
use futures::task::AtomicWaker;
use lines::Lines;
use std::task::{Context, Poll, Waker};
use tokio::io::AsyncWrite;

/// Why a session must stop ([`Outbound::poll_stop`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// The hub dropped the client ([`Outbound::kill`]).
    Killed,
    /// The server is shutting down ([`Outbound::shut_down`]).
    ShutDown,
}

/// Returned by [`Outbound::push`] when the queue is over its byte limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overflow;

#[derive(Debug, Default)]
struct State {
    lines: Lines,
    queued_bytes: usize,
    /// Set once: the writer sends what is queued (normally one final `ERROR`
    /// line) and then closes the connection.
    closing: bool,
    overflowed: bool,
    /// Set with `closing` when the hub drops the client: its session stops
    /// reading at once (see [`Outbound::kill`]).
    killed: bool,
    /// Set when the server shuts down (see [`Outbound::shut_down`]).
    shut_down: bool,
    /// While a labelled command runs: how many queued bytes the writer may
    /// send; the command's response goes in after them (see [`Outbound::hold`]).
    /// A `u32` (a queue holds at most `sendq_bytes`, 96 KiB by default): 8
    /// bytes fewer put every connection's `Arc<Outbound>` in mimalloc's
    /// 112-byte class, not 128.
    held_at: Option<u32>,
    /// A channel's line was queued since the writer last took a batch.
    channel_lines: bool,
}

/// The queue's lock. A spin lock, not `std::sync::Mutex`: a fan-out locks
/// every recipient's queue in turn, and a locked instruction waits until
/// every earlier store is done, so the mutex's unlock (an atomic swap)
/// waited each time for the line just copied in (the swap was two thirds
/// of `push_uncaptured`, itself 8.6-14% of a paced 100x10 fan-out's CPU).
/// This unlock is a plain store; the next lock still waits, but the
/// recipient's look-up in between overlaps it (the push's share of the
/// samples 10.1% -> 6.3%). It is held for short copies (a line, at most a
/// batch) and list edits, never across a wait or I/O; a waiter yields its
/// thread between looks (`relax::Yield`), so a holder the kernel preempted
/// is not spun against.
type StateLock = spin::mutex::SpinMutex<State, spin::relax::Yield>;

/// The bounded queue between the hub and one client's socket writer.
#[derive(Debug)]
pub struct Outbound {
    state: StateLock,
    /// The one writer waiting for lines (see [`Outbound::register_writer`]).
    writer: AtomicWaker,
    limit: usize,
}

impl Outbound {
    /// A queue that holds at most `limit` bytes.
    pub fn new(limit: usize) -> Outbound {
        Outbound {
            state: StateLock::new(State::default()),
            writer: AtomicWaker::new(),
            limit,
        }
    }

    fn lock(&self) -> spin::mutex::SpinMutexGuard<'_, State> {
        // Not poisoned by a panic elsewhere: every later delivery goes on.
        self.state.lock()
    }

    /// Queues one encoded line. Never blocks. Lines pushed after close are dropped.
    pub fn push(&self, line: Bytes) -> Result<(), Overflow> {
        self.push_shared(&line)
    }

    /// Queues a copy of `line`, shared by many recipients: [`Outbound::push`]
    /// without taking a reference to it (unless a labelled command captures it).
    pub fn push_shared(&self, line: &Bytes) -> Result<(), Overflow> {
        if let Some(captured) = super::capture::divert(self, line) {
            return captured.map_err(|()| {
                self.lock().overflowed = true;
                Overflow
            });
        }
        self.push_uncaptured(line)
    }

    /// Queues a line that is never part of a labelled response, even when the
    /// session's own task pushes it: the received copy of a message to oneself.
    pub fn push_uncaptured(&self, line: &Bytes) -> Result<(), Overflow> {
        self.push_line(line, false)
    }

    /// Queues a channel's line ([`Outbound::push_uncaptured`]): its writer,
    /// woken for only a little, may wait once for the lines the channel's
    /// other members said at the same moment (see [`Outbound::take_batch_unless_little`]).
    pub fn push_channel_line(&self, line: &Bytes) -> Result<(), Overflow> {
        self.push_line(line, true)
    }

    fn push_line(&self, line: &Bytes, channel: bool) -> Result<(), Overflow> {
        let mut state = self.lock();
        if state.closing {
            return Ok(());
        }
        if state.overflowed || state.queued_bytes + line.len() > self.limit {
            state.overflowed = true;
            return Err(Overflow);
        }
        let was_empty = state.queued_bytes == 0;
        state.queued_bytes += line.len();
        state.channel_lines |= channel;
        state.lines.append(line);
        drop(state);
        // Only the first line after the writer emptied the queue wakes it: a
        // writer registers only once it finds the queue empty, and until then
        // it takes whatever is queued before it sleeps. A channel message to a
        // member that is already waiting to be written to costs no wake.
        if was_empty {
            self.writer.wake();
        }
        Ok(())
    }

    /// Sends `final_line` (typically `ERROR :...`) after what is queued, then closes.
    ///
    /// When the client overflowed, what is queued is thrown away first: it is
    /// not reading, and the final line is all that is worth trying to deliver.
    pub fn close(&self, final_line: Option<Bytes>) {
        let mut state = self.lock();
        if state.closing {
            return;
        }
        state.closing = true;
        if state.overflowed {
            state.lines = Lines::default();
            state.queued_bytes = 0;
        }
        if let Some(line) = final_line {
            state.queued_bytes += line.len();
            state.lines.append(&line);
        }
        drop(state);
        self.writer.wake();
    }

    /// Closes like [`Outbound::close`] and stops the client's session: the
    /// hub drops a client this way (SendQ exceeded, KILL). The session sees it
    /// through [`Outbound::poll_stop`] and reads nothing more; its writer
    /// still sends `final_line`.
    ///
    /// A flag here rather than a cancellation token per connection: the
    /// session's task already waits on this queue's waker for its writer, and
    /// a token was 112 bytes of every connection plus a 72-byte future in
    /// every idle session's state.
    pub fn kill(&self, final_line: Option<Bytes>) {
        self.lock().killed = true;
        self.close(final_line);
    }

    /// True once [`Outbound::kill`] was called.
    pub fn killed(&self) -> bool {
        self.lock().killed
    }

    /// Tells the client's session that the server is shutting down: it
    /// says goodbye as it would when the server's cancellation token fires.
    /// The hub does this for every registered client (see
    /// `HubState::shut_down`), so a registered session needs no wait of its
    /// own on that token (72 bytes of every idle connection's state).
    pub fn shut_down(&self) {
        self.lock().shut_down = true;
        self.writer.wake();
    }

    /// Ready with why the session must stop, once [`Outbound::kill`] or
    /// [`Outbound::shut_down`] was called; otherwise the queue's waker (the
    /// session's task, which also polls the writer) is woken by either.
    pub fn poll_stop(&self, cx: &mut Context<'_>) -> Poll<Stop> {
        self.writer.register(cx.waker());
        let state = self.lock();
        if state.killed {
            Poll::Ready(Stop::Killed)
        } else if state.shut_down {
            Poll::Ready(Stop::ShutDown)
        } else {
            Poll::Pending
        }
    }

    /// Holds back lines queued from now on (the writer sends only what is
    /// already queued) until [`Outbound::release`] puts a response before them:
    /// a labelled command's response then reaches the client in the place its
    /// command had in the hub's order, ahead of live lines that came meanwhile.
    pub fn hold(&self) {
        let mut state = self.lock();
        state.held_at = Some(u32::try_from(state.queued_bytes).unwrap_or(u32::MAX));
    }

    /// Inserts `response` where [`Outbound::hold`] was called and lets the
    /// writer go on. Fails (and marks the queue overflowed) beyond the byte limit.
    pub fn release(&self, response: Vec<Bytes>) -> Result<(), Overflow> {
        let mut state = self.lock();
        let at = state
            .held_at
            .take()
            .map_or(state.queued_bytes, |held_at| held_at as usize);
        let size: usize = response.iter().map(Bytes::len).sum();
        if state.closing {
            return Ok(());
        }
        if state.overflowed || state.queued_bytes + size > self.limit {
            state.overflowed = true;
            return Err(Overflow);
        }
        let at = at.min(state.queued_bytes);
        state.lines.insert(at, response);
        state.queued_bytes += size;
        drop(state);
        self.writer.wake();
        Ok(())
    }

    /// True once the queue overflowed.
    pub fn overflowed(&self) -> bool {
        self.lock().overflowed
    }

    /// [`killed`](Self::killed) and [`overflowed`](Self::overflowed) under
    /// one lock: a session asks both after every line it handles (the two
    /// locks were ~1.5% of a whisper's CPU).
    pub fn killed_or_overflowed(&self) -> (bool, bool) {
        let state = self.lock();
        (state.killed, state.overflowed)
    }

    /// True once [`Outbound::close`] was called.
    pub fn is_closing(&self) -> bool {
        self.lock().closing
    }

    /// Bytes currently waiting.
    pub fn queued_bytes(&self) -> usize {
        self.lock().queued_bytes
    }

    /// Wakes `waker` at the next push or close. One writer drains a queue:
    /// a later registration replaces an earlier one.
    #[cfg(test)]
    fn register_writer(&self, waker: &Waker) {
        self.writer.register(waker);
    }

    /// Takes the next batch (the oldest chunk of what is queued, up to a
    /// hold) into `buffer`, which must be empty, and whether the queue is
    /// closing with nothing left in it (the writer shuts the socket down
    /// after this batch). `buffer`'s memory may be kept for later lines.
    ///
    /// With nothing to take, `waker` (the writer's) is registered for the
    /// next push, under the same lock: no push can come between the look
    /// and the registration, and a writer going idle locks the queue once.
    #[cfg(test)]
    fn take_batch(&self, buffer: &mut Vec<u8>, waker: Option<&Waker>) -> bool {
        self.take_batch_unless_little(buffer, waker, 0)
            .unwrap_or(false)
    }

    /// [`Outbound::take_batch`], unless fewer than `below` bytes wait, at
    /// least one of them a channel's line (and the queue is neither closing
    /// nor held): then nothing is taken, and `None` says the writer may
    /// wait once for more. A channel's senders are read one after the
    /// other, and the first one's line reaches every member's queue before
    /// the others are read; a whisper has no such company and is taken at
    /// once. One lock either way.
    pub(super) fn take_batch_unless_little(
        &self,
        buffer: &mut Vec<u8>,
        waker: Option<&Waker>,
        below: usize,
    ) -> Option<bool> {
        debug_assert!(buffer.is_empty());
        let mut state = self.lock();
        if state.channel_lines
            && state.queued_bytes > 0
            && state.queued_bytes < below
            && !state.closing
            && state.held_at.is_none()
        {
            return None;
        }
        let limit = match state.held_at {
            Some(held_at) if !state.closing => held_at as usize,
            _ => usize::MAX,
        };
        let taken = if limit == 0 {
            0
        } else {
            state.lines.take_front(buffer, limit)
        };
        state.queued_bytes -= taken;
        state.channel_lines = false;
        if let Some(held_at) = &mut state.held_at {
            *held_at = held_at.saturating_sub(u32::try_from(taken).unwrap_or(u32::MAX));
        }
        // A writer that finds nothing to take goes idle: an idle connection
        // holds no queue memory (the buffer its last batch left for the
        // next lines, a backlog's slots).
        if taken == 0 && state.queued_bytes == 0 {
            state.lines = Lines::default();
        }
        // Closing means "shut down after this batch": only once all is taken.
        let closing = state.closing && state.queued_bytes == 0;
        if let Some(waker) = waker
            && taken == 0
            && !closing
        {
            self.writer.register(waker);
        }
        Some(closing)
    }

    /// Drains the queue into `writer` until it is closed and written or the
    /// socket fails (for a writer that is a task of its own; sessions poll a
    /// [`Writer`] themselves).
    pub async fn run_writer<W: AsyncWrite + Unpin>(&self, writer: W) -> WriterEnd {
        Writer::new(writer).drive(self).await
    }
}

#[cfg(test)]
#[path = "outbound_tests.rs"]
mod tests;
