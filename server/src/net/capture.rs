//! Capturing a command's own output, for IRCv3 `labeled-response`.
//!
//! A labelled command's response must be sent as one unit (a single labelled
//! line, a `labeled-response` batch, or an `ACK`), yet its lines come from two
//! places: the session's replies and the hub's deliveries to the sender itself
//! (its own JOIN, the echo-message copy of its PRIVMSG, ...). Both end in
//! [`Outbound::push`], so the capture sits there.
//!
//! It is scoped to the session's task with a tokio task-local: while
//! [`capture`] runs a command, a push *made by that task* into *that
//! connection's* queue is set aside instead of queued. Pushes from other tasks
//! (other users' messages arriving meanwhile, even while the command awaits
//! history) go to the queue as usual and are never mislabelled, and the
//! command's pushes into other clients' queues are unaffected.

use super::outbound::{Outbound, Overflow};
use bytes::Bytes;
use std::future::Future;
use std::sync::{Arc, Mutex};

/// The lines set aside for one command.
#[derive(Debug)]
struct Capture {
    outbound: Arc<Outbound>,
    lines: Mutex<Captured>,
    limit: usize,
}

#[derive(Debug, Default)]
struct Captured {
    lines: Vec<Bytes>,
    bytes: usize,
}

tokio::task_local! {
    static CAPTURE: Capture;
}

/// Runs `command`, setting aside what it pushes into `outbound` (at most
/// `limit` bytes, like the queue itself), then queues `respond(those lines)`
/// in the command's place: lines other tasks queued meanwhile are held back
/// and follow the response (see [`Outbound::hold`]). Returns the command's
/// result, or `Err` when the response overflowed the queue.
pub async fn capture<F: Future>(
    outbound: Arc<Outbound>,
    limit: usize,
    command: F,
    respond: impl FnOnce(Vec<Bytes>) -> Vec<Bytes>,
) -> Result<F::Output, Overflow> {
    outbound.hold();
    let capture = Capture {
        outbound: Arc::clone(&outbound),
        lines: Mutex::new(Captured::default()),
        limit,
    };
    let (output, capture) = CAPTURE
        .scope(capture, async move {
            let output = command.await;
            // Take the lines out while still inside the scope.
            let lines = CAPTURE.with(|capture| {
                let mut captured = capture
                    .lines
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                std::mem::take(&mut captured.lines)
            });
            (output, lines)
        })
        .await;
    outbound.release(respond(capture))?;
    Ok(output)
}

/// Which queue, if any, the running task is capturing lines for: looked up
/// once for a whole fan-out (the task-local's look-up per recipient was
/// ~1% of a paced 100-member fan-out's CPU). It holds the queue's address
/// only, for comparing; valid while the code that took it does not await
/// (a capture begins and ends only across an await of its task).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Capturing(Option<usize>);

impl Capturing {
    /// The running task's capture now.
    pub(crate) fn now() -> Capturing {
        Capturing(
            CAPTURE
                .try_with(|capture| Arc::as_ptr(&capture.outbound).addr())
                .ok(),
        )
    }

    /// Whether a push into `outbound` is captured (then it must go through
    /// [`Outbound::push_shared`]; any other queue takes
    /// [`Outbound::push_uncaptured`], which is the same for it).
    pub(crate) fn captures(self, outbound: &Outbound) -> bool {
        self.0 == Some(std::ptr::from_ref(outbound).addr())
    }
}

/// Called by [`Outbound::push`]: `Some(result)` when the line was captured
/// (`Err` when the capture is over its byte limit), `None` when it must be queued.
pub(super) fn divert(outbound: &Outbound, line: &Bytes) -> Option<Result<(), ()>> {
    CAPTURE
        .try_with(|capture| {
            if !std::ptr::eq(Arc::as_ptr(&capture.outbound), outbound) {
                return None;
            }
            let mut captured = capture
                .lines
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if captured.bytes + line.len() > capture.limit {
                return Some(Err(()));
            }
            captured.bytes += line.len();
            captured.lines.push(line.clone());
            Some(Ok(()))
        })
        .ok()
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn only_the_commands_own_pushes_into_its_own_queue_are_captured() {
        let own = Arc::new(Outbound::new(1000));
        let other = Arc::new(Outbound::new(1000));
        let elsewhere = Arc::clone(&own);
        let mut captured = Vec::new();
        let value = capture(
            Arc::clone(&own),
            1000,
            async {
                own.push(Bytes::from_static(b"mine\r\n")).unwrap();
                other.push(Bytes::from_static(b"theirs\r\n")).unwrap();
                // Another task pushing into the same queue meanwhile is not captured.
                tokio::spawn(async move {
                    elsewhere.push(Bytes::from_static(b"live\r\n")).unwrap();
                })
                .await
                .unwrap();
                7
            },
            |lines| {
                captured = lines.clone();
                lines
            },
        )
        .await
        .unwrap();
        assert_eq!(value, 7);
        assert_eq!(captured, vec![Bytes::from_static(b"mine\r\n")]);
        assert_eq!(own.queued_bytes(), b"live\r\nmine\r\n".len());
        assert_eq!(other.queued_bytes(), b"theirs\r\n".len());
    }

    /// A fan-out looks the capture up once and sends only the capturing
    /// queue's line through it: exactly the queue a push would divert.
    #[tokio::test]
    async fn capturing_names_only_the_running_commands_own_queue() {
        let own = Arc::new(Outbound::new(1000));
        let other = Outbound::new(1000);
        assert!(!Capturing::now().captures(&own), "no command running");
        let seen = capture(
            Arc::clone(&own),
            1000,
            async {
                let capturing = Capturing::now();
                let elsewhere = tokio::spawn(async { Capturing::now() }).await.unwrap();
                (
                    capturing.captures(&own),
                    capturing.captures(&other),
                    elsewhere.captures(&own),
                )
            },
            |lines| lines,
        )
        .await
        .unwrap();
        assert_eq!(seen, (true, false, false));
    }

    #[tokio::test]
    async fn a_capture_is_bounded_like_the_queue() {
        let own = Arc::new(Outbound::new(1000));
        let mut count = 0;
        let overflowed = capture(
            Arc::clone(&own),
            8,
            async {
                own.push(Bytes::from_static(b"12345\r\n")).unwrap();
                own.push(Bytes::from_static(b"67890\r\n")).is_err()
            },
            |lines| {
                count = lines.len();
                lines
            },
        )
        .await;
        assert_eq!(overflowed, Err(Overflow), "the queue is marked overflowed");
        assert_eq!(count, 1);
    }
}
