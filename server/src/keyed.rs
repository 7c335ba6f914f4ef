//! The hasher of maps keyed by names users choose: the hub's clients,
//! nicknames and channels, and history's per-batch index of conversations.
//! foldhash, seeded from the operating system's randomness.
//!
//! Why not std's SipHash: a whisper looks up three or four keys under the
//! hub lock, and SipHash (`Hasher::write`, `hash_one`) was ~3% of its CPU;
//! foldhash hashes a short name in a few multiplications. Why seeded here:
//! names are chosen by users, so a map must not let anyone pick keys that
//! collide. foldhash's own `RandomState` seeds itself from addresses and the
//! time (its documentation promises no HashDoS resistance); each
//! [`KeyedState`] instead takes a per-map seed and a process-wide shared
//! seed from std's `RandomState`, whose keys come from the OS. Without the
//! seeds, colliding names cannot be computed in advance.

use foldhash::SharedSeed;
use foldhash::fast::{FoldHasher, SeedableRandomState};
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::OnceLock;

/// A hash map keyed by ids or names (see the module).
pub(crate) type KeyedMap<K, V> = HashMap<K, V, KeyedState>;

/// A randomly seeded foldhash builder (see the module); each one made by
/// `default()` has its own seed.
#[derive(Clone, Debug)]
pub(crate) struct KeyedState(SeedableRandomState);

/// A random 64-bit number from the OS's randomness (std seeds every
/// `RandomState`'s SipHash keys from it).
fn os_random() -> u64 {
    std::collections::hash_map::RandomState::new().hash_one(0u8)
}

impl Default for KeyedState {
    fn default() -> KeyedState {
        static SHARED: OnceLock<SharedSeed> = OnceLock::new();
        let shared = SHARED.get_or_init(|| SharedSeed::from_u64(os_random()));
        KeyedState(SeedableRandomState::with_seed(os_random(), shared))
    }
}

impl BuildHasher for KeyedState {
    type Hasher = FoldHasher<'static>;

    fn build_hasher(&self) -> FoldHasher<'static> {
        self.0.build_hasher()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_map_hashes_with_its_own_seed() {
        let (one, two) = (KeyedState::default(), KeyedState::default());
        let names = ["alice", "bob", "#rust", "carol", "dave"];
        assert!(
            names.iter().any(|n| one.hash_one(n) != two.hash_one(n)),
            "two maps hash every name alike"
        );
        assert_eq!(one.hash_one("alice"), one.clone().hash_one("alice"));
    }

    #[test]
    fn a_keyed_map_finds_what_it_holds() {
        let mut map: KeyedMap<String, u64> = KeyedMap::default();
        for n in 0..1000u64 {
            map.insert(format!("nick{n}"), n);
        }
        assert!((0..1000u64).all(|n| map.get(format!("nick{n}").as_str()) == Some(&n)));
        assert_eq!(map.get("nick1000"), None);
    }
}
