//! natterd's command line: flags that override the config file, and the
//! administration subcommands (backup, export, channel, completions, man page,
//! fingerprint).
//!
//! To add a subcommand, add a variant to [`Command`] (its doc comment is its
//! help) and an arm where `main.rs` dispatches it.

use crate::config::Config;
use clap::{Parser, Subcommand, ValueEnum};
use std::net::SocketAddr;
use std::path::PathBuf;

/// natterd: the natter chat server. Speaks IRC (irssi, weechat, HexChat, the
/// natter app) and a plain line dialect (`nc HOST 6667`) on the same port.
#[derive(Clone, Debug, Parser)]
#[command(
    name = "natterd",
    version,
    after_help = "EXAMPLES:\n  natterd                              serve the LAN on 0.0.0.0:6667\n  natterd --bind 127.0.0.1:6667 --tls-bind 127.0.0.1:6697   only this machine can connect\n  natterd --config /etc/natter/natterd.toml\n  natterd --print-config > natterd.toml   start a config file from the defaults\n  natterd backup /srv/backup/history-$(date +%F).db   copy history (also while running)\n  natterd export --channel '#lobby' --since 7d        a channel's last week as text\n  natterd --tls-cert cert.pem --tls-key key.pem       serve your own certificate on :6697\n  natterd fingerprint                  print the TLS fingerprint users should see\n  natterd channel forget '#club'       stopped server: #club is created afresh next time\n\nThen chat: `natter` on any LAN machine, `natter ircs://HOST`, `ncat --ssl HOST 6697`, `nc HOST 6667`, or any IRC client.\nLogs go to stderr; set the level with --log or RUST_LOG (e.g. RUST_LOG=natterd=debug)."
)]
pub struct Cli {
    /// What to do instead of serving (default: serve).
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Read settings from this TOML file (see assets/natterd.toml for every key)
    /// [default: /etc/natter/natterd.toml, then the platform config directory, if present].
    #[arg(
        short,
        long,
        value_name = "FILE",
        env = "NATTERD_CONFIG",
        global = true
    )]
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
    #[arg(long, value_name = "DIR", global = true)]
    pub data_dir: Option<PathBuf>,

    /// Do not store or replay history.
    #[arg(long)]
    pub no_history: bool,

    /// Do not announce the server on the LAN (DNS-SD over mDNS).
    #[arg(long, env = "NATTERD_NO_DISCOVERY", value_parser = clap::builder::FalseyValueParser::new())]
    pub no_discovery: bool,

    /// Log filter, e.g. `info`, `debug`, `natterd=trace` [default: info, or RUST_LOG].
    #[arg(long, value_name = "FILTER")]
    pub log: Option<String>,

    /// Log format: `text` for people, `json` (one object per line) for log shippers.
    #[arg(long, value_enum, default_value_t = LogFormat::Text, value_name = "FORMAT")]
    pub log_format: LogFormat,

    /// Print the effective configuration as TOML and exit.
    #[arg(long)]
    pub print_config: bool,

    /// Address and port for TLS connections; "" disables TLS [default: 0.0.0.0:6697].
    #[arg(long, value_name = "ADDR:PORT", env = "NATTERD_TLS_BIND", value_parser = parse_tls_bind)]
    pub tls_bind: Option<TlsBind>,

    /// PEM certificate (chain) to serve over TLS instead of the self-signed one.
    #[arg(long, value_name = "FILE", requires = "tls_key", global = true)]
    pub tls_cert: Option<PathBuf>,

    /// PEM private key of --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert", global = true)]
    pub tls_key: Option<PathBuf>,

    /// Join a cluster: NATS server URL(s), e.g. nats://127.0.0.1:4222 (tls:// requires TLS).
    #[arg(long, value_name = "URL", env = "NATTERD_CLUSTER")]
    pub cluster: Option<String>,

    /// This node's name in the cluster [default: the host name].
    #[arg(long, value_name = "NAME", env = "NATTERD_NODE")]
    pub node: Option<String>,
}

/// `--tls-bind`'s value: an address, or none (`""`, TLS off).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TlsBind(pub Option<SocketAddr>);

fn parse_tls_bind(text: &str) -> Result<TlsBind, String> {
    match text.trim() {
        "" => Ok(TlsBind(None)),
        text => text
            .parse()
            .map(|address| TlsBind(Some(address)))
            .map_err(|_| "not an ADDRESS:PORT (e.g. 0.0.0.0:6697); \"\" turns TLS off".to_string()),
    }
}

/// natterd's subcommands.
#[derive(Clone, Debug, Subcommand)]
pub enum Command {
    /// Write a consistent copy of the history database to FILE (a new file,
    /// mode 0600). Works while the server runs; restore by stopping natterd and
    /// putting the copy in place as history.db.
    Backup {
        /// The new file to write.
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Print a channel's stored history, oldest first.
    Export {
        /// The channel, e.g. '#lobby' (quote it: # starts a shell comment).
        #[arg(long, value_name = "CHANNEL")]
        channel: String,
        /// Only messages from this time on: an RFC 3339 time
        /// (2026-01-31T18:00:00Z), a date (2026-01-31, UTC) or an age (90m, 7d).
        #[arg(long, value_name = "WHEN")]
        since: Option<String>,
        /// `text` for reading (control characters removed), `json` for programs
        /// (one JSON object per line, the text exactly as stored).
        #[arg(long, value_enum, default_value_t = ExportFormat::Text)]
        format: ExportFormat,
    },
    /// Registered channels: list what natterd remembers of them, or forget one.
    Channel {
        /// What to do.
        #[command(subcommand)]
        action: ChannelAction,
    },
    /// Print a shell completion script, e.g. `natterd completions bash > /etc/bash_completion.d/natterd`.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), e.g. `natterd man | man -l -`.
    Man,
    /// Print the TLS certificate's SHA-256 fingerprint (making the self-signed
    /// certificate if there is none yet) and exit, to read out to users.
    Fingerprint,
    /// Read a password (asked twice without echo on a terminal, else the first
    /// line of stdin) and print its argon2id hash, for `password` in an
    /// `[[operators]]` block.
    HashPassword,
}

/// `natterd channel` actions.
#[derive(Clone, Debug, Subcommand)]
pub enum ChannelAction {
    /// Print every stored channel: name, modes (not the key), bans, operator
    /// accounts, topic. Works while natterd runs.
    List,
    /// Forget a channel's stored state (modes, key, bans, topic, operator
    /// accounts) and delete its history, so that the next person to join
    /// creates it afresh. Stop natterd first.
    Forget {
        /// The channel, e.g. '#lobby' (quote it: # starts a shell comment).
        #[arg(value_name = "CHANNEL")]
        channel: String,
        /// Keep its history: it is then served to whoever creates the channel next.
        #[arg(long)]
        keep_history: bool,
    },
}

/// How log lines are written to stderr.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// One human-readable line per event.
    Text,
    /// One JSON object per event (timestamp, level, target, fields).
    Json,
}

/// How `natterd export` writes messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// `[2026-01-31 18:00:00Z] <alice> hello`, one message per line.
    Text,
    /// One JSON object per line: time, msgid, command, nick, target, text.
    Json,
}

impl Cli {
    /// Applies the flags on top of `config`.
    pub fn apply(&self, config: &mut Config) {
        if let Some(TlsBind(bind)) = self.tls_bind {
            config.tls.bind = bind;
        }
        if let (Some(cert), Some(key)) = (&self.tls_cert, &self.tls_key) {
            config.tls.cert_file = Some(cert.clone());
            config.tls.key_file = Some(key.clone());
        }
        if let Some(bind) = self.bind {
            config.server.bind = bind;
        }
        if self.no_discovery {
            config.discovery.enabled = false;
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
        if let Some(url) = &self.cluster {
            config.cluster.nats = Some(url.clone());
        }
        if let Some(node) = &self.node {
            config.cluster.node = Some(node.clone());
        }
        if self.no_history {
            config.history.enabled = false;
        }
    }
}
