//! The `[limits]` table: every bound the server enforces, its defaults, and
//! the checks its values must pass.

use super::duration;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The `[limits]` table: every bound the server enforces.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsConfig {
    /// Connections allowed at once; more are refused with an `ERROR` line.
    pub max_clients: usize,
    /// Connections allowed at once from one IP address (an IPv6 address
    /// counts with its whole prefix, see `ipv6_prefix_length`).
    pub max_clients_per_ip: usize,
    /// Connections that have not registered yet allowed at once; more are
    /// refused, so idle connections cannot take every slot.
    pub max_unregistered: usize,
    /// Unregistered connections allowed at once from one IP address (or IPv6 prefix).
    pub max_unregistered_per_ip: usize,
    /// IPv6 addresses sharing this many leading bits count as one address for
    /// the per-address limits (a host usually owns a whole /64).
    pub ipv6_prefix_length: u8,
    /// Longest line a client may send, in bytes, CRLF included, tags excluded (IRC's 512).
    pub line_length: usize,
    /// Longest tag section a line may carry, in bytes (IRCv3's 8191, which
    /// includes tags the server adds). Client-sent tag data is further held to
    /// IRCv3's 4094 bytes, so values above 4096 only matter for framing.
    pub tags_length: usize,
    /// Bytes that may wait in one client's outbound queue before it is dropped (`SendQ exceeded`).
    pub sendq_bytes: usize,
    /// Bytes of received lines that may wait behind flood control; more
    /// disconnects with `ERROR :Excess Flood`.
    pub recvq_bytes: usize,
    /// How long a connection may take to register (choose a nickname) while
    /// the server is at most half full.
    #[serde(with = "duration")]
    pub registration_timeout: Duration,
    /// The registration timeout when the server (or its unregistered share) is
    /// full; between half full and full it shrinks linearly to this.
    #[serde(with = "duration")]
    pub registration_timeout_min: Duration,
    /// Silence after which the server sends IRC clients a `PING`.
    #[serde(with = "duration")]
    pub ping_interval: Duration,
    /// How long an unanswered `PING` may wait before `ERROR :Ping timeout`.
    #[serde(with = "duration")]
    pub ping_timeout: Duration,
    /// Lines a client may send at once before flood control delays it.
    pub flood_burst: u32,
    /// Lines per second a client may send once its burst is spent.
    pub flood_rate: f64,
    /// Lines that may wait behind flood control; one more disconnects with `ERROR :Excess Flood`.
    pub flood_max_queued: usize,
    /// Longest nickname, in characters.
    pub nick_length: usize,
    /// Longest channel name, in bytes.
    pub channel_length: usize,
    /// Longest topic, in bytes.
    pub topic_length: usize,
    /// Longest away message, in bytes.
    pub away_length: usize,
    /// Longest kick reason, in bytes.
    pub kick_length: usize,
    /// Channels one client may be in at once.
    pub max_channels_per_client: usize,
    /// Targets one PRIVMSG/NOTICE may name.
    pub max_targets: usize,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            max_clients: 1024,
            max_clients_per_ip: 32,
            max_unregistered: 512,
            max_unregistered_per_ip: 8,
            ipv6_prefix_length: 64,
            line_length: 512,
            tags_length: 8191,
            sendq_bytes: 96 * 1024,
            recvq_bytes: 8 * 1024,
            registration_timeout: Duration::from_secs(120),
            registration_timeout_min: Duration::from_secs(10),
            ping_interval: Duration::from_secs(120),
            ping_timeout: Duration::from_secs(60),
            flood_burst: 20,
            flood_rate: 4.0,
            flood_max_queued: 64,
            nick_length: 30,
            channel_length: 50,
            topic_length: 390,
            away_length: 200,
            kick_length: 390,
            max_channels_per_client: 50,
            max_targets: 4,
        }
    }
}

impl LimitsConfig {
    /// Checks what the types alone cannot; returns the offending key and why.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        let positive: [(&'static str, usize); 8] = [
            ("limits.max_clients", self.max_clients),
            ("limits.max_clients_per_ip", self.max_clients_per_ip),
            ("limits.max_unregistered", self.max_unregistered),
            (
                "limits.max_unregistered_per_ip",
                self.max_unregistered_per_ip,
            ),
            ("limits.nick_length", self.nick_length),
            (
                "limits.max_channels_per_client",
                self.max_channels_per_client,
            ),
            ("limits.max_targets", self.max_targets),
            ("limits.flood_max_queued", self.flood_max_queued),
        ];
        for (key, value) in positive {
            if value == 0 {
                return Err((key, "must be at least 1".into()));
            }
        }
        if self.line_length < 64 {
            return Err(("limits.line_length", "must be at least 64 bytes".into()));
        }
        if self.channel_length < 2 {
            return Err(("limits.channel_length", "must be at least 2 bytes".into()));
        }
        if self.sendq_bytes < self.line_length + self.tags_length {
            return Err((
                "limits.sendq_bytes",
                "must hold at least one full line (line_length + tags_length)".into(),
            ));
        }
        if self.recvq_bytes < self.line_length {
            return Err((
                "limits.recvq_bytes",
                "must hold at least one full line (line_length)".into(),
            ));
        }
        if self.ipv6_prefix_length > 128 {
            return Err((
                "limits.ipv6_prefix_length",
                "must be a prefix length from 0 to 128 bits".into(),
            ));
        }
        if self.flood_burst == 0 {
            return Err(("limits.flood_burst", "must be at least 1".into()));
        }
        if !(self.flood_rate.is_finite() && self.flood_rate > 0.0) {
            return Err((
                "limits.flood_rate",
                "must be a positive number of lines per second".into(),
            ));
        }
        if self.ping_interval.is_zero() || self.ping_timeout.is_zero() {
            return Err((
                "limits.ping_interval",
                "ping_interval and ping_timeout must be positive".into(),
            ));
        }
        if self.registration_timeout.is_zero() {
            return Err(("limits.registration_timeout", "must be positive".into()));
        }
        if self.registration_timeout_min.is_zero()
            || self.registration_timeout_min > self.registration_timeout
        {
            return Err((
                "limits.registration_timeout_min",
                "must be positive and at most registration_timeout".into(),
            ));
        }
        Ok(())
    }
}
