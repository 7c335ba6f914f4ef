//! What one key of the registration bucket holds, how a slot is written as
//! JSON, and which of the bucket's slots this node takes.

use crate::channels::{ChannelRecord, Founder};
use crate::cluster::{ClusterError, bucket};
use serde::{Deserialize, Serialize};

/// What one key of the bucket holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Slot {
    /// A registered channel's record.
    Registered(Box<ChannelRecord>),
    /// Its registration was dropped.
    Dropped {
        /// The founder's account (folded).
        account: String,
        /// When that registration was made, in Unix milliseconds.
        registered_ms: i64,
    },
}

/// Whether two founders are the same registration.
pub(super) fn same(a: &Founder, b: &Founder) -> bool {
    a.account == b.account && a.registered_ms == b.registered_ms
}

/// What this node should take for a channel it holds as `local` when the
/// bucket says `slot` (`None`: nothing to do; `Some(None)`: unregistered).
pub fn wanted(local: Option<ChannelRecord>, slot: Slot) -> Option<Option<ChannelRecord>> {
    match slot {
        Slot::Registered(record) => (local.as_ref() != Some(&*record)).then_some(Some(*record)),
        Slot::Dropped {
            account,
            registered_ms,
        } => {
            let founder = local.as_ref().and_then(|record| record.founder.as_ref())?;
            (founder.account == account && founder.registered_ms == registered_ms).then_some(None)
        }
    }
}

pub(super) fn encode(slot: &Slot) -> Result<bytes::Bytes, ClusterError> {
    bucket::encode("channel registration", slot)
}

#[cfg(test)]
pub(super) fn decode(bytes: &[u8]) -> Result<Slot, ClusterError> {
    bucket::decode("channel registration", bytes)
}
