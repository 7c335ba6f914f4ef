//! Server addresses and links: `HOST[:PORT]`, `[IPV6]:PORT`, `irc://` and
//! `ircs://`, with the default ports.

use super::{DEFAULT_PORT, DEFAULT_TLS_PORT};

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
