//! IRCv3 capabilities natterd offers, and the set one client has enabled.

use super::encode::{IRC_ENCODER, variant};
use crate::hub::client::Format;

/// Every capability natterd supports, in the order `CAP LS` lists them.
pub const SUPPORTED: [&str; 10] = [
    "away-notify",
    "batch",
    "cap-notify",
    CHATHISTORY,
    "echo-message",
    "labeled-response",
    "message-tags",
    "multi-prefix",
    "server-time",
    "userhost-in-names",
];

/// The history capability: only offered when history is enabled.
pub const CHATHISTORY: &str = "draft/chathistory";

/// The capabilities this server offers: all of [`SUPPORTED`], less
/// `draft/chathistory` when history is off.
pub fn offered(history_enabled: bool) -> Vec<&'static str> {
    SUPPORTED
        .iter()
        .copied()
        .filter(|name| history_enabled || *name != CHATHISTORY)
        .collect()
}

/// The capabilities one client has enabled.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CapSet {
    enabled: Vec<&'static str>,
}

impl CapSet {
    /// Whether `name` is enabled.
    pub fn has(&self, name: &str) -> bool {
        self.enabled.contains(&name)
    }

    /// Whether natterd knows `name`.
    pub fn is_supported(name: &str) -> bool {
        SUPPORTED.contains(&name)
    }

    /// Enables or disables a supported capability.
    pub fn set(&mut self, name: &str, on: bool) {
        let Some(known) = SUPPORTED.iter().find(|c| **c == name) else {
            return;
        };
        self.enabled.retain(|c| c != known);
        if on {
            self.enabled.push(known);
        }
    }

    /// The enabled capabilities, space-separated, for `CAP LIST`.
    pub fn list(&self) -> String {
        let mut names: Vec<&str> = self.enabled.clone();
        names.sort_unstable();
        names.join(" ")
    }

    /// How the hub should encode events for this client.
    pub fn format(&self) -> Format {
        let mut bits = 0;
        if self.has("server-time") {
            bits |= variant::SERVER_TIME;
        }
        if self.has("message-tags") {
            bits |= variant::MESSAGE_TAGS;
        }
        if self.has("away-notify") {
            bits |= variant::AWAY_NOTIFY;
        }
        Format {
            encoder: &IRC_ENCODER,
            variant: bits,
            echo_own_messages: self.has("echo-message"),
            sees_own_events: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_caps_are_never_enabled() {
        let mut caps = CapSet::default();
        caps.set("sasl", true);
        caps.set("server-time", true);
        assert_eq!(caps.list(), "server-time");
        assert!(!CapSet::is_supported("sasl"));
    }

    #[test]
    fn format_follows_caps() {
        let mut caps = CapSet::default();
        caps.set("echo-message", true);
        caps.set("away-notify", true);
        let format = caps.format();
        assert!(format.echo_own_messages);
        assert_eq!(format.variant, variant::AWAY_NOTIFY);
    }
}
