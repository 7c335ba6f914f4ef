//! The I/O handle of one connection: who it is and where its output goes.
//!
//! Commands of both dialects get only this, never the session's loop or the
//! hub: sending never calls back into anything. A client that overflows its
//! own queue is merely marked (see [`Outbound`]); the session's loop notices
//! and ends the connection, and the hub drops it on its next operation.

use crate::context::Context;
use crate::hub::client::ClientId;
use crate::net::admission::Slot;
use crate::net::outbound::Outbound;
use bytes::Bytes;
use natter_protocol::{LINE_BODY_MAX, Message};
use std::net::SocketAddr;
use std::sync::Arc;

/// One client connection as its commands see it.
#[derive(Debug)]
pub struct Connection {
    /// The peer's address.
    pub peer: SocketAddr,
    /// This connection's client id (used once registered).
    pub id: ClientId,
    /// The outbound queue.
    pub outbound: Arc<Outbound>,
    /// Whether the connection is TLS.
    pub secure: bool,
    /// The fingerprint of the TLS client certificate, if one was presented.
    /// Boxed: most connections have none, and a connection is in every idle
    /// connection's task (32 bytes inline, 8 boxed).
    client_cert: Option<Box<natter_protocol::Fingerprint>>,
    /// Its place in the connection counts, when the listener admitted it.
    slot: Option<Slot>,
}

impl Connection {
    /// Logs and counts this connection's completed registration, naming the
    /// nick and the account it is logged in to (never any message text).
    pub fn log_registered(&self, context: &Context, nick: &str, dialect: &'static str) {
        let account = context.hub.read(|hub| {
            hub.client(self.id)
                .and_then(|c| c.account.as_deref().map(|(name, _)| name.clone()))
        });
        tracing::info!(
            peer = %self.peer,
            client = self.id,
            %nick,
            account = %account.as_deref().unwrap_or("none"),
            "registered ({dialect})"
        );
        crate::metrics::registered(dialect);
    }

    /// A new, unregistered connection; `slot` is its place in the listener's counts.
    pub fn new(
        id: ClientId,
        peer: SocketAddr,
        outbound: Arc<Outbound>,
        slot: Option<Slot>,
    ) -> Connection {
        Connection {
            peer,
            id,
            outbound,
            secure: false,
            client_cert: None,
            slot,
        }
    }

    /// The host other users see: the peer's IP address.
    pub fn host(&self) -> String {
        let ip = self.peer.ip().to_canonical().to_string();
        // A leading ':' would break the IRC prefix syntax.
        if ip.starts_with(':') {
            format!("0{ip}")
        } else {
            ip
        }
    }

    /// The fingerprint of the TLS client certificate, if one was presented.
    pub fn client_cert(&self) -> Option<natter_protocol::Fingerprint> {
        self.client_cert.as_deref().copied()
    }

    /// Records the TLS client certificate's fingerprint.
    pub fn set_client_cert(&mut self, fingerprint: Option<natter_protocol::Fingerprint>) {
        self.client_cert = fingerprint.map(Box::new);
    }

    /// Queues bytes for the client. When its queue overflows the line is not
    /// queued and the queue is marked; the session's loop then ends the connection.
    pub fn send_raw(&mut self, bytes: Bytes) {
        // The overflow is recorded in the queue itself.
        let _ = self.outbound.push(bytes);
    }

    /// Queues one IRC message, cut to one 512-byte line when it echoes
    /// something overlong ([`Message::fit_line`]).
    pub fn send(&mut self, message: &Message) {
        let mut wire = message.to_wire();
        // Tags included, a line of at most 512 bytes fits: only longer ones
        // pay for a closer look.
        if wire.len() > LINE_BODY_MAX + 2 {
            let mut fitted = message.clone();
            fitted.fit_line();
            wire = fitted.to_wire();
        }
        tracing::trace!(client = self.id, line = %wire.trim_end().escape_debug(), "->");
        self.send_raw(Bytes::from(wire));
    }

    /// Sends `ERROR :<reason>` as the last line and closes.
    pub fn send_error(&mut self, reason: &str) {
        let error = Message::new("ERROR").with_param(reason);
        self.close_with(Bytes::from(error.to_wire()));
    }

    /// Sends `last` (already encoded) as the last line and closes.
    pub fn close_with(&mut self, last: Bytes) {
        self.outbound.close(Some(last));
    }

    /// Records that the client registered: it no longer counts as unregistered.
    pub fn mark_registered(&mut self) {
        if let Some(slot) = &mut self.slot {
            slot.mark_registered();
        }
    }
}
