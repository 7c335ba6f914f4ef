//! An in-process natterd for the session targets: a hub with no history and
//! no sockets, a plain user watching `#lobby`, and a subject connection of
//! either dialect fed the fuzzer's lines.

use natterd::Config;
use natterd::context::Context;
use natterd::net::outbound::Outbound;
use natterd::session::{Connection, Flow, LineHandler};
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use tokio::runtime::Runtime;

fn runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime")
    })
}

/// A fresh server state: history off, small limits so edges are reachable.
pub fn context() -> Arc<Context> {
    let mut config = Config::default();
    config.history.enabled = false;
    config.limits.max_channels_per_client = 5;
    config.limits.topic_length = 64;
    Arc::new(Context::new(config, Some("motd line".into()), None))
}

/// A connection with a large queue, as if from 127.0.0.1.
pub fn connection(context: &Context) -> Connection {
    let peer = SocketAddr::from(([127, 0, 0, 1], 40000));
    Connection::new(
        context.next_client_id(),
        peer,
        Arc::new(Outbound::new(1 << 24)),
        None,
    )
}

/// Feeds `lines` to `handler` in order, stopping when it closes; then leaves
/// the hub as the session loop would.
pub fn drive<H: LineHandler>(
    context: &Context,
    handler: &mut H,
    connection: &mut Connection,
    lines: &[&[u8]],
) {
    runtime().block_on(async {
        for line in lines {
            if let Flow::Close(_) = handler.handle_line(connection, line).await {
                break;
            }
        }
    });
    if handler.is_registered() {
        let id = connection.id;
        context.hub.with(|hub| hub.quit(id, "fuzz done"));
    }
}

/// Everything queued for `connection` so far.
pub fn received(connection: &Connection) -> Vec<u8> {
    connection.outbound.close(None);
    let mut out = Vec::new();
    runtime().block_on(connection.outbound.run_writer(&mut out));
    out
}

/// The fuzzer's bytes as lines, as the codec would frame them (LF, optional CR).
pub fn lines(data: &[u8]) -> Vec<&[u8]> {
    data.split(|&b| b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
        .take(64)
        .collect()
}

/// A plain user in `#lobby`.
pub fn plain_watcher(context: &Arc<Context>) -> Connection {
    let mut watcher = connection(context);
    let mut session = natterd::plain::PlainSession::new(context.clone(), &watcher);
    drive_open(&mut session, &mut watcher, &[b"watcher"]);
    watcher
}

/// Like [`drive`], but the client stays in the hub.
pub fn drive_open<H: LineHandler>(handler: &mut H, connection: &mut Connection, lines: &[&[u8]]) {
    runtime().block_on(async {
        for line in lines {
            if let Flow::Close(_) = handler.handle_line(connection, line).await {
                break;
            }
        }
    });
}

/// What a plain user received is UTF-8 lines with no control or bidi character.
pub fn assert_plain_safe(received: &[u8]) {
    let text = std::str::from_utf8(received).expect("plain output is UTF-8");
    for line in text.split_terminator("\r\n") {
        if let Some(bad) = line
            .chars()
            .find(|&c| c.is_control() || natter_protocol::is_bidi_control(c))
        {
            panic!("{bad:?} reached a plain user in {line:?}");
        }
    }
}

/// What an IRC client received is CRLF-terminated lines that parse.
pub fn assert_irc_lines(received: &[u8]) {
    let text = String::from_utf8_lossy(received);
    assert!(text.is_empty() || text.ends_with("\r\n"), "{text:?}");
    for line in text.split_terminator("\r\n") {
        assert!(!line.contains(['\r', '\n', '\0']), "{line:?}");
        if let Err(error) = natter_protocol::Message::parse(line) {
            panic!("the server sent an unparseable line {line:?}: {error}");
        }
        assert!(line.len() + 2 <= 512 + 8191, "{} bytes", line.len());
    }
}
