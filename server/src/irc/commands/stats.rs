//! STATS: figures about the server, one query letter at a time (RFC 2812
//! 3.4.4, modern ircdocs). Everyone may ask `u` (uptime) and `m` (command
//! counts); `o` (operators), `l` (the cluster's NATS connection) and `c`
//! (the NATS servers it may use) describe the server's set-up and are for
//! IRC operators only (481 otherwise). Every answer, even to an unknown
//! letter, ends with 219.

use super::super::IrcSession;
use crate::session::Connection;
use natter_protocol::{Message, numeric};
use std::sync::atomic::Ordering;

/// Handles `STATS <query> [<server>]`: 461 without a query, 402 for a
/// server other than this one.
pub async fn handle(session: &mut IrcSession, connection: &mut Connection, message: &Message) {
    let Some(params) = super::require_params(session, connection, message, 1) else {
        return;
    };
    let query = params[0].clone();
    if let Some(target) = message.arg(1).filter(|t| !t.is_empty())
        && !super::target_is_here(session, connection, target)
    {
        return;
    }
    // The reply names the letter alone (modern ircdocs: `<stats letter>`),
    // whatever else the parameter held.
    let letter = query.chars().next().map(String::from).unwrap_or_default();
    match query.chars().next().map(|c| c.to_ascii_lowercase()) {
        Some('u') => uptime(session, connection),
        Some('m') => commands(session, connection),
        Some('o') if super::require_oper(session, connection) => operators(session, connection),
        Some('l') if super::require_oper(session, connection) => nats_link(session, connection),
        Some('c') if super::require_oper(session, connection) => nats_servers(session, connection),
        // Refused (481 sent) or a letter natterd has nothing for: just the end.
        _ => {}
    }
    session.reply(
        connection,
        numeric::RPL_ENDOFSTATS,
        [letter.as_str(), "End of /STATS report"],
    );
}

/// `u`: 242 with the time since the server started.
fn uptime(session: &IrcSession, connection: &mut Connection) {
    let up = chrono::Utc::now()
        .signed_duration_since(session.context.created)
        .num_seconds()
        .max(0);
    session.reply(connection, numeric::RPL_STATSUPTIME, [uptime_text(up)]);
}

/// `Server Up <days> days <hours>:<minutes>:<seconds>`, as modern ircdocs writes it.
fn uptime_text(seconds: i64) -> String {
    let (days, rest) = (seconds / 86_400, seconds % 86_400);
    format!(
        "Server Up {days} days {}:{:02}:{:02}",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// `m`: one 212 per command received since start: count, bytes, and 0
/// from other servers (nodes share rooms, not IRC commands).
fn commands(session: &IrcSession, connection: &mut Connection) {
    for used in session.context.commands.used() {
        session.reply(
            connection,
            numeric::RPL_STATSCOMMANDS,
            [
                used.command.to_string(),
                used.count.to_string(),
                used.bytes.to_string(),
                "0".to_string(),
            ],
        );
    }
}

/// `o`: one 243 per `[[operators]]` block in force: its host mask (`*`
/// when any host may) and name; never its password hash or certificate.
fn operators(session: &IrcSession, connection: &mut Connection) {
    let live = session.context.live();
    for (name, host) in live.operators.names_and_hosts() {
        session.reply(
            connection,
            numeric::RPL_STATSOLINE,
            ["O", host.unwrap_or("*"), "*", name],
        );
    }
}

/// `l`: in a cluster, one 211 for the connection to NATS: queued bytes
/// (natterd has no send queue of its own there: 0), messages and KiB sent
/// and received, and the seconds since the server started.
fn nats_link(session: &IrcSession, connection: &mut Connection) {
    let Some(cluster) = &session.context.cluster else {
        return;
    };
    let stats = cluster.link.client().statistics();
    let open = chrono::Utc::now()
        .signed_duration_since(session.context.created)
        .num_seconds()
        .max(0);
    let name = format!("nats[{}]", link_state(cluster.link.state()));
    session.reply(
        connection,
        numeric::RPL_STATSLINKINFO,
        [
            name,
            "0".to_string(),
            stats.out_messages.load(Ordering::Relaxed).to_string(),
            (stats.out_bytes.load(Ordering::Relaxed) / 1024).to_string(),
            stats.in_messages.load(Ordering::Relaxed).to_string(),
            (stats.in_bytes.load(Ordering::Relaxed) / 1024).to_string(),
            open.to_string(),
        ],
    );
}

fn link_state(state: crate::cluster::LinkState) -> &'static str {
    match state {
        crate::cluster::LinkState::Connecting => "connecting",
        crate::cluster::LinkState::Up => "up",
        crate::cluster::LinkState::Down => "down",
    }
}

/// `c`: in a cluster, one 213 per configured NATS server (`C <host> *
/// nats <port> cluster`), credentials in the URL left out.
fn nats_servers(session: &IrcSession, connection: &mut Connection) {
    let Some(urls) = &session.context.config.cluster.nats else {
        return;
    };
    for (host, port) in urls.split(',').filter_map(nats_host_port) {
        session.reply(
            connection,
            numeric::RPL_STATSCLINE,
            ["C", host.as_str(), "*", "nats", port.as_str(), "cluster"],
        );
    }
}

/// The host and port of one NATS URL (`nats://user:pass@host:4222`,
/// `tls://[::1]:4222`, `host`): scheme and credentials dropped, 4222 when
/// no port is given.
fn nats_host_port(url: &str) -> Option<(String, String)> {
    let url = url.trim();
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
    let rest = rest.split('/').next().unwrap_or(rest);
    if rest.is_empty() {
        return None;
    }
    let (host, port) = match rest.rsplit_once(':') {
        Some((host, port))
            if !port.contains(']') && (!host.contains(':') || host.ends_with(']')) =>
        {
            (host, port)
        }
        _ => (rest, "4222"),
    };
    Some((host.to_string(), port.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uptime_reads_days_hours_minutes_seconds() {
        assert_eq!(uptime_text(0), "Server Up 0 days 0:00:00");
        assert_eq!(uptime_text(59), "Server Up 0 days 0:00:59");
        assert_eq!(
            uptime_text(86_400 * 3 + 3600 * 5 + 60 * 7 + 9),
            "Server Up 3 days 5:07:09"
        );
    }

    #[test]
    fn nats_urls_lose_scheme_and_credentials_and_keep_host_and_port() {
        let pair = |h: &str, p: &str| Some((h.to_string(), p.to_string()));
        assert_eq!(
            nats_host_port("nats://127.0.0.1:4222"),
            pair("127.0.0.1", "4222")
        );
        assert_eq!(
            nats_host_port(" tls://natter:s3cret@nats.lan:7422"),
            pair("nats.lan", "7422")
        );
        assert_eq!(nats_host_port("nats.lan"), pair("nats.lan", "4222"));
        assert_eq!(nats_host_port("nats://[::1]:4333"), pair("[::1]", "4333"));
        assert_eq!(nats_host_port("nats://[::1]"), pair("[::1]", "4222"));
        assert_eq!(nats_host_port(""), None);
    }
}
