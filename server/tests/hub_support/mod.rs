//! What the socketless hub tests share: an encoder that records only
//! messages, so a test can compare what each client received.

#![allow(dead_code)]

use bytes::Bytes;
use natterd::hub::event::{Encoder, Envelope, Event};

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
