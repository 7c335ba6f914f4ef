//! Which plaintext connections `[tls] plaintext = "loopback-only"` lets in.
//!
//! "Loopback" is decided by both ends of the connection, not by the peer's
//! address class alone: a connection counts as local when the peer's address
//! is a loopback address *and* is the very address it connected to (127.0.0.1
//! to 127.0.0.1, ::1 to ::1, which is what local tools do by default). Every
//! address in 127.0.0.0/8 belongs to this host, so the address class alone
//! cannot tell a local tool from traffic relayed through another local
//! address (a proxy or tunnel bound to 127.0.0.2, say, carrying remote users);
//! such connections are refused, as is anything arriving over a network
//! interface, even from this host's own LAN address. A remote machine cannot
//! fake a loopback source: the kernel drops packets from the network that
//! claim one.

use super::config::PlaintextPolicy;
use std::net::SocketAddr;

/// Whether a plaintext connection from `peer`, accepted on `local`, may go on.
pub fn allows_plaintext(policy: PlaintextPolicy, peer: SocketAddr, local: SocketAddr) -> bool {
    match policy {
        PlaintextPolicy::On => true,
        PlaintextPolicy::Off => false,
        PlaintextPolicy::LoopbackOnly => is_local(peer, local),
    }
}

/// Whether a connection runs over loopback from the address it was made to.
pub fn is_local(peer: SocketAddr, local: SocketAddr) -> bool {
    let peer = peer.ip().to_canonical();
    peer.is_loopback() && peer == local.ip().to_canonical()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> SocketAddr {
        text.parse().unwrap()
    }

    #[test]
    fn same_loopback_address_at_both_ends_is_local() {
        assert!(is_local(at("127.0.0.1:40000"), at("127.0.0.1:6667")));
        assert!(is_local(at("[::1]:40000"), at("[::1]:6667")));
        assert!(is_local(
            at("[::ffff:127.0.0.1]:40000"),
            at("[::ffff:127.0.0.1]:6667")
        ));
    }

    #[test]
    fn other_loopback_source_or_network_address_is_not() {
        assert!(!is_local(at("127.0.0.2:40000"), at("127.0.0.1:6667")));
        assert!(!is_local(at("192.0.2.7:40000"), at("192.0.2.2:6667")));
        // This host's own LAN address at both ends: still not loopback.
        assert!(!is_local(at("192.0.2.2:40000"), at("192.0.2.2:6667")));
    }

    #[test]
    fn policy_on_and_off_ignore_addresses() {
        let remote = at("192.0.2.7:1");
        let local = at("127.0.0.1:6667");
        assert!(allows_plaintext(PlaintextPolicy::On, remote, local));
        assert!(!allows_plaintext(PlaintextPolicy::Off, local, local));
        assert!(!allows_plaintext(
            PlaintextPolicy::LoopbackOnly,
            remote,
            local
        ));
    }
}
