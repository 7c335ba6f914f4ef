//! The command line, and resolving it with the config file into settings
//! for the app and the network task.

//!
//! Layout: this module is the command line itself; `target` reads server
//! addresses and links; `resolve` combines the command line with the config
//! file into the app's settings and the network task's connection settings.

mod resolve;
mod target;
#[cfg(test)]
mod tests;

pub use resolve::{login_nick, names_a_server, net_config_for, nick_from_login, resolve, retarget};
pub use target::{Target, parse_server, parse_target};

use std::path::PathBuf;

use clap::Parser;

/// Port natterd (and IRC) listens on by default.
pub const DEFAULT_PORT: u16 = 6667;
/// Port for IRC over TLS by default (RFC 7194).
pub const DEFAULT_TLS_PORT: u16 = 6697;
/// Host used when neither the command line nor the config names one.
pub const DEFAULT_HOST: &str = "localhost";

const AFTER_HELP: &str = "\
Examples:
  natter                          find natterd on the LAN (mDNS) and join it as your login name
  natter --discover               list the servers announced on the LAN
  natter --nick alice             choose a nick
  natter chat.lan --nick bob      a natterd elsewhere on the LAN (port 6667)
  natter 192.168.1.20:6668        another port
  natter irc.example.org:6667 --join '#rust,#music'
  natter ircs://chat.lan          TLS (port 6697); also --tls, and irc:// links
  natter ircs://chat.lan --accept-fingerprint AB:CD:...   trust this self-signed certificate
  natter --config ./natter.toml   use this config file instead of the usual one

Everyone lands in #lobby. Type and press Enter to chat; Alt+Up/Alt+Down pick a
member in the sidebar and Alt+Enter whispers them; F1 lists every key; /help
lists the commands; /quit leaves.

Defaults come from config.toml in the platform config directory
(~/.config/natter/config.toml on Linux; run `natter --print-config-path`).
A commented example is assets/natter.toml in the natter sources.";

/// natter: a full-screen chat client for natterd and any IRC server.
#[derive(Debug, Clone, Parser)]
#[command(name = "natter", version, after_help = AFTER_HELP)]
pub struct Cli {
    /// Something to do instead of chatting (completions, man page).
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Server to connect to, as HOST or HOST:PORT ([IPv6]:PORT for IPv6), or
    /// an ircs://HOST[:PORT] (TLS) or irc://HOST[:PORT] link.
    /// Default: the config's `server`, else a server found on the LAN (mDNS).
    #[arg(value_name = "HOST[:PORT]")]
    pub server: Option<String>,

    /// Connect with TLS (default port 6697), as an ircs:// link does.
    #[arg(long)]
    pub tls: bool,

    /// List the natter servers announced on the LAN (mDNS) and exit.
    /// Without a server argument or a `server` in the config, natter looks
    /// for one by itself.
    #[arg(long)]
    pub discover: bool,

    /// Trust a TLS certificate with this SHA-256 fingerprint (as natterd
    /// prints it) without asking; it is remembered in known_servers.
    #[arg(long, value_name = "SHA256")]
    pub accept_fingerprint: Option<String>,

    /// Nick to use. Default: the config's `nick`, else your login name.
    /// A taken nick is retried with a suffix (alice_, alice2, ...).
    #[arg(short, long, env = "NATTER_NICK")]
    pub nick: Option<String>,

    /// Channels to join besides #lobby, comma separated (repeatable).
    #[arg(short, long, value_name = "#A,#B", value_delimiter = ',')]
    pub join: Vec<String>,

    /// Password: used to log in with SASL PLAIN when the server offers it,
    /// and sent as PASS (a server password, or on natterd/ergo the nick's account password).
    #[arg(long, env = "NATTER_PASSWORD", hide_env_values = true)]
    pub password: Option<String>,

    /// TLS client certificate (PEM) to present over TLS: a server that knows
    /// it (natterd: /msg NickServ CERT ADD) logs you in with SASL EXTERNAL,
    /// no password needed. Overrides the config's `client_cert`.
    #[arg(long, value_name = "FILE")]
    pub client_cert: Option<PathBuf>,

    /// The client certificate's private key (PEM; only you may read it,
    /// chmod 600). Default: the config's `client_key`, else the certificate file.
    #[arg(long, value_name = "FILE")]
    pub client_key: Option<PathBuf>,

    /// Config file to read instead of the platform default; it must exist.
    #[arg(short, long, value_name = "FILE", env = "NATTER_CONFIG")]
    pub config: Option<PathBuf>,

    /// Never ring the terminal bell (overrides the config's `bell`).
    #[arg(long)]
    pub no_bell: bool,

    /// Write a log for bug reports to FILE (default: natter.log in the
    /// platform state directory, ~/.local/state/natter on Linux). Message
    /// text is never logged; NATTER_LOG=debug logs more.
    #[arg(long, value_name = "FILE", num_args = 0..=1, default_missing_value = "")]
    pub log_file: Option<PathBuf>,

    /// Print every action with its keys (as a `[keys]` table for
    /// config.toml, with your rebindings applied), then exit.
    #[arg(long)]
    pub print_keys: bool,

    /// Print where natter looks for its config file, then exit.
    #[arg(long)]
    pub print_config_path: bool,
}

/// natter's subcommands: packaging helpers that print and exit. (A server
/// named like one of them is still reachable as `man:6667`.)
#[derive(Debug, Clone, clap::Subcommand)]
pub enum Command {
    /// Print a shell completion script, e.g. `natter completions bash > ~/.local/share/bash-completion/completions/natter`.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), e.g. `natter man | man -l -`.
    Man,
}

impl Command {
    /// Writes what the subcommand prints to `out`. The completion script is
    /// built in memory first: clap_complete panics when its writer fails
    /// (`natter completions bash | true`), this returns the error.
    pub fn run(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        use clap::CommandFactory;
        match self {
            Command::Completions { shell } => {
                let mut script = Vec::new();
                clap_complete::generate(*shell, &mut Cli::command(), "natter", &mut script);
                out.write_all(&script)?;
                out.flush()
            }
            Command::Man => clap_mangen::Man::new(Cli::command()).render(out),
        }
    }
}
