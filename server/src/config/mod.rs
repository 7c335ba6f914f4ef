//! natterd's configuration: the TOML file's structure, its defaults, and
//! loading it with errors that name the file, the line and the key.
//!
//! `assets/natterd.toml` documents every key; the defaults here must match it
//! (a test checks that the shipped file parses to exactly these defaults).

pub mod admin;
pub mod duration;
mod error;
pub mod locate;

pub use admin::AdminConfig;
pub use duration::duration_opt;
pub use error::ConfigError;

use crate::accounts::AccountsConfig;
use crate::cluster::ClusterConfig;
use crate::discovery::DiscoveryConfig;
use crate::history::HistoryConfig;
use crate::operators::OperatorConfig;
use crate::tls::TlsConfig;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The whole configuration of one natterd instance.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Identity, address and welcome of the server.
    pub server: ServerConfig,
    /// Who runs the server and how to reach them (the `ADMIN` command).
    pub admin: AdminConfig,
    /// Protective limits: sizes, rates, timeouts.
    pub limits: LimitsConfig,
    /// The embedded message history.
    pub history: HistoryConfig,
    /// Accounts and owned nicknames.
    pub accounts: AccountsConfig,
    /// The optional Prometheus endpoint.
    pub metrics: MetricsConfig,
    /// The TLS listener, its certificate, and who may still use plaintext.
    pub tls: TlsConfig,
    /// Several nodes as one chat over NATS; off unless `nats` is set.
    pub cluster: ClusterConfig,
    /// Announcing the server on the LAN (DNS-SD over mDNS).
    pub discovery: DiscoveryConfig,
    /// IRC operators (`[[operators]]` blocks): who may `OPER`; none by default.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub operators: Vec<OperatorConfig>,
}

/// The `[metrics]` table: an HTTP endpoint serving Prometheus' text format.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsConfig {
    /// Address for `GET /metrics`, e.g. `127.0.0.1:9667`; off when unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bind: Option<SocketAddr>,
}

/// The `[server]` table.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// The server's name: the source of its replies, shown in 004, PONG and WHOIS.
    pub name: String,
    /// The network name, advertised as `NETWORK=` in 005.
    pub network: String,
    /// A line saying what this server is, shown by `LINKS`.
    pub description: String,
    /// Address and port to listen on. `0.0.0.0:6667` serves the LAN; `127.0.0.1:6667` only this host.
    pub bind: SocketAddr,
    /// The channel plain (nc) users join, and the client's default.
    pub default_channel: String,
    /// A file whose lines are the message of the day; relative paths are relative to the config file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub motd_file: Option<PathBuf>,
    /// The password clients must send with `PASS` (plain users are asked for it), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// Where history.db lives; the platform data directory when unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            name: "natter.local".to_string(),
            network: "natter".to_string(),
            description: "natter LAN chat server".to_string(),
            bind: SocketAddr::from(([0, 0, 0, 0], 6667)),
            default_channel: "#lobby".to_string(),
            motd_file: None,
            password: None,
            data_dir: None,
        }
    }
}

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

impl Config {
    /// Reads and validates a config file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let mut config = Config::parse(&text, path)?;
        if let Some(motd) = &config.server.motd_file
            && motd.is_relative()
        {
            let base = path.parent().unwrap_or(Path::new("."));
            config.server.motd_file = Some(base.join(motd));
        }
        Ok(config)
    }

    /// Parses and validates config text; `path` is only used in error messages.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let config: Config =
            toml::from_str(text).map_err(|error| ConfigError::from_toml(path, text, &error))?;
        config
            .validate()
            .map_err(|(key, message)| ConfigError::invalid(path, text, key, message))?;
        crate::operators::validate(&config.operators).map_err(|(index, field, message)| {
            ConfigError::invalid_in_array(path, text, "operators", index, field, message)
        })?;
        Ok(config)
    }

    /// Checks what the types alone cannot; returns the offending key and why.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        let server = &self.server;
        let limits = &self.limits;
        if server.name.is_empty() || server.name.contains([' ', ',', '!', '@', '*', '?']) {
            return Err((
                "server.name",
                "must be a non-empty host-like name without spaces, e.g. \"natter.local\"".into(),
            ));
        }
        if server.network.is_empty() || server.network.contains(' ') {
            return Err((
                "server.network",
                "must be a non-empty word without spaces".into(),
            ));
        }
        admin::check_text(&server.description).map_err(|why| ("server.description", why))?;
        self.admin.validate()?;
        if !natter_protocol::is_valid_channel(&server.default_channel, limits.channel_length) {
            return Err((
                "server.default_channel",
                format!(
                    "`{}` is not a valid channel name (it must start with #)",
                    server.default_channel
                ),
            ));
        }
        let positive: [(&'static str, usize); 8] = [
            ("limits.max_clients", limits.max_clients),
            ("limits.max_clients_per_ip", limits.max_clients_per_ip),
            ("limits.max_unregistered", limits.max_unregistered),
            (
                "limits.max_unregistered_per_ip",
                limits.max_unregistered_per_ip,
            ),
            ("limits.nick_length", limits.nick_length),
            (
                "limits.max_channels_per_client",
                limits.max_channels_per_client,
            ),
            ("limits.max_targets", limits.max_targets),
            ("limits.flood_max_queued", limits.flood_max_queued),
        ];
        for (key, value) in positive {
            if value == 0 {
                return Err((key, "must be at least 1".into()));
            }
        }
        if limits.line_length < 64 {
            return Err(("limits.line_length", "must be at least 64 bytes".into()));
        }
        if limits.channel_length < 2 {
            return Err(("limits.channel_length", "must be at least 2 bytes".into()));
        }
        if limits.sendq_bytes < limits.line_length + limits.tags_length {
            return Err((
                "limits.sendq_bytes",
                "must hold at least one full line (line_length + tags_length)".into(),
            ));
        }
        if limits.recvq_bytes < limits.line_length {
            return Err((
                "limits.recvq_bytes",
                "must hold at least one full line (line_length)".into(),
            ));
        }
        if limits.ipv6_prefix_length > 128 {
            return Err((
                "limits.ipv6_prefix_length",
                "must be a prefix length from 0 to 128 bits".into(),
            ));
        }
        if limits.flood_burst == 0 {
            return Err(("limits.flood_burst", "must be at least 1".into()));
        }
        if !(limits.flood_rate.is_finite() && limits.flood_rate > 0.0) {
            return Err((
                "limits.flood_rate",
                "must be a positive number of lines per second".into(),
            ));
        }
        if limits.ping_interval.is_zero() || limits.ping_timeout.is_zero() {
            return Err((
                "limits.ping_interval",
                "ping_interval and ping_timeout must be positive".into(),
            ));
        }
        if limits.registration_timeout.is_zero() {
            return Err(("limits.registration_timeout", "must be positive".into()));
        }
        if limits.registration_timeout_min.is_zero()
            || limits.registration_timeout_min > limits.registration_timeout
        {
            return Err((
                "limits.registration_timeout_min",
                "must be positive and at most registration_timeout".into(),
            ));
        }
        if self.accounts.require && !self.history.enabled {
            return Err((
                "accounts.require",
                "needs history enabled: accounts live in history.db".into(),
            ));
        }
        self.tls.validate()?;
        self.cluster.validate()
    }

    /// The directory holding history.db: `server.data_dir`, or the platform's data directory.
    pub fn data_dir(&self) -> Result<PathBuf, ConfigError> {
        if let Some(dir) = &self.server.data_dir {
            return Ok(dir.clone());
        }
        directories::ProjectDirs::from("", "", "natter")
            .map(|dirs| dirs.data_dir().to_path_buf())
            .ok_or(ConfigError::NoDataDir)
    }

    /// The message of the day, read from `server.motd_file`; `None` when there is none.
    pub fn read_motd(&self) -> Result<Option<String>, ConfigError> {
        let Some(path) = &self.server.motd_file else {
            return Ok(None);
        };
        std::fs::read_to_string(path)
            .map(Some)
            .map_err(|source| ConfigError::Motd {
                path: path.clone(),
                source,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHIPPED: &str = include_str!("../../../assets/natterd.toml");

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("/etc/natter/natterd.toml"))
    }

    #[test]
    fn shipped_file_documents_exactly_the_defaults() {
        let mut shipped = parse(SHIPPED).unwrap();
        assert_eq!(
            shipped.server.motd_file.as_deref(),
            Some(Path::new("motd.txt"))
        );
        shipped.server.motd_file = None;
        assert_eq!(
            toml::to_string(&shipped).unwrap(),
            toml::to_string(&Config::default()).unwrap()
        );
    }

    #[test]
    fn empty_file_is_the_defaults() {
        let config = parse("").unwrap();
        assert_eq!(config.server.bind, SocketAddr::from(([0, 0, 0, 0], 6667)));
        assert_eq!(config.server.default_channel, "#lobby");
    }

    #[test]
    fn texts_shown_to_irc_users_refuse_control_characters_naming_the_key() {
        let text = parse("[server]\ndescription = \"a\\nb\"\n")
            .unwrap_err()
            .to_string();
        assert!(text.contains("server.description"), "{text}");
        assert!(text.contains("control characters (found U+000A)"), "{text}");
        let text = parse("[admin]\nemail = \"a\\u001bb\"\n")
            .unwrap_err()
            .to_string();
        assert!(text.contains("admin.email"), "{text}");
    }

    #[test]
    fn type_error_names_file_line_and_key() {
        let error =
            parse("[server]\nname = \"x\"\n\n[limits]\nmax_clients = \"lots\"\n").unwrap_err();
        let text = error.to_string();
        assert!(text.starts_with("/etc/natter/natterd.toml:5:"), "{text}");
        assert!(text.contains("limits.max_clients"), "{text}");
    }

    #[test]
    fn operator_blocks_parse_and_errors_name_the_block_and_line() {
        let hash = crate::accounts::password::hash("operpassword").unwrap_or_default();
        let good = format!(
            "[[operators]]\nname = \"root\"\npassword = \"{hash}\"\nhost = \"192.168.1.*\"\n"
        );
        let config = parse(&good).unwrap();
        assert_eq!(config.operators.len(), 1);
        assert_eq!(config.operators[0].host.as_deref(), Some("192.168.1.*"));
        let bad = format!("{good}\n[[operators]]\nname = \"two\"\npassword = \"plaintext\"\n");
        let text = parse(&bad).unwrap_err().to_string();
        assert!(
            text.starts_with(
                "/etc/natter/natterd.toml:8: key `operators[1].password` must be an argon2id hash"
            ),
            "{text}"
        );
        // The shipped file's commented example, uncommented with a real hash.
        let example: String = SHIPPED
            .lines()
            .skip_while(|line| *line != "# [[operators]]")
            .map(|line| line.trim_start_matches("# "))
            .map(|line| match line.starts_with("password") {
                true => format!("password = \"{hash}\"\n"),
                false => format!("{line}\n"),
            })
            .collect();
        assert_eq!(parse(&example).unwrap().operators[0].name, "admin");
        let unknown = parse("[[operators]]\nname = \"x\"\npasword = \"y\"\n").unwrap_err();
        assert!(
            unknown
                .to_string()
                .starts_with("/etc/natter/natterd.toml:3:"),
            "{unknown}"
        );
    }

    #[test]
    fn unknown_key_is_an_error_naming_it() {
        let text = parse("[limits]\nmax_client = 5\n").unwrap_err().to_string();
        assert!(
            text.contains(":2:") && text.contains("max_client"),
            "{text}"
        );
    }

    #[test]
    fn syntax_error_names_the_line() {
        let text = parse("[server]\nname = \n").unwrap_err().to_string();
        assert!(text.contains("natterd.toml:2"), "{text}");
    }

    #[test]
    fn invalid_value_names_the_key_and_its_line() {
        let text = parse("[server]\n\ndefault_channel = \"lobby\"\n")
            .unwrap_err()
            .to_string();
        assert!(text.contains(":3: key `server.default_channel`"), "{text}");
        let text = parse("[limits]\nflood_rate = 0\n").unwrap_err().to_string();
        assert!(text.contains(":2: key `limits.flood_rate`"), "{text}");
    }

    #[test]
    fn requiring_accounts_needs_history() {
        let text = parse("[history]\nenabled = false\n\n[accounts]\nrequire = true\n")
            .unwrap_err()
            .to_string();
        assert!(text.contains(":5: key `accounts.require`"), "{text}");
        assert!(text.contains("needs history enabled"), "{text}");
        assert!(
            parse("[accounts]\nrequire = true\n")
                .unwrap()
                .accounts
                .require
        );
    }

    #[test]
    fn durations_accept_units() {
        let config = parse("[limits]\nping_interval = \"2m\"\nping_timeout = 0.5\n").unwrap();
        assert_eq!(config.limits.ping_interval, Duration::from_secs(120));
        assert_eq!(config.limits.ping_timeout, Duration::from_millis(500));
    }

    #[test]
    fn relative_motd_is_relative_to_the_config_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("natterd.toml");
        std::fs::write(&path, "[server]\nmotd_file = \"motd.txt\"\n").unwrap();
        std::fs::write(dir.path().join("motd.txt"), "hello\n").unwrap();
        let config = Config::load(&path).unwrap();
        assert_eq!(config.read_motd().unwrap().as_deref(), Some("hello\n"));
    }

    #[test]
    fn missing_file_says_which() {
        let text = Config::load(Path::new("/nonexistent/natterd.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            text.contains("cannot read config file /nonexistent/natterd.toml"),
            "{text}"
        );
    }
}
