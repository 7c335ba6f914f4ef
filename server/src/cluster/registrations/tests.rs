//! Unit tests of the registration logic that needs no NATS.

use super::pending::Pending;
use super::slot::{Slot, decode, encode, wanted};
use crate::channels::{ChannelRecord, Founder};

fn registered(account: &str, registered_ms: i64) -> ChannelRecord {
    ChannelRecord {
        name: "#reg".into(),
        flags: "nt".into(),
        founder: Some(Founder {
            account: account.into(),
            name: account.into(),
            registered_ms,
        }),
        operators: [account.to_string()].into(),
        ..ChannelRecord::default()
    }
}

#[test]
fn pending_keeps_the_latest_record_and_the_first_dropped_registration() {
    let mut pending = Pending {
        only_if_missing: true,
        ..Pending::default()
    };
    let first = registered("alice", 1);
    pending.change(None, Some(&first));
    assert_eq!(pending.record, Some(first.clone()));
    assert!(!pending.only_if_missing);
    let mut unregistered = first.clone();
    unregistered.founder = None;
    pending.change(Some(&first), Some(&unregistered));
    assert_eq!(pending.record, None);
    assert_eq!(pending.dropped, first.founder);
    // Registered again by bob: the drop of alice's stays to be written first.
    let second = registered("bob", 2);
    pending.change(Some(&unregistered), Some(&second));
    assert_eq!(pending.dropped, first.founder);
    assert_eq!(pending.record, Some(second));
}

#[test]
fn a_node_takes_newer_records_and_only_drops_of_its_own_registration() {
    let mine = registered("alice", 1);
    assert_eq!(
        wanted(Some(mine.clone()), Slot::Registered(Box::new(mine.clone()))),
        None
    );
    let mut keyed = mine.clone();
    keyed.key = Some("sesame".into());
    assert_eq!(
        wanted(
            Some(mine.clone()),
            Slot::Registered(Box::new(keyed.clone()))
        ),
        Some(Some(keyed))
    );
    let drop_of = |account: &str, registered_ms| Slot::Dropped {
        account: account.into(),
        registered_ms,
    };
    assert_eq!(wanted(Some(mine.clone()), drop_of("alice", 1)), Some(None));
    assert_eq!(wanted(Some(mine.clone()), drop_of("alice", 0)), None);
    assert_eq!(wanted(Some(mine), drop_of("bob", 1)), None);
    assert_eq!(wanted(None, drop_of("alice", 1)), None);
}

#[test]
fn slots_round_trip() {
    for slot in [
        Slot::Registered(Box::new(registered("alice", 1))),
        Slot::Dropped {
            account: "alice".into(),
            registered_ms: 1,
        },
    ] {
        let bytes = encode(&slot).unwrap_or_default();
        assert_eq!(decode(&bytes).ok(), Some(slot));
    }
}
