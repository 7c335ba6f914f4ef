//! The command line, and resolving it with the config file into settings
//! for the app and the network task.

use std::path::PathBuf;

use clap::Parser;

use crate::app::{DEFAULT_CHANNEL, Settings};
use crate::config::ConfigFile;
use crate::net::NetConfig;
use crate::net::client_cert::ClientCert;
use crate::net::known_servers::KnownServers;
use crate::net::registration::Identity;
use crate::net::sts::StsPolicies;

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

/// Splits `HOST[:PORT]`, `[IPV6]:PORT` or a bare IPv6 address.
pub fn parse_server(text: &str) -> Result<(String, u16), String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("the server address is empty; use HOST or HOST:PORT".to_owned());
    }
    let port = |p: &str| {
        p.parse::<u16>()
            .ok()
            .filter(|p| *p != 0)
            .ok_or_else(|| format!("`{p}` is not a port number (1-65535) in `{text}`"))
    };
    if let Some(rest) = text.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .ok_or_else(|| format!("missing `]` in `{text}`"))?;
        return match after.strip_prefix(':') {
            Some(p) => Ok((host.to_owned(), port(p)?)),
            None if after.is_empty() => Ok((host.to_owned(), DEFAULT_PORT)),
            None => Err(format!("unexpected `{after}` after `]` in `{text}`")),
        };
    }
    match text.matches(':').count() {
        0 => Ok((text.to_owned(), DEFAULT_PORT)),
        1 => {
            let (host, p) = text.split_once(':').unwrap_or((text, ""));
            if host.is_empty() {
                return Err(format!("no host before `:` in `{text}`"));
            }
            Ok((host.to_owned(), port(p)?))
        }
        _ => Ok((text.to_owned(), DEFAULT_PORT)),
    }
}

/// Where to connect: host, port and whether with TLS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Host name or address.
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// Whether to use TLS.
    pub tls: bool,
}

/// Reads `HOST[:PORT]`, `irc://HOST[:PORT]` or `ircs://HOST[:PORT]` (a path
/// after the address, such as `/#channel`, is ignored); `tls` is `--tls`.
pub fn parse_target(text: &str, tls: bool) -> Result<Target, String> {
    let text = text.trim();
    let (scheme, rest) = match text.split_once("://") {
        Some((scheme, rest)) => (Some(scheme.to_ascii_lowercase()), rest),
        None => (None, text),
    };
    let tls = match scheme.as_deref() {
        None => tls,
        Some("ircs") => true,
        Some("irc") if tls => {
            return Err(format!(
                "`{text}` is a plaintext link but --tls asks for TLS: use ircs:// or drop --tls"
            ));
        }
        Some("irc") => false,
        Some(other) => {
            return Err(format!(
                "`{other}://` is not an IRC link; use irc://HOST[:PORT] or ircs://HOST[:PORT]"
            ));
        }
    };
    let address = match scheme {
        Some(_) => rest.split(['/', '?']).next().unwrap_or(""),
        None => rest,
    };
    let (host, mut port) = parse_server(address)?;
    // `[::1]:7000` and `host:7000` name a port; `[::1]`, `::1` and `host` do not.
    let explicit_port = match address.trim().strip_prefix('[') {
        Some(rest) => rest
            .split_once(']')
            .is_some_and(|(_, after)| after.starts_with(':')),
        None => address.matches(':').count() == 1,
    };
    if tls && !explicit_port {
        port = DEFAULT_TLS_PORT;
    }
    Ok(Target { host, port, tls })
}

/// The login name made into a valid nick, or `natter`.
pub fn login_nick() -> String {
    let login = ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|var| std::env::var(var).ok().filter(|v| !v.is_empty()))
        .unwrap_or_default();
    nick_from_login(&login)
}

/// A valid IRC nick from a login name: odd characters become `_`, a leading
/// digit or dash gets a letter in front.
pub fn nick_from_login(login: &str) -> String {
    let mut nick: String = login
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .map(|c| {
            if c.is_alphanumeric() || "-_[]{}\\|^`".contains(c) {
                c
            } else {
                '_'
            }
        })
        .take(30)
        .collect();
    if nick.is_empty() {
        return "natter".to_owned();
    }
    if nick.starts_with(|c: char| c.is_ascii_digit() || c == '-') {
        nick.insert(0, 'n');
    }
    nick
}

/// An error naming what is wrong when `nick` cannot be an IRC nick.
fn check_nick(nick: &str) -> Result<(), String> {
    if nick.is_empty()
        || nick.contains([' ', ',', '*', '?', '!', '@', ':'])
        || nick.starts_with(['#', '&'])
    {
        return Err(format!(
            "`{nick}` cannot be a nick: use letters, digits and -_[]{{}}\\|^` (no spaces)"
        ));
    }
    Ok(())
}

/// `#lobby`, then the config file's channels, then `--join`'s, each once.
fn channels_to_join(cli: &Cli, config: &ConfigFile) -> Vec<String> {
    let mut channels = vec![DEFAULT_CHANNEL.to_owned()];
    for channel in config.channels.iter().chain(&cli.join) {
        let channel = channel.trim();
        if channel.is_empty() {
            continue;
        }
        let channel = if channel.starts_with(['#', '&']) {
            channel.to_owned()
        } else {
            format!("#{channel}")
        };
        if !channels.iter().any(|c| c.eq_ignore_ascii_case(&channel)) {
            channels.push(channel);
        }
    }
    channels
}

/// The connection settings for another network at `address` (/connect,
/// `servers`): the same nick, user and real name as `base`, the address's
/// own host, port and TLS (trust on first use, as for the first network).
/// The password and account are the first server's secrets: they are never
/// sent to another server.
pub fn net_config_for(base: &NetConfig, address: &str) -> Result<NetConfig, String> {
    let target = parse_target(address, false)?;
    let known = known_servers_of(base);
    let tls = target.tls.then_some(crate::net::tls::TlsSettings {
        known,
        accept: None,
        once: None,
    });
    Ok(NetConfig {
        host: target.host,
        port: target.port,
        identity: Identity {
            password: None,
            account: None,
            client_cert: None,
            ..base.identity.clone()
        },
        registration_timeout: base.registration_timeout,
        tls,
        sts: base.sts.clone(),
    })
}

/// The first network's known_servers (there is one file, and the STS
/// policies beside it, for every network).
fn known_servers_of(base: &NetConfig) -> KnownServers {
    base.tls
        .as_ref()
        .map(|tls| tls.known.clone())
        .or_else(|| base.sts.as_ref().map(StsPolicies::known_servers))
        .unwrap_or_else(default_known_servers)
}

/// The first network's settings pointed at `address`, the server picked on
/// screen among those found on the LAN: everything of `base` (its password
/// and `--accept-fingerprint` too: this is the server natter was started
/// for), with the address's host, port and TLS.
pub fn retarget(base: &NetConfig, address: &str) -> Result<NetConfig, String> {
    let target = parse_target(address, false)?;
    let tls = target.tls.then_some(crate::net::tls::TlsSettings {
        known: known_servers_of(base),
        accept: base.tls.as_ref().and_then(|tls| tls.accept),
        once: None,
    });
    Ok(NetConfig {
        host: target.host,
        port: target.port,
        tls,
        ..base.clone()
    })
}

/// known_servers in natter's data directory (the working directory when
/// the system has none); the STS policies live beside it.
fn default_known_servers() -> KnownServers {
    KnownServers::at(
        crate::net::known_servers::default_path().unwrap_or_else(|| PathBuf::from("known_servers")),
    )
}

/// Whether the user named a server (argument or config); natter looks for
/// one on the LAN only when not.
pub fn names_a_server(cli: &Cli, config: &ConfigFile) -> bool {
    cli.server.is_some() || config.server.is_some()
}

impl Target {
    /// The `irc://` or `ircs://` link for this target.
    pub fn link(&self) -> String {
        let scheme = if self.tls { "ircs" } else { "irc" };
        if self.host.contains(':') {
            format!("{scheme}://[{}]:{}", self.host, self.port)
        } else {
            format!("{scheme}://{}:{}", self.host, self.port)
        }
    }
}

/// The client certificate to present, from the command line or the config
/// (the command line wins), checked now so that a missing file or a key
/// others can read stops natter at start with the file named.
fn client_cert_of(cli: &Cli, config: &ConfigFile) -> Result<Option<ClientCert>, String> {
    let Some(cert) = cli
        .client_cert
        .clone()
        .or_else(|| config.client_cert.clone())
    else {
        if cli.client_key.is_some() || config.client_key.is_some() {
            return Err("client_key is set but client_cert is not: set both".to_owned());
        }
        return Ok(None);
    };
    let key = cli.client_key.clone().or_else(|| config.client_key.clone());
    let client_cert = ClientCert::new(cert, key);
    client_cert.load()?;
    Ok(Some(client_cert))
}

/// Combines the command line and config file: command line wins; a server
/// `found` on the LAN stands in when neither names one.
pub fn resolve(
    cli: &Cli,
    config: &ConfigFile,
    found: Option<&Target>,
) -> Result<(Settings, NetConfig), String> {
    let server = cli
        .server
        .clone()
        .or_else(|| config.server.clone())
        .or_else(|| found.map(Target::link))
        .unwrap_or_else(|| DEFAULT_HOST.to_owned());
    let target = parse_target(&server, cli.tls)?;
    let (host, port) = (target.host.clone(), target.port);
    let tls = match &cli.accept_fingerprint {
        Some(text) => Some(
            text.parse::<natter_protocol::Fingerprint>()
                .map_err(|error| format!("--accept-fingerprint: {error}"))?,
        ),
        None => None,
    };
    if tls.is_some() && !target.tls {
        return Err("--accept-fingerprint is for TLS: use an ircs:// address or --tls".to_owned());
    }
    let known = default_known_servers();
    let sts = Some(StsPolicies::beside(&known));
    let tls = target.tls.then_some(crate::net::tls::TlsSettings {
        known,
        accept: tls,
        once: None,
    });
    let nick = cli
        .nick
        .clone()
        .or_else(|| config.nick.clone())
        .unwrap_or_else(login_nick);
    check_nick(&nick)?;
    let client_cert = client_cert_of(cli, config)?;
    let channels = channels_to_join(cli, config);
    let net = NetConfig {
        host,
        port,
        registration_timeout: crate::net::REGISTRATION_TIMEOUT,
        tls,
        sts,
        identity: Identity {
            nick: nick.clone(),
            username: config
                .username
                .clone()
                .unwrap_or_else(|| nick_from_login(&nick).chars().take(10).collect()),
            realname: config.realname.clone().unwrap_or_else(|| nick.clone()),
            password: cli.password.clone().or_else(|| config.password.clone()),
            account: config.account.clone(),
            client_cert,
        },
    };
    let mut settings = Settings::new(&nick, &net.address());
    settings.channels = channels;
    settings.bell = !cli.no_bell && config.bell.unwrap_or(true);
    settings.notify = config.notify.unwrap_or_default();
    settings.typing = config.typing.unwrap_or(true);
    settings.highlights.clone_from(&config.highlights);
    if let Some(lines) = config.scrollback_lines {
        settings.scrollback_lines = lines;
    }
    if let Some(lines) = config.paste_confirm_lines {
        settings.paste_confirm_lines = lines;
    }
    settings.key_overrides = config.key_overrides();
    settings.theme = std::sync::Arc::new(crate::theme::Theme::with_overrides(
        &config.theme_overrides(),
    )?);
    for address in &config.servers {
        parse_target(address, false).map_err(|error| format!("servers: {error}"))?;
    }
    settings.servers.clone_from(&config.servers);
    if let Some(opener) = &config.opener {
        settings.opener = opener.list();
    }
    if let Some(width) = config.sidebar_width {
        settings.sidebar_width = width;
    }
    Ok((settings, net))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn irc_links_and_the_tls_flag() {
        let target =
            |text: &str, tls: bool| parse_target(text, tls).map(|t| (t.host, t.port, t.tls));
        assert_eq!(
            target("ircs://chat.lan", false),
            Ok(("chat.lan".into(), 6697, true))
        );
        assert_eq!(
            target("ircs://chat.lan:7000/#rust", false),
            Ok(("chat.lan".into(), 7000, true))
        );
        assert_eq!(
            target("IRC://[::1]:6668", false),
            Ok(("::1".into(), 6668, false))
        );
        assert_eq!(
            target("irc://chat.lan", false),
            Ok(("chat.lan".into(), 6667, false))
        );
        assert_eq!(
            target("ircs://[::1]", false),
            Ok(("::1".into(), 6697, true))
        );
        assert_eq!(
            target("chat.lan", true),
            Ok(("chat.lan".into(), 6697, true))
        );
        assert_eq!(
            target("chat.lan:6667", true),
            Ok(("chat.lan".into(), 6667, true))
        );
        assert!(
            target("irc://chat.lan", true)
                .unwrap_err()
                .contains("--tls")
        );
        assert!(
            target("http://chat.lan", false)
                .unwrap_err()
                .contains("not an IRC link")
        );
    }

    #[test]
    fn accept_fingerprint_needs_tls_and_a_fingerprint() {
        let fingerprint = natter_protocol::Fingerprint::of_der(b"x").to_string();
        let cli = Cli::parse_from(["natter", "ircs://h", "--accept-fingerprint", &fingerprint]);
        let (_, net) = resolve(&cli, &ConfigFile::default(), None).unwrap();
        assert_eq!(net.tls.unwrap().accept.unwrap().to_string(), fingerprint);
        let cli = Cli::parse_from(["natter", "h", "--accept-fingerprint", &fingerprint]);
        assert!(
            resolve(&cli, &ConfigFile::default(), None)
                .unwrap_err()
                .contains("for TLS")
        );
        let cli = Cli::parse_from(["natter", "ircs://h", "--accept-fingerprint", "nope"]);
        assert!(
            resolve(&cli, &ConfigFile::default(), None)
                .unwrap_err()
                .contains("64 hex digits")
        );
    }

    #[test]
    fn a_server_found_on_the_lan_stands_in_only_when_none_is_named() {
        let found = Target {
            host: "fe80::1".into(),
            port: 7000,
            tls: true,
        };
        assert_eq!(found.link(), "ircs://[fe80::1]:7000");
        let cli = Cli::parse_from(["natter"]);
        assert!(!names_a_server(&cli, &ConfigFile::default()));
        let (_, net) = resolve(&cli, &ConfigFile::default(), Some(&found)).unwrap();
        assert_eq!((net.host.as_str(), net.port), ("fe80::1", 7000));
        assert!(net.tls.is_some());
        let cli = Cli::parse_from(["natter", "chat.lan"]);
        assert!(names_a_server(&cli, &ConfigFile::default()));
        let (_, net) = resolve(&cli, &ConfigFile::default(), Some(&found)).unwrap();
        assert_eq!((net.host.as_str(), net.port), ("chat.lan", 6667));
        assert!(net.tls.is_none());
    }

    #[test]
    fn server_addresses() {
        assert_eq!(parse_server("chat.lan"), Ok(("chat.lan".into(), 6667)));
        assert_eq!(parse_server("10.0.0.2:7000"), Ok(("10.0.0.2".into(), 7000)));
        assert_eq!(parse_server("[::1]:7000"), Ok(("::1".into(), 7000)));
        assert_eq!(parse_server("::1"), Ok(("::1".into(), 6667)));
        assert!(
            parse_server("host:http")
                .unwrap_err()
                .contains("not a port")
        );
        assert!(parse_server("host:0").is_err());
    }

    #[test]
    fn login_names_become_valid_nicks() {
        assert_eq!(nick_from_login("john.doe"), "john_doe");
        assert_eq!(nick_from_login("1abc"), "n1abc");
        assert_eq!(nick_from_login(""), "natter");
    }

    #[test]
    fn command_line_wins_over_config() {
        let cli = Cli::parse_from([
            "natter",
            "h:1234",
            "--nick",
            "bob",
            "--join",
            "rust,#lobby",
            "--no-bell",
        ]);
        let config = ConfigFile {
            server: Some("other".into()),
            nick: Some("alice".into()),
            channels: vec!["#music".into()],
            bell: Some(true),
            ..ConfigFile::default()
        };
        let (settings, net) = resolve(&cli, &config, None).unwrap();
        assert_eq!((net.host.as_str(), net.port), ("h", 1234));
        assert_eq!(settings.nick, "bob");
        assert_eq!(settings.channels, vec!["#lobby", "#music", "#rust"]);
        assert!(!settings.bell);
    }

    #[test]
    fn more_servers_open_more_networks_with_the_same_nick_but_not_the_password() {
        let cli = Cli::parse_from(["natter", "--nick", "bob"]);
        let config = ConfigFile {
            servers: vec![
                "irc.example.org:6668".into(),
                "ircs://chat.example.net".into(),
            ],
            password: Some("first-server-secret".into()),
            ..ConfigFile::default()
        };
        let (settings, net) = resolve(&cli, &config, None).unwrap();
        assert_eq!(settings.servers, config.servers);
        let other = net_config_for(&net, "irc.example.org:6668").unwrap();
        assert_eq!((other.host.as_str(), other.port), ("irc.example.org", 6668));
        assert_eq!(other.identity.nick, net.identity.nick);
        assert_eq!(other.identity.username, net.identity.username);
        assert_eq!(
            net.identity.password.as_deref(),
            Some("first-server-secret")
        );
        assert_eq!(
            other.identity.password, None,
            "a secret went to another server"
        );
        assert_eq!(other.identity.account, None);
        assert!(other.tls.is_none());
        let secure = net_config_for(&net, "ircs://chat.example.net").unwrap();
        assert_eq!(secure.port, 6697);
        assert!(secure.tls.is_some());
        let bad = ConfigFile {
            servers: vec!["host:notaport".into()],
            ..ConfigFile::default()
        };
        let error = resolve(&cli, &bad, None).unwrap_err();
        assert!(error.starts_with("servers: "), "{error}");
    }

    #[test]
    fn a_server_picked_on_screen_keeps_the_first_networks_secrets_and_files() {
        let cli = Cli::parse_from(["natter", "--nick", "bob"]);
        let config = ConfigFile {
            password: Some("lan-secret".into()),
            ..ConfigFile::default()
        };
        let stand_in = parse_target("ircs://192.168.1.20", false).unwrap();
        let (_, net) = resolve(&cli, &config, Some(&stand_in)).unwrap();
        let picked = retarget(&net, "ircs://192.168.1.31:7000").unwrap();
        assert_eq!((picked.host.as_str(), picked.port), ("192.168.1.31", 7000));
        assert_eq!(picked.identity, net.identity, "the password goes too");
        let (tls, first) = (picked.tls.unwrap(), net.tls.clone().unwrap());
        assert_eq!(tls.known.path(), first.known.path());
        assert_eq!(picked.sts.unwrap().path(), net.sts.as_ref().unwrap().path());
        let plain = retarget(&net, "irc://192.168.1.40:6667").unwrap();
        assert!(plain.tls.is_none());
        assert!(retarget(&net, "http://x").is_err());
    }

    #[test]
    fn a_client_certificate_is_checked_at_start_and_stays_with_the_first_server() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["alice".to_owned()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let cert_path = dir.path().join("alice.crt");
        let key_path = dir.path().join("alice.key");
        std::fs::write(&cert_path, cert.pem()).unwrap();
        std::fs::write(&key_path, key.serialize_pem()).unwrap();
        std::fs::set_permissions(&key_path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let args = |extra: &[&str]| {
            let mut args = vec!["natter", "--nick", "alice"];
            args.extend_from_slice(extra);
            Cli::parse_from(args)
        };
        let cert_arg = cert_path.to_str().unwrap();
        let key_arg = key_path.to_str().unwrap();
        let cli = args(&["--client-cert", cert_arg, "--client-key", key_arg]);
        let (_, net) = resolve(&cli, &ConfigFile::default(), None).unwrap();
        assert_eq!(
            net.identity.client_cert,
            Some(ClientCert::new(cert_path.clone(), Some(key_path.clone())))
        );
        let other = net_config_for(&net, "ircs://chat.example.net").unwrap();
        assert_eq!(other.identity.client_cert, None);
        // From the config, the command line winning.
        let config = ConfigFile {
            client_cert: Some(dir.path().join("elsewhere.crt")),
            client_key: Some(key_path.clone()),
            ..ConfigFile::default()
        };
        let cli = args(&["--client-cert", cert_arg]);
        let (_, net) = resolve(&cli, &config, None).unwrap();
        assert_eq!(
            net.identity.client_cert,
            Some(ClientCert::new(cert_path.clone(), Some(key_path.clone())))
        );
        // A key others can read stops natter, as ssh does.
        std::fs::set_permissions(&key_path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let cli = args(&["--client-cert", cert_arg, "--client-key", key_arg]);
        let error = resolve(&cli, &ConfigFile::default(), None).unwrap_err();
        assert!(error.ends_with(&format!("chmod 600 {key_arg}")), "{error}");
        let cli = args(&["--client-key", key_arg]);
        assert_eq!(
            resolve(&cli, &ConfigFile::default(), None).unwrap_err(),
            "client_key is set but client_cert is not: set both"
        );
    }

    #[test]
    fn bad_nick_is_refused_with_advice() {
        let cli = Cli::parse_from(["natter", "--nick", "a b"]);
        assert!(
            resolve(&cli, &ConfigFile::default(), None)
                .unwrap_err()
                .contains("cannot be a nick")
        );
    }

    #[test]
    fn help_is_complete() {
        use clap::CommandFactory;
        let help = Cli::command().render_long_help().to_string();
        for needle in [
            "--nick",
            "--join",
            "--password",
            "--config",
            "HOST[:PORT]",
            "Examples:",
            "Alt+Enter",
        ] {
            assert!(help.contains(needle), "missing {needle} in\n{help}");
        }
    }
}
