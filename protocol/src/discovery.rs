//! The DNS-SD contract between natterd, which announces itself on the LAN,
//! and clients that look for it: service types and TXT record keys.

/// DNS-SD service type of IRC in clear (RFC 6335 registry name `irc`).
pub const IRC_SERVICE: &str = "_irc._tcp.local.";
/// DNS-SD service type of IRC over TLS (registry name `ircs`).
pub const IRCS_SERVICE: &str = "_ircs._tcp.local.";
/// TXT key: the server's name (as in its IRC replies).
pub const TXT_SERVER: &str = "server";
/// TXT key: the network name (005 `NETWORK=`).
pub const TXT_NETWORK: &str = "network";
/// TXT key: the TLS port, on both services (where to upgrade to).
pub const TXT_TLS_PORT: &str = "tls";
/// TXT key: SHA-256 of the TLS certificate, 64 hex digits. mDNS is not
/// authenticated: a client shows it, it never trusts it by itself.
pub const TXT_FINGERPRINT: &str = "fp-sha256";
