//! The settings sessions read at the moment they use them, so a reload reaches
//! every later registration: the MOTD and the server password.

use crate::config::{Config, ConfigError};

/// Settings that take effect at run time; sessions read them through
/// [`crate::context::Context::live`].
#[derive(Clone, Debug, Default)]
pub struct Live {
    /// Message of the day, by line; `None` when there is none (422).
    pub motd: Option<Vec<String>>,
    /// The password clients must give, if any.
    pub password: Option<String>,
}

impl Live {
    /// The config keys [`Live`] applies at run time.
    pub const KEYS: &'static [&'static str] = &["server.motd_file", "server.password"];

    /// Builds the live settings from a config and its already read MOTD text.
    pub fn new(config: &Config, motd: Option<String>) -> Live {
        Live {
            motd: motd.map(|text| text.lines().map(str::to_string).collect()),
            password: config.server.password.clone(),
        }
    }

    /// Reads the MOTD file `config` names and builds the live settings.
    pub fn load(config: &Config) -> Result<Live, ConfigError> {
        Ok(Live::new(config, config.read_motd()?))
    }
}
