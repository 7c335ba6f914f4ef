//! CAP: IRCv3 capability negotiation (LS, LIST, REQ, END).
//!
//! Before registration, LS or REQ suspends registration until END. A REQ is
//! acknowledged or refused as a whole.

use super::super::IrcSession;
use super::super::caps::{informational, offered, value};
use crate::context::Context;
use crate::session::Connection;
use natter_protocol::{Message, numeric};

/// Handles `CAP <subcommand> ...`.
pub fn handle(session: &mut IrcSession, connection: &mut Connection, message: &Message) {
    let Some(subcommand) = message.arg(0).map(|s| s.to_ascii_uppercase()) else {
        session.reply(
            connection,
            numeric::ERR_NEEDMOREPARAMS,
            ["CAP", "Not enough parameters"],
        );
        return;
    };
    match subcommand.as_str() {
        "LS" => {
            if !session.registered {
                session.registering_mut().cap_negotiating = true;
            }
            let version: u32 = message.arg(1).and_then(|v| v.parse().ok()).unwrap_or(0);
            if version >= 302 {
                // 302 clients get cap-notify implicitly.
                session.caps.set("cap-notify", true);
            }
            let offer = session.offer();
            let mut offered: Vec<String> = offered(offer)
                .into_iter()
                .map(|name| match value(name, offer) {
                    Some(value) if version >= 302 => format!("{name}={value}"),
                    _ => name.to_string(),
                })
                .collect();
            // Capability values (and so `sts`, which is meaningless without one) are for 302 clients.
            if version >= 302
                && let Some(sts) = sts_value(&session.context, connection.secure)
            {
                offered.push(format!("sts={sts}"));
            }
            send_cap_list(session, connection, "LS", &offered.join(" "));
        }
        "LIST" => {
            let enabled = session.caps.list();
            send_cap_list(session, connection, "LIST", &enabled);
        }
        "REQ" => {
            if !session.registered {
                session.registering_mut().cap_negotiating = true;
            }
            request(session, connection, message.arg(1).unwrap_or(""));
        }
        "END" => {
            if let Some(registering) = &mut session.registering {
                registering.cap_negotiating = false;
            }
        }
        other => {
            session.reply(connection, "410", [other, "Invalid CAP command"]);
        }
    }
}

/// The IRCv3 `sts` value: the TLS port on a plaintext connection (clients
/// upgrade), how long to keep using TLS on a TLS one; `None` without TLS.
pub fn sts_value(context: &Context, secure: bool) -> Option<String> {
    let tls = &context.config.tls;
    let port = context.tls_port.filter(|_| tls.sts)?;
    Some(if secure {
        format!("duration={}", tls.sts_duration.as_secs())
    } else {
        format!("port={port}")
    })
}

/// Sends a capability list, splitting it over `CAP * LS * :...` continuation lines if long.
fn send_cap_list(session: &IrcSession, connection: &mut Connection, subcommand: &str, list: &str) {
    let words: Vec<String> = list.split_whitespace().map(str::to_string).collect();
    let chunks = super::super::replies::chunk_words(&words, 100);
    let last = chunks.len().saturating_sub(1);
    if chunks.is_empty() {
        let line = session
            .server_message("CAP")
            .with_params([session.target(), subcommand, ""]);
        connection.send(&line);
    }
    for (index, chunk) in chunks.iter().enumerate() {
        let mut line = session
            .server_message("CAP")
            .with_params([session.target(), subcommand]);
        if index != last {
            line = line.with_param("*");
        }
        connection.send(&line.with_param(chunk));
    }
}

fn request(session: &mut IrcSession, connection: &mut Connection, requested: &str) {
    let mut changes = Vec::new();
    let mut acceptable = true;
    let offered = offered(session.offer());
    for item in requested.split_whitespace() {
        let (name, enable) = match item.strip_prefix('-') {
            Some(name) => (name, false),
            None => (item, true),
        };
        if !offered.contains(&name) || informational(name) {
            acceptable = false;
            break;
        }
        changes.push((name, enable));
    }
    let verdict = if acceptable { "ACK" } else { "NAK" };
    if acceptable {
        for (name, enable) in changes {
            session.caps.set(name, enable);
        }
        if session.registered {
            let format = session.caps.format();
            let id = connection.id;
            session.context.hub.with(|hub| hub.set_format(id, format));
        }
    }
    let line = session
        .server_message("CAP")
        .with_params([session.target(), verdict, requested]);
    connection.send(&line);
}
