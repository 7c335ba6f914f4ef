//! natterd's command line: flags that override the config file.

use crate::config::Config;
use clap::Parser;
use std::net::SocketAddr;
use std::path::PathBuf;

/// natterd: the natter chat server. Speaks IRC (irssi, weechat, HexChat, the
/// natter app) and a plain line dialect (`nc HOST 6667`) on the same port.
#[derive(Clone, Debug, Parser)]
#[command(
    name = "natterd",
    version,
    after_help = "EXAMPLES:\n  natterd                              serve the LAN on 0.0.0.0:6667\n  natterd --bind 127.0.0.1:6667        only this machine can connect\n  natterd --config /etc/natter/natterd.toml\n  natterd --print-config > natterd.toml   start a config file from the defaults\n\nThen chat: `nc HOST 6667`, `natter HOST`, or any IRC client.\nLogs go to stderr; set the level with --log or RUST_LOG (e.g. RUST_LOG=natterd=debug)."
)]
pub struct Cli {
    /// Read settings from this TOML file (see assets/natterd.toml for every key).
    #[arg(short, long, value_name = "FILE", env = "NATTERD_CONFIG")]
    pub config: Option<PathBuf>,

    /// Address and port to listen on [default: 0.0.0.0:6667, the whole LAN].
    #[arg(short, long, value_name = "ADDR:PORT")]
    pub bind: Option<SocketAddr>,

    /// The server's name, the source of its replies.
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    /// The network name shown to IRC clients.
    #[arg(long, value_name = "NAME")]
    pub network: Option<String>,

    /// File with the message of the day.
    #[arg(long, value_name = "FILE")]
    pub motd: Option<PathBuf>,

    /// Require this password (IRC `PASS`; plain users are asked for it).
    #[arg(
        long,
        value_name = "PASSWORD",
        env = "NATTERD_PASSWORD",
        hide_env_values = true
    )]
    pub password: Option<String>,

    /// Directory for history.db [default: the platform data directory].
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Do not store or replay history.
    #[arg(long)]
    pub no_history: bool,

    /// Log filter, e.g. `info`, `debug`, `natterd=trace` [default: info, or RUST_LOG].
    #[arg(long, value_name = "FILTER")]
    pub log: Option<String>,

    /// Print the effective configuration as TOML and exit.
    #[arg(long)]
    pub print_config: bool,
}

impl Cli {
    /// Applies the flags on top of `config`.
    pub fn apply(&self, config: &mut Config) {
        if let Some(bind) = self.bind {
            config.server.bind = bind;
        }
        if let Some(name) = &self.name {
            config.server.name = name.clone();
        }
        if let Some(network) = &self.network {
            config.server.network = network.clone();
        }
        if let Some(motd) = &self.motd {
            config.server.motd_file = Some(motd.clone());
        }
        if let Some(password) = &self.password {
            config.server.password = Some(password.clone());
        }
        if let Some(dir) = &self.data_dir {
            config.server.data_dir = Some(dir.clone());
        }
        if self.no_history {
            config.history.enabled = false;
        }
    }
}
