//! Opening the JetStream key-value buckets natterd uses, whoever comes first.
//!
//! The bucket's stream is created here with the key-value conventions
//! (`KV_<bucket>` capturing `$KV.<bucket>.>`, one value per key, rollups,
//! direct get) rather than by async-nats' `create_key_value`, which first
//! reads account information in a shape only nats-server 2.10 and later
//! send: this way Debian's nats-server (2.9) works too.

use super::ClusterError;
use super::subject::untoken;
use async_nats::jetstream::{self, kv, stream};
use futures::StreamExt;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::time::Duration;

/// One key of a watched bucket as it stands or as it changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Seen<T> {
    /// The name the key was made from ([`untoken`]).
    pub(crate) key: String,
    /// The bucket's revision of this change.
    pub(crate) revision: u64,
    /// The value; `None` when the key was deleted or purged.
    pub(crate) value: Option<T>,
}

/// Opens bucket `name`, creating it when no node has yet. `max_age` zero
/// keeps values until deleted. File storage, so a restarted NATS server
/// still has the cluster's state.
pub(crate) async fn open(
    jetstream: &jetstream::Context,
    name: &str,
    description: &str,
    max_age: Duration,
    replicas: usize,
) -> Result<kv::Store, ClusterError> {
    if let Ok(store) = jetstream.get_key_value(name).await {
        return Ok(store);
    }
    let config = stream::Config {
        name: format!("KV_{name}"),
        description: Some(description.to_string()),
        subjects: vec![format!("$KV.{name}.>")],
        max_messages_per_subject: 1,
        max_age,
        max_message_size: 64 * 1024,
        storage: stream::StorageType::File,
        num_replicas: replicas,
        allow_rollup: true,
        deny_delete: true,
        allow_direct: true,
        discard: stream::DiscardPolicy::New,
        ..stream::Config::default()
    };
    // Another node may create it between our two calls: then open theirs.
    let created = jetstream.create_stream(config).await;
    jetstream
        .get_key_value(name)
        .await
        .map_err(|error| match created {
            Err(create) => ClusterError::jetstream("creating a key-value bucket", create),
            Ok(_) => ClusterError::jetstream("opening a key-value bucket", error),
        })
}

/// Whether a failed compare-and-set update lost a race (someone else wrote
/// the key first) rather than failed for another reason.
pub(crate) fn lost_race(error: &kv::UpdateError) -> bool {
    error.kind() == kv::UpdateErrorKind::WrongLastRevision
}

/// Whether a failed create found the key already there.
pub(crate) fn exists(error: &kv::CreateError) -> bool {
    error.kind() == kv::CreateErrorKind::AlreadyExists
}

/// The current value of `key`, or `None` when it has none (never written,
/// deleted, purged: a delete marker is not a value).
pub(crate) async fn value(
    store: &kv::Store,
    key: &str,
) -> Result<Option<kv::Entry>, kv::EntryError> {
    Ok(store
        .entry(key)
        .await?
        .filter(|entry| entry.operation == kv::Operation::Put))
}

/// Every key `store` holds now, each once and sorted; `listing` says what
/// failed when the bucket cannot be read. The server's key listing may name
/// a key twice when it is written while the list is read (heartbeats are
/// written every few seconds; nats.go dedups its `Keys()` for the same
/// reason), so callers must not see the listing raw.
pub(crate) async fn keys(
    store: &kv::Store,
    listing: &'static str,
) -> Result<Vec<String>, ClusterError> {
    let mut listed = store
        .keys()
        .await
        .map_err(|error| ClusterError::jetstream(listing, error))?;
    let mut keys = Vec::new();
    while let Some(key) = listed.next().await {
        keys.push(key.map_err(|error| ClusterError::jetstream(listing, error))?);
    }
    Ok(distinct(keys))
}

/// `keys` sorted, each once.
fn distinct(mut keys: Vec<String>) -> Vec<String> {
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// `value` as the JSON every bucket stores; `what` names the kind of value
/// in the error.
pub(crate) fn encode<T: Serialize>(
    what: &'static str,
    value: &T,
) -> Result<bytes::Bytes, ClusterError> {
    serde_json::to_vec(value)
        .map(bytes::Bytes::from)
        .map_err(|error| corrupt(what, error))
}

/// A stored value read back; `what` names the kind of value in the error.
pub(crate) fn decode<T: DeserializeOwned>(
    what: &'static str,
    bytes: &[u8],
) -> Result<T, ClusterError> {
    serde_json::from_slice(bytes).map_err(|error| corrupt(what, error))
}

/// The current value of `key` decoded, with its revision for a following
/// compare-and-set; `None` when it has none. `reading` says what failed
/// when the bucket cannot be read, `what` names the kind of value.
pub(crate) async fn read<T: DeserializeOwned>(
    store: &kv::Store,
    key: &str,
    reading: &'static str,
    what: &'static str,
) -> Result<Option<(T, u64)>, ClusterError> {
    let entry = value(store, key)
        .await
        .map_err(|error| ClusterError::jetstream(reading, error))?;
    entry
        .map(|entry| decode(what, &entry.value).map(|found| (found, entry.revision)))
        .transpose()
}

/// Every key of `store` as it stands (its last value), then every change,
/// until the watch ends or fails; `watching` says what failed if it cannot
/// start. Values are decoded as `what`: an unreadable one is logged and
/// skipped, and so is a key no [`token`](super::subject::token) can be.
pub(crate) async fn watch<T: DeserializeOwned + Send>(
    store: &kv::Store,
    watching: &'static str,
    what: &'static str,
) -> Result<impl futures::Stream<Item = Seen<T>> + Send + use<T>, ClusterError> {
    let watch = store
        .watch_with_history(">")
        .await
        .map_err(|error| ClusterError::jetstream(watching, error))?;
    Ok(watch
        .take_while(|entry| std::future::ready(entry.is_ok()))
        .filter_map(move |entry| {
            std::future::ready(entry.ok().and_then(|entry| seen(entry, what)))
        }))
}

/// What a watched entry says, decoded (`None`: nothing usable).
fn seen<T: DeserializeOwned>(entry: kv::Entry, what: &'static str) -> Option<Seen<T>> {
    let key = untoken(&entry.key)?;
    let value = match entry.operation {
        kv::Operation::Put => match decode(what, &entry.value) {
            Ok(value) => Some(value),
            Err(error) => {
                tracing::warn!(%key, %error, "cluster: unreadable {what}");
                return None;
            }
        },
        kv::Operation::Delete | kv::Operation::Purge => None,
    };
    Some(Seen {
        key,
        revision: entry.revision,
        value,
    })
}

fn corrupt(what: &'static str, error: serde_json::Error) -> ClusterError {
    ClusterError::Corrupt {
        what,
        reason: error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::distinct;

    #[test]
    fn a_key_listed_twice_is_kept_once() {
        let listed = ["node-b", "node-a", "node-b", "node-c", "node-a"].map(String::from);
        assert_eq!(distinct(listed.to_vec()), ["node-a", "node-b", "node-c"]);
    }
}
