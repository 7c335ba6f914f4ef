//! Delivering one event to many clients, encoding it once per format.

use super::client::Client;
use super::event::Envelope;
use crate::net::capture::Capturing;
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
    /// The queue the delivering task captures for a labelled response, if
    /// any, looked up once: a fan-out is delivered without awaiting.
    capturing: Capturing,
    /// A channel's event: its recipients' writers may wait once for the
    /// channel's other lines of the same moment ([`Fanout::in_channel`]).
    channel: bool,
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
            capturing: Capturing::now(),
            channel: false,
        }
    }

    /// Marks this as a channel's event (a message, not a whisper): see
    /// `Outbound::push_channel_line`.
    pub(crate) fn in_channel(mut self) -> Fanout {
        self.channel = true;
        self
    }

    /// The event, shared.
    pub(crate) fn envelope(&self) -> Arc<Envelope> {
        Arc::clone(&self.envelope)
    }

    /// This event in `client`'s encoding, shared with every client of the
    /// same format (borrowed: each queue copies the bytes it needs).
    fn encoded(&mut self, client: &Client) -> Option<&Bytes> {
        let key = (client.format.encoder.name(), client.format.variant);
        if self.first.as_ref().is_some_and(|(k, _)| *k == key) {
            return self.first.as_ref().and_then(|(_, bytes)| bytes.as_ref());
        }
        if let Some(at) = self.more.iter().position(|(k, _)| *k == key) {
            return self.more[at].1.as_ref();
        }
        let bytes = client
            .format
            .encoder
            .encode(&self.envelope, client.format.variant);
        let entry = (key, bytes);
        let slot = if self.first.is_none() {
            self.first.insert(entry)
        } else {
            self.more.push(entry);
            let last = self.more.len() - 1;
            &mut self.more[last]
        };
        slot.1.as_ref()
    }

    /// Queues the event for `client`; returns false when its queue overflowed.
    pub(crate) fn deliver(&mut self, client: &Client) -> bool {
        if self.capturing.captures(&client.outbound) {
            return self
                .encoded(client)
                .is_none_or(|bytes| client.outbound.push_shared(bytes).is_ok());
        }
        let channel = self.channel;
        self.encoded(client).is_none_or(|bytes| {
            if channel {
                client.outbound.push_channel_line(bytes).is_ok()
            } else {
                client.outbound.push_uncaptured(bytes).is_ok()
            }
        })
    }

    /// Like [`Fanout::deliver`], but never part of the client's own labelled response.
    pub(crate) fn deliver_incoming(&mut self, client: &Client) -> bool {
        self.encoded(client)
            .is_none_or(|bytes| client.outbound.push_uncaptured(bytes).is_ok())
    }
}
