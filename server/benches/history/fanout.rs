//! Fan-out under a burst, with history on and off: does storing every message
//! slow delivery? An in-process natterd on loopback, `receivers` IRC clients in
//! one channel and one sender that writes `messages` PRIVMSGs as fast as the
//! socket takes them. Each message carries the time it was written; receivers
//! note when it arrived.

use natterd::Config;
use natterd::testing::TestServer;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::net::tcp::OwnedReadHalf;

/// What one run measured.
pub struct FanoutResult {
    /// Messages × receivers delivered.
    pub deliveries: usize,
    /// From the first write to the last message read by the last receiver.
    pub elapsed: Duration,
    /// Write-to-read latency of every delivery, sorted, in microseconds.
    pub latencies_us: Vec<u64>,
    /// Messages in history.db after a clean shutdown (history on only).
    pub stored: Option<i64>,
}

impl FanoutResult {
    fn percentile(&self, p: f64) -> u64 {
        let last = self.latencies_us.len().saturating_sub(1);
        let index = ((last as f64) * p).round() as usize;
        self.latencies_us.get(index).copied().unwrap_or(0)
    }

    /// One line for the report.
    pub fn summary(&self) -> String {
        let rate = self.deliveries as f64 / self.elapsed.as_secs_f64().max(1e-9);
        let ms = |us: u64| us as f64 / 1000.0;
        format!(
            "{} deliveries in {:.2?} = {:.0} deliveries/s; latency p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms{}",
            self.deliveries,
            self.elapsed,
            rate,
            ms(self.percentile(0.50)),
            ms(self.percentile(0.90)),
            ms(self.percentile(0.99)),
            ms(self.percentile(1.0)),
            match self.stored {
                Some(count) => format!("; {count} messages stored"),
                None => String::new(),
            }
        )
    }
}

fn config(history: bool, data_dir: &Path, clients: usize) -> Config {
    let mut config = Config::default();
    config.server.bind = SocketAddr::from(([127, 0, 0, 1], 0));
    config.server.data_dir = Some(data_dir.to_path_buf());
    config.history.enabled = history;
    config.history.queue_capacity = 200_000;
    let limits = &mut config.limits;
    // The burst is the point: no flood control, room for every queue.
    limits.flood_burst = u32::MAX;
    limits.flood_rate = 1e12;
    limits.flood_max_queued = usize::MAX / 2;
    limits.recvq_bytes = usize::MAX / 2;
    limits.max_unregistered = clients + 10;
    limits.max_unregistered_per_ip = clients + 10;
    limits.sendq_bytes = 512 * 1024 * 1024;
    limits.max_clients = clients + 10;
    limits.max_clients_per_ip = clients + 10;
    config
}

async fn register(
    addr: SocketAddr,
    nick: &str,
) -> anyhow::Result<(BufReader<OwnedReadHalf>, tokio::net::tcp::OwnedWriteHalf)> {
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (read, mut write) = stream.into_split();
    write
        .write_all(format!("NICK {nick}\r\nUSER {nick} 0 * :{nick}\r\nJOIN #bench\r\n").as_bytes())
        .await?;
    let mut reader = BufReader::new(read);
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).await? == 0 {
            anyhow::bail!("{nick}: closed during registration");
        }
        if line.contains(" 366 ") {
            return Ok((reader, write));
        }
    }
}

/// Reads `messages` PRIVMSGs; returns each one's latency in microseconds.
async fn receive(
    mut reader: BufReader<OwnedReadHalf>,
    messages: usize,
    base: Instant,
) -> anyhow::Result<Vec<u64>> {
    let mut latencies = Vec::with_capacity(messages);
    let mut line = String::new();
    while latencies.len() < messages {
        line.clear();
        if reader.read_line(&mut line).await? == 0 {
            anyhow::bail!("receiver closed after {} messages", latencies.len());
        }
        let Some(text) = line.split(" PRIVMSG #bench :").nth(1) else {
            continue;
        };
        let sent_us: u64 = text
            .split_whitespace()
            .nth(1)
            .and_then(|t| t.parse().ok())
            .unwrap_or(0);
        let now_us = base.elapsed().as_micros() as u64;
        latencies.push(now_us.saturating_sub(sent_us));
    }
    Ok(latencies)
}

/// One run: `receivers` clients, one sender, `messages` in one burst, or at
/// `rate` messages per second when given.
pub async fn run(
    history: bool,
    messages: usize,
    receivers: usize,
    rate: Option<u32>,
    data_dir: &Path,
) -> anyhow::Result<FanoutResult> {
    let server = TestServer::start_exact(
        config(history, data_dir, receivers + 1),
        data_dir.to_path_buf(),
    )
    .await;
    let base = Instant::now();
    let mut readers = Vec::new();
    for n in 0..receivers {
        let (reader, write) = register(server.addr, &format!("r{n}")).await?;
        readers.push((reader, write));
    }
    let (_sender_reader, mut sender) = register(server.addr, "sender").await?;
    let base = Arc::new(base);
    let mut tasks = Vec::new();
    for (reader, write) in readers {
        let base = Arc::clone(&base);
        tasks.push(tokio::spawn(async move {
            let _keep_open = write;
            receive(reader, messages, *base).await
        }));
    }
    let start = Instant::now();
    let mut chunk = String::with_capacity(64 * 1024);
    let mut sent = 0;
    while sent < messages {
        if let Some(rate) = rate {
            let due = start + Duration::from_secs_f64(sent as f64 / f64::from(rate));
            tokio::time::sleep_until(due.into()).await;
        }
        chunk.clear();
        let now_us = base.elapsed().as_micros();
        for _ in 0..200.min(messages - sent) {
            chunk.push_str(&format!(
                "PRIVMSG #bench :{sent} {now_us} the quick brown fox jumps over the lazy dog\r\n"
            ));
            sent += 1;
        }
        sender.write_all(chunk.as_bytes()).await?;
    }
    let mut latencies_us = Vec::with_capacity(messages * receivers);
    for task in tasks {
        latencies_us.extend(task.await??);
    }
    let elapsed = start.elapsed();
    latencies_us.sort_unstable();
    drop(sender);
    server.shutdown().await;
    let stored = if history {
        let db = rusqlite::Connection::open(data_dir.join("history.db"))?;
        Some(db.query_row(
            "SELECT coalesce(sum(count), 0) FROM message_blocks",
            [],
            |row| row.get(0),
        )?)
    } else {
        None
    };
    Ok(FanoutResult {
        deliveries: messages * receivers,
        elapsed,
        latencies_us,
        stored,
    })
}
