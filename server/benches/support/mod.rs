//! What the in-process hub benchmarks share: members whose writers count
//! the lines they would send, senders that talk like a session, and the
//! process's CPU time.

use natterd::context::Context;
use natterd::hub::SayRequest;
use natterd::hub::client::{ClientId, Format, NewClient};
use natterd::hub::event::MessageKind;
use natterd::irc::encode::IRC_ENCODER;
use natterd::net::outbound::Outbound;
use natterd::net::writer::WriterEnd;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::Poll;
use tokio::io::AsyncWrite;
use tokio::task::JoinHandle;

/// Messages a sender says between yields (a session's read batch).
const BATCH: usize = 32;

/// A socket stand-in that counts the lines written to it.
pub struct LineCounter(pub Arc<AtomicU64>);

impl AsyncWrite for LineCounter {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let lines = buf.iter().filter(|&&b| b == b'\n').count();
        self.0.fetch_add(lines as u64, Ordering::Relaxed);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(
        self: Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(
        self: Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// This process's CPU time so far (user + system), from `/proc/self/stat`
/// (Linux; `None` elsewhere). Clock ticks are 1/100 s on Linux.
pub fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after_name = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i)?.parse::<f64>().ok();
    Some((ticks(11)? + ticks(12)?) / 100.0)
}

/// A bench member: registered as an IRC client `nick`, joined to
/// `channel`, with its real outbound queue drained by its real writer task
/// into a [`LineCounter`] adding to `delivered`.
pub struct Member {
    /// Its client id, to speak with.
    pub id: ClientId,
    /// Its outbound queue (closed by the bench when done).
    pub outbound: Arc<Outbound>,
    /// Its writer task.
    pub writer: JoinHandle<WriterEnd>,
}

/// Registers `nick` in `context`'s hub, joins it to `channel` and starts
/// its writer (see [`Member`]).
pub fn join_member(
    context: &Context,
    nick: String,
    channel: &str,
    delivered: &Arc<AtomicU64>,
) -> anyhow::Result<Member> {
    let outbound = Arc::new(Outbound::new(64 << 20));
    let id = context.next_client_id();
    let new = NewClient {
        nick: nick.clone(),
        user: nick.clone(),
        host: "127.0.0.1".into(),
        realname: nick,
        format: Format {
            encoder: &IRC_ENCODER,
            variant: 0,
            echo_own_messages: false,
            sees_own_events: true,
        },
        outbound: outbound.clone(),
        secure: false,
        account: None,
    };
    context
        .hub
        .with(|hub| hub.register(id, new))
        .map_err(|e| anyhow::anyhow!("register: {e:?}"))?;
    context
        .hub
        .with(|hub| hub.join(id, channel, None))
        .map_err(|e| anyhow::anyhow!("join: {e:?}"))?;
    let (writer, sink) = (outbound.clone(), LineCounter(delivered.clone()));
    let writer = tokio::spawn(async move { writer.run_writer(sink).await });
    Ok(Member {
        id,
        outbound,
        writer,
    })
}

/// Has client `id` say `messages` PRIVMSGs of about a hundred bytes to
/// `channel` as fast as the hub takes them, yielding every [`BATCH`] like a
/// session between read batches; stops early if the hub refuses one.
pub async fn say_messages(context: &Context, id: ClientId, channel: &str, messages: usize) {
    for n in 0..messages {
        let request = SayRequest {
            kind: MessageKind::Privmsg,
            target: channel.to_string(),
            text: format!(
                "message number {n} of a hundred-byte-ish benchmark line, padded to size...."
            ),
            client_tags: Vec::new(),
        };
        if context.hub.say(id, request).await.is_err() {
            return;
        }
        if n % BATCH == BATCH - 1 {
            tokio::task::yield_now().await;
        }
    }
}
