//! Delivering one event to many clients, encoding it once per format.

use super::client::Client;
use super::event::Envelope;
use bytes::Bytes;

/// One event on its way out; caches each distinct encoding so that all
/// recipients with the same format share the same bytes.
pub(crate) struct Fanout {
    envelope: Envelope,
    cache: Vec<((&'static str, u8), Option<Bytes>)>,
}

impl Fanout {
    pub(crate) fn new(envelope: Envelope) -> Fanout {
        Fanout {
            envelope,
            cache: Vec::with_capacity(4),
        }
    }

    /// Queues the event for `client`; returns false when its queue overflowed.
    pub(crate) fn deliver(&mut self, client: &Client) -> bool {
        let key = (client.format.encoder.name(), client.format.variant);
        let bytes = match self.cache.iter().find(|(k, _)| *k == key) {
            Some((_, bytes)) => bytes.clone(),
            None => {
                let bytes = client
                    .format
                    .encoder
                    .encode(&self.envelope, client.format.variant);
                self.cache.push((key, bytes.clone()));
                bytes
            }
        };
        match bytes {
            Some(bytes) => client.outbound.push(bytes).is_ok(),
            None => true,
        }
    }
}
