//! IRCv3 capabilities natterd offers, and the set one client has enabled.

use super::encode::{IRC_ENCODER, variant};
use crate::hub::client::Format;

/// Every capability natterd supports, in the order `CAP LS` lists them.
pub const SUPPORTED: [&str; 16] = [
    "account-notify",
    "account-tag",
    "away-notify",
    "batch",
    "cap-notify",
    ACCOUNT_REGISTRATION,
    CHATHISTORY,
    "echo-message",
    "extended-join",
    "labeled-response",
    "message-tags",
    "multi-prefix",
    SASL,
    "server-time",
    ACCOUNT_REQUIRED,
    "userhost-in-names",
];

/// The history capability: only offered when history is enabled.
pub const CHATHISTORY: &str = "draft/chathistory";
/// SASL: offered when accounts exist (they live in the history database).
pub const SASL: &str = "sasl";
/// IRCv3 account registration: offered when accounts exist and registration is on.
pub const ACCOUNT_REGISTRATION: &str = "draft/account-registration";
/// Informational (soju.im/account-required): offered when `[accounts]
/// require` is on, to say that registration needs a login; never enabled.
pub const ACCOUNT_REQUIRED: &str = "soju.im/account-required";
/// The SASL mechanisms natterd supports (the `sasl` value and 908).
pub const SASL_MECHANISMS: &str = "PLAIN,EXTERNAL";

/// What this server offers, given whether it keeps history and accounts and
/// whether registration is open.
#[derive(Debug, Clone, Copy)]
pub struct Offer {
    /// History is on.
    pub history: bool,
    /// Accounts are available (they need the history database).
    pub accounts: bool,
    /// Anyone may register.
    pub registration: bool,
    /// Nobody gets in without logging in (`[accounts] require`).
    pub account_required: bool,
    /// REGISTER is accepted before connection registration completes
    /// (`[accounts] register_before_connect`).
    pub before_connect: bool,
}

/// The capabilities this server offers: [`SUPPORTED`] less what is off.
pub fn offered(offer: Offer) -> Vec<&'static str> {
    SUPPORTED
        .iter()
        .copied()
        .filter(|name| match *name {
            CHATHISTORY => offer.history,
            SASL => offer.accounts,
            ACCOUNT_REGISTRATION => offer.accounts && offer.registration,
            ACCOUNT_REQUIRED => offer.accounts && offer.account_required,
            _ => true,
        })
        .collect()
}

/// Whether `name` is informational: listed, but a `CAP REQ` for it is refused.
pub fn informational(name: &str) -> bool {
    name == ACCOUNT_REQUIRED
}

/// The value shown after a capability's name in `CAP LS 302`, if any.
pub fn value(name: &str, offer: Offer) -> Option<&'static str> {
    match name {
        SASL => Some(SASL_MECHANISMS),
        ACCOUNT_REGISTRATION if offer.before_connect => Some("before-connect,custom-account-name"),
        ACCOUNT_REGISTRATION => Some("custom-account-name"),
        _ => None,
    }
}

/// The capabilities one client has enabled: one bit per entry of
/// [`SUPPORTED`], so a connection holds four bytes here rather than a list
/// (a client enabling a dozen capabilities kept a 256-byte one).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CapSet {
    enabled: u32,
}

// One bit each: a capability past the 32nd needs a wider set.
const _: () = assert!(SUPPORTED.len() <= 32);

/// The bit of a supported capability.
fn bit(name: &str) -> Option<u32> {
    SUPPORTED
        .iter()
        .position(|known| *known == name)
        .map(|index| 1 << index)
}

impl CapSet {
    /// Whether `name` is enabled.
    pub fn has(&self, name: &str) -> bool {
        bit(name).is_some_and(|bit| self.enabled & bit != 0)
    }

    /// Whether natterd knows `name`.
    pub fn is_supported(name: &str) -> bool {
        SUPPORTED.contains(&name)
    }

    /// Enables or disables a supported capability.
    pub fn set(&mut self, name: &str, on: bool) {
        let Some(bit) = bit(name) else {
            return;
        };
        if on {
            self.enabled |= bit;
        } else {
            self.enabled &= !bit;
        }
    }

    /// The enabled capabilities, space-separated, for `CAP LIST`.
    pub fn list(&self) -> String {
        let mut names: Vec<&str> = SUPPORTED
            .iter()
            .copied()
            .filter(|name| self.has(name))
            .collect();
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
        if self.has("account-tag") {
            bits |= variant::ACCOUNT_TAG;
        }
        if self.has("account-notify") {
            bits |= variant::ACCOUNT_NOTIFY;
        }
        if self.has("extended-join") {
            bits |= variant::EXTENDED_JOIN;
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
        caps.set("draft/unknown", true);
        caps.set("server-time", true);
        assert_eq!(caps.list(), "server-time");
        assert!(!CapSet::is_supported("draft/unknown"));
    }

    #[test]
    fn caps_are_enabled_and_disabled_one_by_one_in_a_few_bytes() {
        let mut caps = CapSet::default();
        for name in SUPPORTED {
            caps.set(name, true);
        }
        caps.set("batch", false);
        caps.set("server-time", false);
        caps.set("server-time", false);
        assert!(caps.has("message-tags") && !caps.has("batch") && !caps.has("server-time"));
        let list = caps.list();
        let listed: Vec<&str> = list.split(' ').collect();
        assert_eq!(listed.len(), SUPPORTED.len() - 2);
        assert!(listed.is_sorted(), "{listed:?}");
        assert!(!caps.has("draft/unknown"));
        assert!(std::mem::size_of::<CapSet>() <= 4);
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
