//! Whispers across nodes: a private message goes to the recipient's user
//! subject (`natter.<network>.user.<folded nick>`), which only the node
//! holding that nick subscribes to.
//!
//! Plain NATS, not the room stream: a whisper has one reader, needs no
//! order with any room, and must not sit in a stream every node can read.
//! Delivery is at most once: a whisper published while the recipient's node
//! is cut off from NATS is lost, and the sender's node cannot tell (it asks
//! the nick registry whether the nick exists anywhere before sending, so
//! ERR_NOSUCHNICK is still right). Only [`Event::Whisper`] envelopes are
//! accepted on a user subject; anything else is refused and logged.

use super::wire::{Envelope, Event, log_rejected};
use super::{ClusterError, Link, Subjects};
use futures::{Stream, StreamExt};

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
        if !matches!(envelope.event, Event::Whisper { .. }) {
            return Err(ClusterError::Wire(super::wire::WireError::Invalid {
                field: "event (only whispers go to a user)",
            }));
        }
        let payload = envelope.encode()?;
        self.client
            .publish(self.subjects.user(to), payload.into())
            .await
            .map_err(|error| ClusterError::jetstream("sending a whisper", error))
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
        Ok(subscriber.filter_map(|message| {
            let envelope = match Envelope::decode(&message.payload) {
                Ok(envelope) if matches!(envelope.event, Event::Whisper { .. }) => Some(envelope),
                Ok(_) => {
                    log_rejected(
                        message.subject.as_str(),
                        message.payload.len(),
                        &super::wire::WireError::Invalid {
                            field: "event (only whispers go to a user)",
                        },
                    );
                    None
                }
                Err(error) => {
                    log_rejected(message.subject.as_str(), message.payload.len(), &error);
                    None
                }
            };
            std::future::ready(envelope)
        }))
    }
}
