//! Delivering one event to many clients, encoding it once per format.

use super::client::Client;
use super::event::Envelope;
use bytes::Bytes;
use std::sync::Arc;

/// An encoder's name and variant: what makes two clients' bytes the same.
type FormatKey = (&'static str, u8);

/// One event on its way out; caches each distinct encoding so that all
/// recipients with the same format share the same bytes.
pub(crate) struct Fanout {
    envelope: Arc<Envelope>,
    /// The first encoding, kept inline: a whisper (one recipient, one
    /// format) then allocates no cache at all.
    first: Option<(FormatKey, Option<Bytes>)>,
    /// Every further distinct encoding (a channel with mixed clients).
    more: Vec<(FormatKey, Option<Bytes>)>,
}

impl Fanout {
    pub(crate) fn new(envelope: Envelope) -> Fanout {
        Fanout::shared(Arc::new(envelope))
    }

    /// A fan-out of an envelope also handed elsewhere (the bus).
    pub(crate) fn shared(envelope: Arc<Envelope>) -> Fanout {
        Fanout {
            envelope,
            first: None,
            more: Vec::new(),
        }
    }

    /// The event, shared.
    pub(crate) fn envelope(&self) -> Arc<Envelope> {
        Arc::clone(&self.envelope)
    }

    /// This event in `client`'s encoding, shared with every client of the same format.
    fn encoded(&mut self, client: &Client) -> Option<Bytes> {
        let key = (client.format.encoder.name(), client.format.variant);
        if let Some((_, bytes)) = self.first.iter().chain(&self.more).find(|(k, _)| *k == key) {
            return bytes.clone();
        }
        let bytes = client
            .format
            .encoder
            .encode(&self.envelope, client.format.variant);
        let entry = (key, bytes.clone());
        match self.first {
            None => self.first = Some(entry),
            Some(_) => self.more.push(entry),
        }
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
