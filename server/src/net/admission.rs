//! Who may take a connection slot: the total and per-address caps, with a
//! smaller, separate cap on connections that have not registered yet.
//!
//! Connections that never register are the cheapest attack on a chat server:
//! they cost the attacker nothing and hold a slot for the whole registration
//! timeout. So unregistered connections have their own, smaller caps (in total
//! and per address), and the registration timeout shrinks as the server fills.
//! Addresses are grouped: an IPv4 address is its own group, an IPv6 address
//! counts with its whole /64 (configurable), which one host can rotate through.

use crate::config::LimitsConfig;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// The addresses counted together: one IPv4 address or one IPv6 prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AddressGroup(IpAddr);

impl AddressGroup {
    /// The group of `ip`: IPv4 (also IPv4-mapped IPv6) as is, IPv6 cut to `ipv6_prefix` bits.
    pub fn of(ip: IpAddr, ipv6_prefix: u8) -> AddressGroup {
        match ip.to_canonical() {
            IpAddr::V4(v4) => AddressGroup(IpAddr::V4(v4)),
            IpAddr::V6(v6) => {
                let bits = u32::from(ipv6_prefix.min(128));
                let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
                AddressGroup(IpAddr::V6(Ipv6Addr::from(u128::from(v6) & mask)))
            }
        }
    }
}

/// Why a connection was not admitted; the text is what the client is told.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// Every slot is taken.
    #[error("Server is full ({0} clients); try again later")]
    Full(usize),
    /// Too many connections from this address (or IPv6 prefix).
    #[error("Too many connections from your address (limit {0})")]
    PerAddress(usize),
    /// Too many connections are still registering.
    #[error("Too many connections are still registering; try again in a moment")]
    Unregistered,
    /// Too many connections from this address are still registering.
    #[error("Too many unregistered connections from your address (limit {0})")]
    UnregisteredPerAddress(usize),
}

impl Refusal {
    /// A short fixed label for metrics.
    pub fn label(&self) -> &'static str {
        match self {
            Refusal::Full(_) => "full",
            Refusal::PerAddress(_) => "per_address",
            Refusal::Unregistered => "unregistered",
            Refusal::UnregisteredPerAddress(_) => "unregistered_per_address",
        }
    }
}

#[derive(Debug, Default, Clone, Copy)]
struct Count {
    total: usize,
    unregistered: usize,
}

#[derive(Debug, Default)]
struct Counts {
    all: Count,
    groups: HashMap<AddressGroup, Count>,
}

/// The connection counts and the limits they are held to.
#[derive(Debug)]
pub struct Admission {
    max_clients: usize,
    max_per_address: usize,
    max_unregistered: usize,
    max_unregistered_per_address: usize,
    ipv6_prefix: u8,
    registration_timeout: Duration,
    registration_timeout_min: Duration,
    counts: Mutex<Counts>,
}

/// One admitted connection's place in the counts, given back when dropped.
#[derive(Debug)]
pub struct Slot {
    admission: Arc<Admission>,
    group: AddressGroup,
    registered: bool,
}

impl Admission {
    /// Counts held to the `[limits]` table.
    pub fn new(limits: &LimitsConfig) -> Admission {
        Admission {
            max_clients: limits.max_clients,
            max_per_address: limits.max_clients_per_ip,
            max_unregistered: limits.max_unregistered,
            max_unregistered_per_address: limits.max_unregistered_per_ip,
            ipv6_prefix: limits.ipv6_prefix_length,
            registration_timeout: limits.registration_timeout,
            registration_timeout_min: limits.registration_timeout_min,
            counts: Mutex::new(Counts::default()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Counts> {
        self.counts.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes a slot for a new (unregistered) connection from `ip`, or says why not.
    pub fn try_admit(admission: &Arc<Admission>, ip: IpAddr) -> Result<Slot, Refusal> {
        let group = AddressGroup::of(ip, admission.ipv6_prefix);
        let mut counts = admission.lock();
        let here = counts.groups.get(&group).copied().unwrap_or_default();
        if counts.all.total >= admission.max_clients {
            return Err(Refusal::Full(admission.max_clients));
        }
        if here.total >= admission.max_per_address {
            return Err(Refusal::PerAddress(admission.max_per_address));
        }
        if counts.all.unregistered >= admission.max_unregistered {
            return Err(Refusal::Unregistered);
        }
        if here.unregistered >= admission.max_unregistered_per_address {
            return Err(Refusal::UnregisteredPerAddress(
                admission.max_unregistered_per_address,
            ));
        }
        counts.all.total += 1;
        counts.all.unregistered += 1;
        let entry = counts.groups.entry(group).or_default();
        entry.total += 1;
        entry.unregistered += 1;
        Ok(Slot {
            admission: admission.clone(),
            group,
            registered: false,
        })
    }

    /// Connections that have not registered yet (LUSERS 253).
    pub fn unregistered(&self) -> usize {
        self.lock().all.unregistered
    }

    /// Connections open now.
    pub fn connections(&self) -> usize {
        self.lock().all.total
    }

    /// How long a new or registering connection may take now: the configured
    /// timeout while the server is at most half full (in connections, or in
    /// unregistered ones), then shrinking linearly to the minimum when full.
    pub fn registration_timeout(&self) -> Duration {
        let counts = self.lock();
        let fill = |used: usize, max: usize| used as f64 / max.max(1) as f64;
        let load = fill(counts.all.total, self.max_clients)
            .max(fill(counts.all.unregistered, self.max_unregistered));
        drop(counts);
        shrink(
            self.registration_timeout,
            self.registration_timeout_min,
            load,
        )
    }
}

/// `full` until `load` reaches one half, then linearly down to `min` at a load of 1.
fn shrink(full: Duration, min: Duration, load: f64) -> Duration {
    if load <= 0.5 || full <= min {
        return full;
    }
    let left = ((1.0 - load) * 2.0).clamp(0.0, 1.0);
    min + (full - min).mul_f64(left)
}

impl Slot {
    /// The connection registered: it no longer counts against the unregistered caps.
    pub fn mark_registered(&mut self) {
        if self.registered {
            return;
        }
        self.registered = true;
        let mut counts = self.admission.lock();
        counts.all.unregistered -= 1;
        if let Some(count) = counts.groups.get_mut(&self.group) {
            count.unregistered -= 1;
        }
    }

    /// Whether [`Slot::mark_registered`] was called.
    pub fn is_registered(&self) -> bool {
        self.registered
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut counts = self.admission.lock();
        counts.all.total -= 1;
        if !self.registered {
            counts.all.unregistered -= 1;
        }
        let registered = self.registered;
        if let Some(count) = counts.groups.get_mut(&self.group) {
            count.total -= 1;
            if !registered {
                count.unregistered -= 1;
            }
            if count.total == 0 {
                counts.groups.remove(&self.group);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> LimitsConfig {
        LimitsConfig {
            max_clients: 10,
            max_clients_per_ip: 4,
            max_unregistered: 6,
            max_unregistered_per_ip: 2,
            ..LimitsConfig::default()
        }
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap_or_else(|_| panic!("{text}"))
    }

    #[test]
    fn ipv6_addresses_count_by_their_prefix() {
        assert_eq!(
            AddressGroup::of(ip("2001:db8:1:2:aaaa::1"), 64),
            AddressGroup::of(ip("2001:db8:1:2:ffff::9"), 64)
        );
        assert_ne!(
            AddressGroup::of(ip("2001:db8:1:2::1"), 64),
            AddressGroup::of(ip("2001:db8:1:3::1"), 64)
        );
        assert_ne!(
            AddressGroup::of(ip("2001:db8:1:2::1"), 128),
            AddressGroup::of(ip("2001:db8:1:2::2"), 128)
        );
        assert_eq!(
            AddressGroup::of(ip("::ffff:10.0.0.1"), 64),
            AddressGroup::of(ip("10.0.0.1"), 64)
        );
        assert_eq!(
            AddressGroup::of(ip("2001:db8::1"), 0),
            AddressGroup::of(ip("fe80::1"), 0)
        );
    }

    #[test]
    fn unregistered_connections_have_their_own_smaller_caps() {
        let admission = Arc::new(Admission::new(&limits()));
        let mut slots = Vec::new();
        for _ in 0..2 {
            slots.push(Admission::try_admit(&admission, ip("10.0.0.1")).unwrap());
        }
        assert_eq!(
            Admission::try_admit(&admission, ip("10.0.0.1")).unwrap_err(),
            Refusal::UnregisteredPerAddress(2)
        );
        // Registering gives the unregistered place back, but not the slot.
        slots[0].mark_registered();
        slots[1].mark_registered();
        slots.push(Admission::try_admit(&admission, ip("10.0.0.1")).unwrap());
        slots.push(Admission::try_admit(&admission, ip("10.0.0.1")).unwrap());
        assert_eq!(
            Admission::try_admit(&admission, ip("10.0.0.1")).unwrap_err(),
            Refusal::PerAddress(4)
        );
        for n in 2..6 {
            slots.push(Admission::try_admit(&admission, ip(&format!("10.0.0.{n}"))).unwrap());
        }
        assert_eq!(admission.unregistered(), 6);
        assert_eq!(
            Admission::try_admit(&admission, ip("10.0.0.9")).unwrap_err(),
            Refusal::Unregistered
        );
        drop(slots);
        assert_eq!(admission.connections(), 0);
        assert_eq!(admission.unregistered(), 0);
    }

    #[test]
    fn registration_timeout_shrinks_as_the_server_fills() {
        let full = Duration::from_secs(60);
        let min = Duration::from_secs(10);
        assert_eq!(shrink(full, min, 0.0), full);
        assert_eq!(shrink(full, min, 0.5), full);
        assert_eq!(shrink(full, min, 0.75), Duration::from_secs(35));
        assert_eq!(shrink(full, min, 1.0), min);
        let admission = Arc::new(Admission::new(&LimitsConfig {
            registration_timeout: full,
            registration_timeout_min: min,
            ..limits()
        }));
        let _slots: Vec<Slot> = (1..=6)
            .map(|n| Admission::try_admit(&admission, ip(&format!("10.0.1.{n}"))).unwrap())
            .collect();
        assert_eq!(admission.registration_timeout(), min);
    }
}
