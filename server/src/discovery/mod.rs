//! LAN discovery: natterd announces itself with DNS-SD over multicast DNS
//! (RFC 6762/6763, the `mdns-sd` crate: no system daemon needed) as
//! `_irc._tcp` (plaintext port) and `_ircs._tcp` (TLS port). The TXT
//! records carry the server and network names, the TLS port, and the TLS
//! certificate's SHA-256 fingerprint. mDNS is not authenticated, so clients
//! still ask the user before trusting a certificate learned this way.
//!
//! The announcement is withdrawn (a DNS-SD goodbye) when natterd stops.

pub mod config;

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use mdns_sd::{ServiceDaemon, ServiceInfo};
use natter_protocol::Fingerprint;

pub use config::DiscoveryConfig;

pub use natter_protocol::discovery::{
    IRC_SERVICE, IRCS_SERVICE, TXT_FINGERPRINT, TXT_NETWORK, TXT_SERVER, TXT_TLS_PORT,
};

/// Why the announcement could not start.
#[derive(Debug, thiserror::Error)]
#[error("LAN discovery (mDNS) could not start: {0}")]
pub struct DiscoveryError(String);

/// What to announce.
#[derive(Debug, Clone)]
pub struct Announcement {
    /// The server's name (`[server] name`).
    pub server: String,
    /// The network name (`[server] network`).
    pub network: String,
    /// This host's name, without `.local`.
    pub host: String,
    /// The plaintext listener, if plaintext is served.
    pub plain: Option<SocketAddr>,
    /// The TLS listener and its certificate's fingerprint.
    pub tls: Option<(SocketAddr, Fingerprint)>,
}

/// A running announcement; dropping it (or [`Announcer::stop`]) says goodbye.
pub struct Announcer {
    daemon: ServiceDaemon,
    fullnames: Vec<String>,
}

impl std::fmt::Debug for Announcer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Announcer")
            .field("fullnames", &self.fullnames)
            .finish_non_exhaustive()
    }
}

impl Announcement {
    /// The DNS-SD instance name: unique per host, readable in a picker.
    pub fn instance(&self) -> String {
        format!("{} on {}", self.network, self.host)
    }

    fn properties(&self, fingerprint: bool) -> HashMap<String, String> {
        let mut properties = HashMap::new();
        properties.insert(TXT_SERVER.to_owned(), self.server.clone());
        properties.insert(TXT_NETWORK.to_owned(), self.network.clone());
        if let Some((address, print)) = &self.tls {
            properties.insert(TXT_TLS_PORT.to_owned(), address.port().to_string());
            if fingerprint {
                properties.insert(TXT_FINGERPRINT.to_owned(), print.hex());
            }
        }
        properties
    }

    /// One DNS-SD service for the listener at `address`: its own address
    /// when it is bound to one, every interface's when it is a wildcard.
    fn service(
        &self,
        service_type: &str,
        address: SocketAddr,
        fingerprint: bool,
    ) -> Result<ServiceInfo, DiscoveryError> {
        let host = format!("{}.local.", self.host);
        let ips: Vec<IpAddr> = if address.ip().is_unspecified() {
            Vec::new()
        } else {
            vec![address.ip()]
        };
        let info = ServiceInfo::new(
            service_type,
            &self.instance(),
            &host,
            &ips[..],
            address.port(),
            self.properties(fingerprint),
        )
        .map_err(|error| DiscoveryError(error.to_string()))?;
        Ok(if ips.is_empty() {
            info.enable_addr_auto()
        } else {
            info
        })
    }
}

impl Announcer {
    /// Starts announcing `announcement` on every interface with multicast.
    pub fn start(announcement: &Announcement) -> Result<Announcer, DiscoveryError> {
        let daemon = ServiceDaemon::new().map_err(|error| DiscoveryError(error.to_string()))?;
        let mut services = Vec::new();
        if let Some(plain) = announcement.plain {
            services.push(announcement.service(IRC_SERVICE, plain, false)?);
        }
        if let Some((tls, _)) = announcement.tls {
            services.push(announcement.service(IRCS_SERVICE, tls, true)?);
        }
        let mut fullnames = Vec::new();
        for service in services {
            fullnames.push(service.get_fullname().to_owned());
            daemon
                .register(service)
                .map_err(|error| DiscoveryError(error.to_string()))?;
        }
        Ok(Announcer { daemon, fullnames })
    }

    /// The DNS-SD names announced (`INSTANCE._irc._tcp.local.`, ...).
    pub fn fullnames(&self) -> &[String] {
        &self.fullnames
    }

    /// Withdraws the announcement (goodbye packets) and stops the daemon,
    /// waiting up to a second for the goodbyes to go out.
    pub fn stop(mut self) {
        self.withdraw();
    }

    fn withdraw(&mut self) {
        for fullname in std::mem::take(&mut self.fullnames) {
            if let Ok(done) = self.daemon.unregister(&fullname) {
                let _ = done.recv_timeout(Duration::from_secs(1));
            }
        }
        if let Ok(done) = self.daemon.shutdown() {
            let _ = done.recv_timeout(Duration::from_secs(1));
        }
    }
}

impl Drop for Announcer {
    fn drop(&mut self) {
        if !self.fullnames.is_empty() {
            self.withdraw();
        }
    }
}

/// This host's name as mDNS wants it: letters, digits and `-` only.
pub fn local_host_name() -> String {
    let name = gethostname::gethostname().to_string_lossy().into_owned();
    let first = name.split('.').next().unwrap_or("");
    let clean: String = first
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let clean = clean.trim_matches('-');
    if clean.is_empty() {
        "natterd".to_owned()
    } else {
        clean.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn announcement() -> Announcement {
        Announcement {
            server: "natter.local".into(),
            network: "natter".into(),
            host: "lanbox".into(),
            plain: Some("0.0.0.0:6667".parse().unwrap_or_else(|_| unreachable!())),
            tls: Some((
                "192.168.1.5:6697"
                    .parse()
                    .unwrap_or_else(|_| unreachable!()),
                Fingerprint::of_der(b"cert"),
            )),
        }
    }

    #[test]
    fn txt_records_name_the_server_the_tls_port_and_the_fingerprint() {
        let announcement = announcement();
        let plain = announcement.properties(false);
        assert_eq!(
            plain.get(TXT_SERVER).map(String::as_str),
            Some("natter.local")
        );
        assert_eq!(plain.get(TXT_NETWORK).map(String::as_str), Some("natter"));
        assert_eq!(plain.get(TXT_TLS_PORT).map(String::as_str), Some("6697"));
        assert_eq!(plain.get(TXT_FINGERPRINT), None);
        let tls = announcement.properties(true);
        let hex = Fingerprint::of_der(b"cert").hex();
        assert_eq!(tls.get(TXT_FINGERPRINT), Some(&hex));
    }

    #[test]
    fn wildcard_binds_announce_every_interface_and_fixed_ones_their_address() {
        let announcement = announcement();
        let plain = announcement
            .service(
                IRC_SERVICE,
                "0.0.0.0:6667".parse().unwrap_or_else(|_| unreachable!()),
                false,
            )
            .unwrap_or_else(|error| panic!("{error}"));
        assert!(plain.is_addr_auto());
        assert_eq!(plain.get_fullname(), "natter on lanbox._irc._tcp.local.");
        assert_eq!(plain.get_hostname(), "lanbox.local.");
        let tls = announcement
            .service(
                IRCS_SERVICE,
                "192.168.1.5:6697"
                    .parse()
                    .unwrap_or_else(|_| unreachable!()),
                true,
            )
            .unwrap_or_else(|error| panic!("{error}"));
        assert!(!tls.is_addr_auto());
        assert_eq!(tls.get_port(), 6697);
    }

    #[test]
    fn host_names_are_made_mdns_safe() {
        let name = local_host_name();
        assert!(!name.is_empty());
        assert!(
            name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'),
            "{name}"
        );
    }
}
