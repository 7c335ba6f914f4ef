//! The `[history]` section of the server's config file.

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// How much a crash may lose, traded against write cost.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SyncMode {
    /// Messages are delivered at once and committed in batches: a `kill -9` or a
    /// power cut loses at most the last `commit_interval` of messages.
    #[default]
    Batched,
    /// Each message is committed (and synced to disk) before it is delivered,
    /// via [`History::record_durable`](super::History::record_durable).
    Full,
}

/// Settings for the history store and for what the server does with it.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct HistoryConfig {
    /// Whether messages are stored at all.
    pub enabled: bool,
    /// Batched commits (default) or a commit before each delivery.
    pub sync: SyncMode,
    /// In batched mode, how long a message may wait before it is committed:
    /// the most a `kill -9` or a power cut can lose.
    #[serde(with = "crate::config::duration")]
    pub commit_interval: Duration,
    /// How many messages may wait for the writer; when that many wait, senders
    /// wait for room (backpressure) instead of messages going unrecorded. It
    /// may be exceeded by the messages already seen room, at most one per
    /// worker thread.
    pub queue_capacity: usize,
    /// About how many bytes of messages may wait for the writer (text and
    /// bookkeeping); past it senders wait too. It may be exceeded by the
    /// messages already given room, at most one line per worker thread.
    pub queue_bytes: usize,
    /// How many recent messages a client gets when it joins a channel.
    pub replay_on_join: usize,
    /// The most messages one `CHATHISTORY` request returns (advertised in ISUPPORT).
    pub chathistory_limit: usize,
    /// Messages older than this are deleted; `None` keeps them forever.
    #[serde(with = "crate::config::duration_opt")]
    pub max_age: Option<Duration>,
    /// At most this many messages are kept per channel or private conversation.
    pub max_per_target: Option<usize>,
    /// How often the retention cleanup runs.
    #[serde(with = "crate::config::duration")]
    pub cleanup_interval: Duration,
    /// At shutdown, how long to keep retrying a failing disk before giving up
    /// on the messages not yet saved (they are counted in the log). Keep it
    /// well below the service manager's stop timeout (`TimeoutStopSec=`).
    #[serde(with = "crate::config::duration")]
    pub shutdown_timeout: Duration,
}

impl Default for HistoryConfig {
    fn default() -> HistoryConfig {
        HistoryConfig {
            enabled: true,
            sync: SyncMode::Batched,
            commit_interval: Duration::from_millis(200),
            queue_capacity: 100_000,
            queue_bytes: 64 << 20,
            replay_on_join: 50,
            chathistory_limit: 100,
            max_age: None,
            max_per_target: None,
            cleanup_interval: Duration::from_secs(3600),
            shutdown_timeout: Duration::from_secs(10),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_config_parses_units_and_defaults() {
        let config: HistoryConfig = toml::from_str(
            "sync = \"full\"\ncommit_interval = \"50ms\"\nmax_age = \"7d\"\nmax_per_target = 10\n",
        )
        .unwrap();
        assert_eq!(config.sync, SyncMode::Full);
        assert_eq!(config.commit_interval, Duration::from_millis(50));
        assert_eq!(config.max_age, Some(Duration::from_secs(7 * 86400)));
        assert_eq!(config.max_per_target, Some(10));
        assert_eq!(config.queue_capacity, 100_000);
        assert_eq!(config.queue_bytes, 64 << 20);
        assert_eq!(config.cleanup_interval, Duration::from_secs(3600));
        let empty: HistoryConfig = toml::from_str("").unwrap();
        assert_eq!(empty.sync, SyncMode::Batched);
        assert_eq!(empty.max_age, None);
    }

    #[test]
    fn history_config_rejects_unknown_keys_and_modes() {
        assert!(toml::from_str::<HistoryConfig>("sync = \"sometimes\"").is_err());
        assert!(toml::from_str::<HistoryConfig>("commit_intervall = 1").is_err());
    }
}
