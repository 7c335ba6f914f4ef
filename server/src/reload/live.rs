//! The settings sessions read at the moment they use them, so a reload reaches
//! every later registration: the MOTD, the server password, the operators,
//! and what ADMIN and LINKS tell (the `[admin]` table, `server.description`).

use crate::config::{Config, ConfigError};

/// Settings that take effect at run time; sessions read them through
/// [`crate::context::Context::live`].
#[derive(Clone, Debug, Default)]
pub struct Live {
    /// Message of the day, by line; `None` when there is none (422).
    pub motd: Option<Vec<String>>,
    /// The password clients must give, if any.
    pub password: Option<String>,
    /// The `[[operators]]` blocks `OPER` is checked against (operators
    /// already up keep +o when a reload removes their block, as on other servers).
    pub operators: std::sync::Arc<crate::operators::Operators>,
    /// Who runs the server, for `ADMIN`.
    pub admin: crate::config::AdminConfig,
    /// What this server is, for `LINKS`.
    pub description: String,
}

impl Live {
    /// The config keys [`Live`] applies at run time.
    pub const KEYS: &'static [&'static str] = &[
        "server.motd_file",
        "server.password",
        "server.description",
        "operators",
        "admin",
    ];

    /// Builds the live settings from a config and its already read MOTD text.
    pub fn new(config: &Config, motd: Option<String>) -> Live {
        Live {
            motd: motd.map(|text| text.lines().map(str::to_string).collect()),
            password: config.server.password.clone(),
            operators: std::sync::Arc::new(crate::operators::Operators::new(&config.operators)),
            admin: config.admin.clone(),
            description: config.server.description.clone(),
        }
    }

    /// Reads the MOTD file `config` names and builds the live settings.
    pub fn load(config: &Config) -> Result<Live, ConfigError> {
        Ok(Live::new(config, config.read_motd()?))
    }
}
