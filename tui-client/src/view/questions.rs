//! What the two question overlays hold: a certificate to trust or not
//! (`app::trust` asks and applies the answer) and the servers found on the
//! LAN to pick from (`app::picker`). Plain data, so the view can hold an open
//! question without importing the app that answers it.

use natter_protocol::Fingerprint;
use std::path::PathBuf;

use crate::event::NetworkId;

/// What the trust question is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    /// The network whose connection met the certificate.
    pub network: NetworkId,
    /// `host:port` that presented the certificate.
    pub address: String,
    /// SHA-256 of the certificate.
    pub fingerprint: Fingerprint,
    /// Where an "always" answer is kept.
    pub known_file: PathBuf,
}

/// One server the picker offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// Its announced name (cleaned), e.g. "natter on lanbox".
    pub name: String,
    /// Address and ports, e.g. "192.168.1.20 · TLS 6697, plaintext 6667".
    pub detail: String,
    /// The fingerprint it claims, as natterd prints it (unauthenticated).
    pub fingerprint: Option<String>,
    /// Where Enter connects: an `ircs://` (or `irc://`) link.
    pub link: String,
    /// `host:port` of that link, the network's label once chosen.
    pub address: String,
}

/// The open picker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picker {
    /// The servers, in the order discovery sorted them (by name).
    pub choices: Vec<Choice>,
    /// The highlighted row.
    pub selected: usize,
}
