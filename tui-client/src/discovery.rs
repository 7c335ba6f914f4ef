//! Finding natterd on the LAN without an address: DNS-SD over multicast
//! DNS (the `mdns-sd` crate, no system daemon), browsing `_ircs._tcp` and
//! `_irc._tcp` for a short window. One server may announce both services;
//! they are merged into one [`Found`] per instance. Everything learned here
//! came from an unauthenticated network: it is cleaned before display, and
//! a fingerprint from a TXT record is shown, never trusted by itself.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use mdns_sd::{ServiceDaemon, ServiceEvent};
use natter_protocol::Fingerprint;
use natter_protocol::discovery::{
    IRC_SERVICE, IRCS_SERVICE, TXT_FINGERPRINT, TXT_NETWORK, TXT_SERVER, TXT_TLS_PORT,
};

use crate::cli::Target;

/// How long `natter` with no address looks for servers.
pub const WINDOW: Duration = Duration::from_secs(2);

/// One server found on the LAN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The DNS-SD instance name ("natter on lanbox").
    pub instance: String,
    /// The server's name from TXT, if given.
    pub server: Option<String>,
    /// The network name from TXT, if given.
    pub network: Option<String>,
    /// The host's mDNS name ("lanbox.local.").
    pub host: String,
    /// Its addresses, IPv4 first.
    pub addresses: Vec<IpAddr>,
    /// The plaintext port, if announced.
    pub plain_port: Option<u16>,
    /// The TLS port, if announced.
    pub tls_port: Option<u16>,
    /// The certificate fingerprint the server claims (unauthenticated).
    pub fingerprint: Option<Fingerprint>,
}

impl Found {
    /// Where to connect: TLS when it is offered, else plaintext; the first
    /// address (IPv4 preferred), so no mDNS name resolution is needed.
    pub fn target(&self) -> Option<Target> {
        let address = self.addresses.first()?;
        let (port, tls) = match (self.tls_port, self.plain_port) {
            (Some(port), _) => (port, true),
            (None, Some(port)) => (port, false),
            (None, None) => return None,
        };
        Some(Target {
            host: address.to_string(),
            port,
            tls,
        })
    }

    /// One line for a list: name, address, ports and fingerprint, cleaned of
    /// anything that could drive a terminal.
    pub fn describe(&self) -> String {
        let address = self
            .addresses
            .first()
            .map_or_else(|| "no address".to_owned(), IpAddr::to_string);
        let mut ports = Vec::new();
        if let Some(port) = self.tls_port {
            ports.push(format!("TLS {port}"));
        }
        if let Some(port) = self.plain_port {
            ports.push(format!("plaintext {port}"));
        }
        let mut line = format!("{}  {address}  {}", self.instance, ports.join(", "));
        if let Some(fingerprint) = self.fingerprint {
            line.push_str(&format!("  SHA-256 {fingerprint}"));
        }
        crate::text::clean(&line)
    }

    fn merge(&mut self, service: &mdns_sd::ResolvedService) {
        let text = |key: &str| {
            service.get_property_val_str(key).map(|value| {
                crate::text::clean(value)
                    .chars()
                    .take(100)
                    .collect::<String>()
            })
        };
        self.server = self.server.take().or_else(|| text(TXT_SERVER));
        self.network = self.network.take().or_else(|| text(TXT_NETWORK));
        self.host = crate::text::clean(&service.host);
        let tls_from_txt = text(TXT_TLS_PORT).and_then(|port| port.parse().ok());
        if service.ty_domain == IRCS_SERVICE {
            self.tls_port = Some(service.port);
            self.fingerprint = text(TXT_FINGERPRINT).and_then(|hex| hex.parse().ok());
        } else {
            self.plain_port = Some(service.port);
            self.tls_port = self.tls_port.or(tls_from_txt);
        }
        for address in &service.addresses {
            let address = address.to_ip_addr();
            if !self.addresses.contains(&address) {
                self.addresses.push(address);
            }
        }
        self.addresses
            .sort_by_key(|address| (address.is_ipv6(), *address));
    }
}

/// Looks for natter servers for `window`; the list is sorted by name.
pub fn discover(window: Duration) -> Result<Vec<Found>, String> {
    let daemon = ServiceDaemon::new()
        .map_err(|error| format!("cannot look for servers on the LAN (mDNS): {error}"))?;
    let mut receivers = Vec::new();
    for service in [IRCS_SERVICE, IRC_SERVICE] {
        let receiver = daemon
            .browse(service)
            .map_err(|error| format!("cannot look for servers on the LAN (mDNS): {error}"))?;
        receivers.push(receiver);
    }
    let mut found: BTreeMap<String, Found> = BTreeMap::new();
    let deadline = Instant::now() + window;
    while Instant::now() < deadline {
        let mut idle = true;
        for receiver in &receivers {
            while let Ok(event) = receiver.try_recv() {
                idle = false;
                if let ServiceEvent::ServiceResolved(service) = event {
                    let instance = instance_name(&service.fullname, &service.ty_domain);
                    found
                        .entry(instance.clone())
                        .or_insert_with(|| Found {
                            instance,
                            server: None,
                            network: None,
                            host: String::new(),
                            addresses: Vec::new(),
                            plain_port: None,
                            tls_port: None,
                            fingerprint: None,
                        })
                        .merge(&service);
                }
            }
        }
        if idle {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    if let Ok(done) = daemon.shutdown() {
        let _ = done.recv_timeout(Duration::from_secs(1));
    }
    Ok(found
        .into_values()
        .filter(|found| found.target().is_some())
        .collect())
}

/// `natter on lanbox` from `natter on lanbox._ircs._tcp.local.`, cleaned.
fn instance_name(fullname: &str, service_type: &str) -> String {
    let name = fullname
        .strip_suffix(service_type)
        .and_then(|name| name.strip_suffix('.'))
        .unwrap_or(fullname);
    crate::text::clean(&name.replace("\\.", ".").replace("\\\\", "\\"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found() -> Found {
        Found {
            instance: "natter on lanbox".into(),
            server: Some("natter.local".into()),
            network: Some("natter".into()),
            host: "lanbox.local.".into(),
            addresses: vec!["192.168.1.5".parse().unwrap_or_else(|_| unreachable!())],
            plain_port: Some(6667),
            tls_port: Some(6697),
            fingerprint: Some(Fingerprint::of_der(b"cert")),
        }
    }

    #[test]
    fn tls_is_preferred_and_plaintext_is_the_fallback() {
        let mut server = found();
        let target = server.target();
        assert_eq!(
            target,
            Some(Target {
                host: "192.168.1.5".into(),
                port: 6697,
                tls: true
            })
        );
        server.tls_port = None;
        assert_eq!(
            server.target().map(|t| (t.port, t.tls)),
            Some((6667, false))
        );
        server.plain_port = None;
        assert_eq!(server.target(), None);
    }

    #[test]
    fn descriptions_are_clean_and_complete() {
        let mut server = found();
        server.instance = "evil\u{1b}[2J name".into();
        let line = server.describe();
        assert!(!line.contains('\u{1b}'), "{line}");
        assert!(line.contains("192.168.1.5"), "{line}");
        assert!(line.contains("TLS 6697, plaintext 6667"), "{line}");
        assert!(
            line.contains(&Fingerprint::of_der(b"cert").to_string()),
            "{line}"
        );
    }

    #[test]
    fn instance_names_lose_their_service_type() {
        assert_eq!(
            instance_name("natter on lanbox._ircs._tcp.local.", IRCS_SERVICE),
            "natter on lanbox"
        );
        assert_eq!(instance_name("a\\.b._irc._tcp.local.", IRC_SERVICE), "a.b");
    }
}
