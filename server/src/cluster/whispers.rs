//! Whispers across nodes: a private message goes to the recipient's user
//! subject (`natter.<network>.user.<folded nick>`), which only the node
//! holding that nick subscribes to.
//!
//! Plain NATS, not the room stream: a whisper has one reader, needs no
//! order with any room, and must not sit in a stream every node can read.
//! Each whisper is a request the recipient's node acknowledges: when nobody
//! listens on the subject yet (the recipient's node claimed the nick but its
//! subscription has not reached every NATS server, or is still being made)
//! NATS answers "no responders" at once and the whisper is sent again, up
//! to [`SEND_ATTEMPTS`] times; so a whisper right after a remote
//! registration is not lost, whatever the NATS topology. Still at most
//! once: a whisper whose acknowledgement is lost (the recipient's node cut
//! off at that moment) is reported as an error and not repeated. Only
//! [`Event::Whisper`] and [`Event::Invite`] envelopes (both for that one
//! user) are accepted on a user subject; anything else is refused and
//! logged.

use super::wire::{Envelope, Event, log_rejected};
use super::{ClusterError, Link, Subjects};
use futures::{Stream, StreamExt};
use std::time::Duration;

/// Sends of one whisper while nobody listens for its nick yet.
pub const SEND_ATTEMPTS: u32 = 40;
/// The pause between them: 40 × 50 ms = 2 s for a subscription to spread.
const SEND_RETRY: Duration = Duration::from_millis(50);
/// How long the recipient's node has to acknowledge.
const ACK_TIMEOUT: Duration = Duration::from_secs(5);

/// Sending and receiving whispers through NATS.
#[derive(Debug, Clone)]
pub struct Whispers {
    client: async_nats::Client,
    subjects: Subjects,
}

impl Whispers {
    /// Whispers over `link` on `subjects`' network.
    pub fn new(link: &Link, subjects: &Subjects) -> Whispers {
        Whispers {
            client: link.client().clone(),
            subjects: subjects.clone(),
        }
    }

    /// Sends a whisper envelope to whoever holds folded nick `to`.
    pub async fn send(&self, to: &str, envelope: &Envelope) -> Result<(), ClusterError> {
        if !matches!(envelope.event, Event::Whisper { .. } | Event::Invite { .. }) {
            return Err(ClusterError::Wire(super::wire::WireError::Invalid {
                field: "event (only whispers and invitations go to a user)",
            }));
        }
        let payload = bytes::Bytes::from(envelope.encode()?);
        let subject = self.subjects.user(to);
        let mut attempt = 1;
        loop {
            let request = async_nats::Request::new()
                .payload(payload.clone())
                .timeout(Some(ACK_TIMEOUT));
            match self.client.send_request(subject.clone(), request).await {
                Ok(_) => return Ok(()),
                Err(error)
                    if error.kind() == async_nats::RequestErrorKind::NoResponders
                        && attempt < SEND_ATTEMPTS =>
                {
                    attempt += 1;
                    tokio::time::sleep(SEND_RETRY).await;
                }
                Err(error) => return Err(ClusterError::jetstream("sending a whisper", error)),
            }
        }
    }

    /// Whispers to folded nick `nick` from now on, until the stream is
    /// dropped (the nick is released or changed). Malformed envelopes and
    /// other events are logged and skipped.
    pub async fn receive(
        &self,
        nick: &str,
    ) -> Result<impl Stream<Item = Envelope> + Send + use<>, ClusterError> {
        let subscriber = self
            .client
            .subscribe(self.subjects.user(nick))
            .await
            .map_err(|error| ClusterError::jetstream("receiving whispers", error))?;
        // The subscription is registered with the server before anyone is
        // told the nick is here.
        self.client
            .flush()
            .await
            .map_err(|error| ClusterError::jetstream("receiving whispers", error))?;
        let client = self.client.clone();
        Ok(subscriber
            .then(move |message| {
                let client = client.clone();
                async move {
                    // Received: the sender stops trying.
                    if let Some(reply) = message.reply.clone()
                        && let Err(error) = client.publish(reply, bytes::Bytes::new()).await
                    {
                        tracing::debug!(%error, "cluster: could not acknowledge a whisper");
                    }
                    message
                }
            })
            .filter_map(|message| std::future::ready(accept(&message))))
    }
}

/// The whisper in `message`, or `None` (logged) for anything else.
fn accept(message: &async_nats::Message) -> Option<Envelope> {
    match Envelope::decode(&message.payload) {
        Ok(envelope) if matches!(envelope.event, Event::Whisper { .. } | Event::Invite { .. }) => {
            Some(envelope)
        }
        Ok(_) => {
            log_rejected(
                message.subject.as_str(),
                message.payload.len(),
                &super::wire::WireError::Invalid {
                    field: "event (only whispers and invitations go to a user)",
                },
            );
            None
        }
        Err(error) => {
            log_rejected(message.subject.as_str(), message.payload.len(), &error);
            None
        }
    }
}
