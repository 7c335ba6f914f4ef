//! The envelope around every event: version, sender, size bound.

use super::{Event, MAX_WIRE_BYTES, WIRE_VERSION};
use serde::{Deserialize, Serialize};

/// One cluster event with who sent it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    /// The wire version ([`WIRE_VERSION`]).
    pub v: u16,
    /// The node that sent it.
    pub node: String,
    /// Which run of that node: a restarted node is a new incarnation, so
    /// events of the dead one can be told apart.
    pub incarnation: u64,
    /// What happened.
    pub event: Event,
}

/// Why an envelope was refused.
#[derive(Debug, thiserror::Error)]
pub enum WireError {
    /// Bigger than [`MAX_WIRE_BYTES`].
    #[error("{bytes} bytes is over the {MAX_WIRE_BYTES}-byte limit")]
    TooLarge {
        /// Its size.
        bytes: usize,
    },
    /// Not an envelope of ours.
    #[error("not a natter cluster event: {0}")]
    Malformed(#[from] serde_json::Error),
    /// Another version of the wire format.
    #[error("wire version {0} (this node speaks {WIRE_VERSION}; upgrade every node together)")]
    Version(u16),
    /// A field no client could have produced.
    #[error("invalid {field}")]
    Invalid {
        /// Which field.
        field: &'static str,
    },
}

impl Envelope {
    /// An envelope of this version from `node`.
    pub fn new(node: &str, incarnation: u64, event: Event) -> Envelope {
        Envelope {
            v: WIRE_VERSION,
            node: node.to_string(),
            incarnation,
            event,
        }
    }

    /// The bytes to publish; refuses what a receiver would refuse.
    pub fn encode(&self) -> Result<Vec<u8>, WireError> {
        self.check()?;
        let bytes = serde_json::to_vec(self)?;
        if bytes.len() > MAX_WIRE_BYTES {
            return Err(WireError::TooLarge { bytes: bytes.len() });
        }
        Ok(bytes)
    }

    /// Reads and checks an envelope received from NATS.
    pub fn decode(bytes: &[u8]) -> Result<Envelope, WireError> {
        if bytes.len() > MAX_WIRE_BYTES {
            return Err(WireError::TooLarge { bytes: bytes.len() });
        }
        // The version first, so a newer node's envelope is reported as such
        // rather than as malformed.
        #[derive(Deserialize)]
        struct Version {
            v: u16,
        }
        let Version { v } = serde_json::from_slice(bytes)?;
        if v != WIRE_VERSION {
            return Err(WireError::Version(v));
        }
        let envelope: Envelope = serde_json::from_slice(bytes)?;
        envelope.check()?;
        Ok(envelope)
    }

    pub(super) fn check(&self) -> Result<(), WireError> {
        if !crate::cluster::config::valid_node_name(&self.node) {
            return Err(WireError::Invalid { field: "node" });
        }
        self.event.check()
    }
}

/// Logs a refused envelope: which subject, how big, why. At most one line per
/// interval, so a misbehaving publisher cannot fill the log.
pub fn log_rejected(subject: &str, bytes: usize, error: &WireError) {
    crate::warn_throttled!(%subject, bytes, %error, "cluster: refused an event from NATS");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::wire::MAX_TEXT_BYTES;
    use crate::cluster::wire::fixtures::{alice, message};

    #[test]
    fn round_trips_and_reads_as_json() {
        let envelope = message("héllo");
        let bytes = envelope.encode().unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(
            text.starts_with(r##"{"v":1,"node":"node-a","incarnation":7,"event":{"type":"message","channel":"#lobby""##),
            "{text}"
        );
        assert_eq!(Envelope::decode(&bytes).unwrap(), envelope);
        for event in [
            Event::Leaving,
            Event::RosterRequest {
                channel: "#x".into(),
            },
            Event::Quit {
                from: alice(),
                reason: "bye".into(),
            },
        ] {
            let envelope = Envelope::new("b", 1, event);
            assert_eq!(
                Envelope::decode(&envelope.encode().unwrap()).unwrap(),
                envelope
            );
        }
    }

    #[test]
    fn oversize_is_refused_before_parsing() {
        let bytes = vec![b' '; MAX_WIRE_BYTES + 1];
        assert!(matches!(
            Envelope::decode(&bytes),
            Err(WireError::TooLarge { bytes }) if bytes == MAX_WIRE_BYTES + 1
        ));
        let big = message(&"x".repeat(MAX_TEXT_BYTES + 1));
        assert!(matches!(
            big.encode(),
            Err(WireError::Invalid { field: "text" })
        ));
    }

    #[test]
    fn other_versions_are_named() {
        let text = String::from_utf8(message("x").encode().unwrap())
            .unwrap()
            .replacen("\"v\":1", "\"v\":2", 1);
        let error = Envelope::decode(text.as_bytes()).unwrap_err();
        assert!(matches!(error, WireError::Version(2)));
        assert!(error.to_string().contains("upgrade every node together"));
    }

    #[test]
    fn malformed_input_is_an_error_not_a_panic() {
        for bad in [
            &b""[..],
            b"null",
            b"{}",
            b"\xff\xfe",
            br#"{"v":1}"#,
            br#"{"v":1,"node":"a","incarnation":1,"event":{"type":"launch"}}"#,
            br#"{"v":1,"node":"a","incarnation":1,"event":{"type":"leaving"},"extra":1}"#,
        ] {
            assert!(
                matches!(Envelope::decode(bad), Err(WireError::Malformed(_))),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
