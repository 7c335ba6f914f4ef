//! Turning a connection away, with a bounded budget for saying why.
//!
//! A refused client is told why in an `ERROR` line, over TLS on the TLS
//! port. That answer is not free: a task, a file descriptor for up to the
//! handshake timeout, and on the TLS port a whole handshake (the server's
//! most expensive step: a key exchange and a signature) for a client that is
//! not even let in. The admission caps bound the connections that are let
//! in, but not the refused ones, so without a bound a connection flood
//! against a full server would buy a handshake per connection: CPU and
//! descriptors taken from the clients being served and from admitted
//! clients' own handshakes. So at most [`MAX_ANSWERS_IN_FLIGHT`] refusals are
//! answered at a time; past that a refused connection is closed at once,
//! without a reply, which costs nothing.

use crate::tls::accept::{Transport, handshake};
use bytes::Bytes;
use natter_protocol::Message;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;
use tokio_util::task::TaskTracker;

/// Refused clients being told why at any one time (both listeners together).
///
/// A real user refused by a full server is answered at once; during a flood
/// this many handshakes are the most refusals cost.
pub const MAX_ANSWERS_IN_FLIGHT: usize = 64;

/// How long a refused client gets to take its `ERROR` line once it can be written.
const SAY_TIMEOUT: Duration = Duration::from_secs(2);

/// The budget for answering refused clients, shared by both listeners.
#[derive(Debug, Clone)]
pub struct Refusals {
    answers: Arc<Semaphore>,
}

impl Default for Refusals {
    fn default() -> Refusals {
        Refusals::new(MAX_ANSWERS_IN_FLIGHT)
    }
}

impl Refusals {
    /// A budget of `in_flight` answers at a time.
    pub fn new(in_flight: usize) -> Refusals {
        Refusals {
            answers: Arc::new(Semaphore::new(in_flight)),
        }
    }

    /// Turns `stream` away: tells it `reason` in a task on `tasks` when the
    /// budget allows, otherwise closes it at once. Returns whether it is answered.
    pub fn refuse(
        &self,
        stream: TcpStream,
        transport: &Transport,
        reason: String,
        tasks: &TaskTracker,
    ) -> bool {
        let Ok(permit) = self.answers.clone().try_acquire_owned() else {
            crate::warn_throttled!(
                in_flight = MAX_ANSWERS_IN_FLIGHT,
                "refused connection closed without a reply: too many refusals are being answered"
            );
            drop(stream);
            return false;
        };
        let transport = transport.clone();
        tasks.spawn(async move {
            answer(stream, transport, reason).await;
            drop(permit);
        });
        true
    }
}

/// Tells a client why it cannot stay (over TLS on the TLS port) and closes.
pub async fn answer(stream: TcpStream, transport: Transport, reason: String) {
    let line = Bytes::from(Message::new("ERROR").with_param(reason).to_wire());
    match transport {
        Transport::Plain => say_and_close(stream, &line).await,
        Transport::Tls(tls) => {
            let peer = stream
                .peer_addr()
                .unwrap_or(SocketAddr::from(([0, 0, 0, 0], 0)));
            if let Some(stream) = handshake(&tls, stream, peer).await {
                say_and_close(stream, &line).await;
            }
        }
    }
}

/// Writes `line` and closes, within [`SAY_TIMEOUT`].
async fn say_and_close<S: AsyncWrite + Unpin>(mut stream: S, line: &[u8]) {
    let _ = tokio::time::timeout(SAY_TIMEOUT, async {
        let _ = stream.write_all(line).await;
        let _ = stream.shutdown().await;
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;
    use tokio::net::TcpListener;

    /// A connected pair: the server's side and the client's.
    async fn pair(listener: &TcpListener) -> (TcpStream, TcpStream) {
        let client = TcpStream::connect(listener.local_addr().unwrap());
        let (client, accepted) = tokio::join!(client, listener.accept());
        (accepted.unwrap().0, client.unwrap())
    }

    async fn read_all(mut client: TcpStream) -> String {
        let mut text = String::new();
        let _ = client.read_to_string(&mut text).await;
        text
    }

    #[tokio::test]
    async fn a_spent_budget_closes_without_a_reply() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let tasks = TaskTracker::new();
        let (server, client) = pair(&listener).await;
        assert!(!Refusals::new(0).refuse(
            server,
            &Transport::Plain,
            "Server is full".into(),
            &tasks
        ));
        assert_eq!(read_all(client).await, "");
    }

    #[tokio::test]
    async fn an_answer_gives_its_place_in_the_budget_back_when_done() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let tasks = TaskTracker::new();
        let refusals = Refusals::new(1);
        for _ in 0..3 {
            let (server, client) = pair(&listener).await;
            assert!(refusals.refuse(server, &Transport::Plain, "Server is full".into(), &tasks));
            assert_eq!(read_all(client).await, "ERROR :Server is full\r\n");
            // The answer's task ends after the close the client just read.
            tasks.close();
            tasks.wait().await;
            tasks.reopen();
        }
    }
}
