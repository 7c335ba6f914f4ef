//! What the socketless hub tests share: an encoder that records only
//! messages, so a test can compare what each client received.

#![allow(dead_code)]

use bytes::Bytes;
use natterd::hub::client::{Format, NewClient};
use natterd::hub::event::{Encoder, Envelope, Event};
use natterd::net::outbound::Outbound;
use std::sync::Arc;

/// Encodes only channel and private messages, as `<target> <text>` lines.
pub struct Recorder;

/// The one recorder every client of a test is given.
pub static RECORDER: Recorder = Recorder;

impl Encoder for Recorder {
    fn name(&self) -> &'static str {
        "recorder"
    }

    fn encode(&self, envelope: &Envelope, _variant: u8) -> Option<Bytes> {
        match &envelope.event {
            Event::Message { target, text, .. } => Some(Bytes::from(format!("{target} {text}\n"))),
            _ => None,
        }
    }
}

/// A client named `nick` from 127.0.0.1, plain, no account, given the
/// [`RECORDER`] and `outbound`: what the hub tests register.
pub fn new_client(nick: &str, outbound: Arc<Outbound>) -> NewClient {
    NewClient {
        nick: nick.into(),
        user: nick.into(),
        host: "127.0.0.1".into(),
        realname: nick.into(),
        format: Format {
            encoder: &RECORDER,
            variant: 0,
            echo_own_messages: false,
            sees_own_events: true,
        },
        outbound,
        secure: false,
        account: None,
    }
}
