//! The idle scenario: how much memory the server spends per registered
//! connection that does nothing.
//!
//! The server's resident memory is read before the first connection and again
//! once every connection has registered and the server has had `hold` to
//! settle; the difference divided by the connections is the cost of one. The
//! connections stay open (unread) until the second reading, then close.

use crate::conn;
use crate::procfs::{self, ProcUsage};
use anyhow::Context;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

/// Everything an idle run needs.
#[derive(Debug, Clone)]
pub struct IdleOptions {
    /// The server.
    pub addr: SocketAddr,
    /// How many connections to open and register.
    pub connections: usize,
    /// How long to keep them open before measuring.
    pub hold: Duration,
    /// The server's PID, to read its memory.
    pub server_pid: Option<u32>,
    /// Connections registering at once.
    pub parallel_connects: usize,
}

/// What an idle run measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IdleSummary {
    /// Connections registered and held.
    pub connections: usize,
    /// Seconds to register them all.
    pub register_s: f64,
    /// `(rss after - rss before) / connections`, bytes (with `--server-pid`).
    pub rss_per_connection_bytes: Option<f64>,
}

/// Opens and registers the connections, holds them, and measures.
pub async fn run(options: &IdleOptions) -> anyhow::Result<(IdleSummary, Option<ProcUsage>)> {
    let sample = |pid: u32| procfs::sample(pid).with_context(|| format!("cannot read /proc/{pid}"));
    let before = options.server_pid.map(sample).transpose()?;
    let started = Instant::now();
    let held = register_idle(options).await?;
    let register_s = started.elapsed().as_secs_f64();
    tokio::time::sleep(options.hold).await;
    let after = options.server_pid.map(sample).transpose()?;
    drop(held);
    let usage = before.zip(after).map(|(a, b)| ProcUsage::between(a, b));
    let per_connection = usage.map(|usage| {
        let grown = usage.rss_after_kib as f64 - usage.rss_before_kib as f64;
        grown * 1024.0 / options.connections.max(1) as f64
    });
    Ok((
        IdleSummary {
            connections: options.connections,
            register_s,
            rss_per_connection_bytes: per_connection,
        },
        usage,
    ))
}

/// Registers every connection and keeps only the bare sockets.
async fn register_idle(
    options: &IdleOptions,
) -> anyhow::Result<Vec<(OwnedReadHalf, OwnedWriteHalf)>> {
    let tag = char::from(b'a' + (std::process::id() % 26) as u8);
    let permits = Arc::new(tokio::sync::Semaphore::new(
        options.parallel_connects.max(1),
    ));
    let mut tasks = Vec::with_capacity(options.connections);
    for index in 0..options.connections {
        let permits = Arc::clone(&permits);
        let addr = options.addr;
        tasks.push(tokio::spawn(async move {
            let _permit = permits.acquire_owned().await?;
            let registered = conn::register(addr, &conn::nick(tag, index)).await?;
            let writer = Arc::try_unwrap(registered.writer)
                .map_err(|_| anyhow::anyhow!("the writer is still shared"))?
                .into_inner();
            anyhow::Ok((registered.reader.into_inner(), writer))
        }));
    }
    let mut held = Vec::with_capacity(options.connections);
    for (index, task) in tasks.into_iter().enumerate() {
        let connection = task
            .await
            .context("a registering task failed")?
            .with_context(|| {
                format!(
                    "connection {} of {} (raise `ulimit -n` and the server's connection limits for many)",
                    index + 1,
                    options.connections
                )
            })?;
        held.push(connection);
    }
    Ok(held)
}
