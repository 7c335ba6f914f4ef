//! Resolving the command line with the config file: the command line wins,
//! then the file, then the defaults (the login name as nick, #lobby, a
//! server found on the LAN or this machine).

use std::path::PathBuf;

use super::target::{Target, parse_target};
use super::{Cli, DEFAULT_HOST};
use crate::app::{DEFAULT_CHANNEL, Settings};
use crate::config::ConfigFile;
use crate::net::NetConfig;
use crate::net::client_cert::ClientCert;
use crate::net::known_servers::KnownServers;
use crate::net::registration::Identity;
use crate::net::sts::StsPolicies;

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
    let settings = settings_of(cli, config, &nick, channels, &net.address())?;
    Ok((settings, net))
}

/// The app's settings: the command line's, else the config file's, else the defaults.
fn settings_of(
    cli: &Cli,
    config: &ConfigFile,
    nick: &str,
    channels: Vec<String>,
    address: &str,
) -> Result<Settings, String> {
    let mut settings = Settings::new(nick, address);
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
    Ok(settings)
}
