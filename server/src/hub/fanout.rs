//! Delivering one event to many clients, encoding it once per format.

use super::client::Client;
use super::event::Envelope;
use bytes::Bytes;
use std::sync::Arc;

/// One event on its way out; caches each distinct encoding so that all
/// recipients with the same format share the same bytes.
pub(crate) struct Fanout {
    envelope: Arc<Envelope>,
    cache: Vec<((&'static str, u8), Option<Bytes>)>,
}

impl Fanout {
    pub(crate) fn new(envelope: Envelope) -> Fanout {
        Fanout::shared(Arc::new(envelope))
    }

    /// A fan-out of an envelope also handed elsewhere (the bus).
    pub(crate) fn shared(envelope: Arc<Envelope>) -> Fanout {
        Fanout {
            envelope,
            cache: Vec::with_capacity(4),
        }
    }

    /// The event, shared.
    pub(crate) fn envelope(&self) -> Arc<Envelope> {
        Arc::clone(&self.envelope)
    }

    /// This event in `client`'s encoding, shared with every client of the same format.
    fn encoded(&mut self, client: &Client) -> Option<Bytes> {
        let key = (client.format.encoder.name(), client.format.variant);
        if let Some((_, bytes)) = self.cache.iter().find(|(k, _)| *k == key) {
            return bytes.clone();
        }
        let bytes = client
            .format
            .encoder
            .encode(&self.envelope, client.format.variant);
        self.cache.push((key, bytes.clone()));
        bytes
    }

    /// Queues the event for `client`; returns false when its queue overflowed.
    pub(crate) fn deliver(&mut self, client: &Client) -> bool {
        self.encoded(client)
            .is_none_or(|bytes| client.outbound.push(bytes).is_ok())
    }

    /// Like [`Fanout::deliver`], but never part of the client's own labelled response.
    pub(crate) fn deliver_incoming(&mut self, client: &Client) -> bool {
        self.encoded(client)
            .is_none_or(|bytes| client.outbound.push_uncaptured(bytes).is_ok())
    }
}
