//! natterd's configuration: the TOML file's structure, its defaults, and
//! loading it with errors that name the file, the line and the key.
//!
//! `assets/natterd.toml` documents every key; the defaults here must match it
//! (a test checks that the shipped file parses to exactly these defaults).

pub mod admin;
pub mod duration;
mod error;
mod limits;
pub mod locate;

pub use admin::AdminConfig;
pub use duration::duration_opt;
pub use error::ConfigError;
pub use limits::LimitsConfig;

use crate::accounts::AccountsConfig;
use crate::cluster::ClusterConfig;
use crate::discovery::DiscoveryConfig;
use crate::history::HistoryConfig;
use crate::operators::OperatorConfig;
use crate::tls::TlsConfig;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

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
        limits.validate()?;
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
mod tests;
