//! The `[discovery]` section: whether natterd announces itself on the LAN.

use serde::{Deserialize, Serialize};

/// The `[discovery]` table.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct DiscoveryConfig {
    /// Announce the server with DNS-SD over multicast DNS (`_irc._tcp` and
    /// `_ircs._tcp`) so `natter` finds it without an address.
    pub enabled: bool,
}

impl Default for DiscoveryConfig {
    fn default() -> Self {
        DiscoveryConfig { enabled: true }
    }
}
