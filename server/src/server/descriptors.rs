//! Out of file descriptors: one is held in reserve by each accept loop,
//! so that a client the server cannot serve is told so instead of being
//! left hanging (accepting and answering it takes a descriptor).

use crate::refusal::Refusals;
use crate::tls::accept::Transport;
use futures::FutureExt;
use natter_protocol::Message;
use std::net::SocketAddr;
use tokio::net::{TcpListener, TcpStream};
use tokio_util::task::TaskTracker;

/// After a failed accept: when the process is out of file descriptors,
/// gives up the spare one to accept the waiting client and tell it so,
/// instead of leaving it hanging.
pub(super) fn refuse_while_out_of_descriptors(
    listener: &TcpListener,
    transport: &Transport,
    error: &std::io::Error,
    spare: &mut SpareDescriptor,
    answering: (&Refusals, &TaskTracker),
) {
    crate::warn_throttled!(%error, "accept failed");
    if !is_out_of_descriptors(error) {
        return;
    }
    // A TLS refusal holding the descriptor may have finished since.
    spare.reopen();
    if !spare.release() {
        return;
    }
    if let Some(Ok((stream, peer))) = listener.accept().now_or_never() {
        refuse_out_of_descriptors(stream, peer, transport, answering);
    }
    spare.reopen();
}

/// Tells a client accepted on the last descriptor that the server is out of
/// them. On the plaintext port the line is written at once (a new socket's
/// send buffer is empty) and the socket closed, so the descriptor is free
/// again for the spare before the next accept; on the TLS port the handshake
/// comes first, so a task answers and the spare comes back once it is done.
pub(super) fn refuse_out_of_descriptors(
    stream: TcpStream,
    peer: SocketAddr,
    transport: &Transport,
    (refusals, tasks): (&Refusals, &TaskTracker),
) {
    crate::warn_throttled!(%peer, "connection refused: out of file descriptors");
    crate::metrics::refused("file_descriptors");
    match transport {
        Transport::Plain => {
            let line = Message::new("ERROR")
                .with_param(OUT_OF_DESCRIPTORS)
                .to_wire();
            // What the client already sent is read first: closing a socket
            // with unread input resets it, and a reset can discard the
            // ERROR line before the client reads it.
            let mut unread = [0u8; 1024];
            for _ in 0..4 {
                if !matches!(stream.try_read(&mut unread), Ok(1..)) {
                    break;
                }
            }
            let _ = stream.try_write(line.as_bytes());
            drop(stream);
        }
        Transport::Tls(_) => {
            refusals.refuse(stream, transport, OUT_OF_DESCRIPTORS.to_string(), tasks);
        }
    }
}

/// What a client accepted with the spare descriptor is told.
const OUT_OF_DESCRIPTORS: &str =
    "Server is out of connection slots (file descriptors); try again later";

/// `EMFILE` and `ENFILE`: the process's or the system's descriptor table is full.
fn is_out_of_descriptors(error: &std::io::Error) -> bool {
    matches!(error.raw_os_error(), Some(EMFILE | ENFILE))
}

const EMFILE: i32 = 24;
const ENFILE: i32 = 23;

/// One file descriptor held in reserve, so that a client can be told the
/// server is out of descriptors (it takes one to accept and answer it).
pub(super) struct SpareDescriptor(Option<std::fs::File>);

/// Whether the spare descriptor is held after [`SpareDescriptor::reopen`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Spare {
    /// It is held.
    Held,
    /// It cannot be opened for another reason (no null device): clients
    /// are served without one.
    Unavailable,
    /// It could not be reopened because every descriptor is in use.
    OutOfDescriptors,
}

impl SpareDescriptor {
    /// Opens the spare (held or not: see [`SpareDescriptor::reopen`]).
    pub(super) fn open() -> SpareDescriptor {
        SpareDescriptor(std::fs::File::open(NULL_DEVICE).ok())
    }

    /// Closes the spare descriptor; false when there was none.
    fn release(&mut self) -> bool {
        self.0.take().is_some()
    }

    /// Takes the spare descriptor back if it was given up.
    pub(super) fn reopen(&mut self) -> Spare {
        if self.0.is_some() {
            return Spare::Held;
        }
        match std::fs::File::open(NULL_DEVICE) {
            Ok(file) => {
                self.0 = Some(file);
                Spare::Held
            }
            Err(error) if is_out_of_descriptors(&error) => Spare::OutOfDescriptors,
            Err(_) => Spare::Unavailable,
        }
    }
}

#[cfg(unix)]
const NULL_DEVICE: &str = "/dev/null";
#[cfg(not(unix))]
const NULL_DEVICE: &str = "NUL";
