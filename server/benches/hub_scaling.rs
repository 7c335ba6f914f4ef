//! Does the hub scale with cores? An in-process benchmark with no sockets:
//! `channels` independent channels of `members` IRC clients each; in every
//! channel one member says `messages` PRIVMSGs as fast as the hub takes them
//! (a session yields to the scheduler between read batches, so the sender
//! yields every [`BATCH`] messages). Each client's real outbound queue is
//! drained by its real writer task into a sink that counts lines. The run is
//! repeated on a tokio runtime of 1, 2, ... worker threads; with one order
//! lock per channel the rate should grow with the threads (up to the cores
//! the machine really has free).
//!
//! Run: `cargo bench -p natterd --bench hub_scaling -- [channels] [members] [messages] [max-threads]`
//! (defaults 64 channels, 10 members, 5 000 messages per channel, threads up
//! to the machine's parallelism). History is off: this measures the hub.

mod support;

use anyhow::Context as _;
use natterd::Config;
use natterd::context::Context;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use support::{cpu_seconds, join_member, say_messages};

struct Shape {
    channels: usize,
    members: usize,
    messages: usize,
}

/// One run on `threads` worker threads: deliveries, the time they took and
/// the CPU-seconds spent meanwhile.
fn run(shape: &Shape, threads: usize) -> anyhow::Result<(u64, Duration, Option<f64>)> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let mut config = Config::default();
        config.history.enabled = false;
        config.limits.max_clients_per_ip = usize::MAX;
        let context = Arc::new(Context::new(config, None, None));
        let delivered = Arc::new(AtomicU64::new(0));
        let (mut members, mut senders) = (Vec::new(), Vec::new());
        for c in 0..shape.channels {
            let channel = format!("#c{c}");
            for m in 0..shape.members {
                let member = join_member(&context, format!("u{c}x{m}"), &channel, &delivered)?;
                if m == 0 {
                    senders.push((member.id, channel.clone()));
                }
                members.push(member);
            }
        }
        // Let the writers flush the JOIN lines, then count only messages.
        tokio::time::sleep(Duration::from_millis(100)).await;
        delivered.store(0, Ordering::Relaxed);
        let expected = (shape.channels * (shape.members - 1) * shape.messages) as u64;
        let start = Instant::now();
        let cpu_start = cpu_seconds();
        let tasks: Vec<_> = senders
            .into_iter()
            .map(|(id, channel)| {
                let context = context.clone();
                let messages = shape.messages;
                tokio::spawn(async move { say_messages(&context, id, &channel, messages).await })
            })
            .collect();
        for task in tasks {
            task.await?;
        }
        while delivered.load(Ordering::Relaxed) < expected {
            tokio::task::yield_now().await;
        }
        let elapsed = start.elapsed();
        let cpu = cpu_seconds().zip(cpu_start).map(|(end, start)| end - start);
        for member in &members {
            member.outbound.close(None);
        }
        for member in members {
            member.writer.await?;
        }
        anyhow::Ok((delivered.load(Ordering::Relaxed), elapsed, cpu))
    })
}

fn main() -> anyhow::Result<()> {
    // cargo passes `--bench`; only positional arguments are ours.
    let numbers: Vec<usize> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .map(|a| a.parse().with_context(|| format!("not a number: {a:?}")))
        .collect::<anyhow::Result<_>>()?;
    let parallelism = std::thread::available_parallelism().map_or(1, usize::from);
    let shape = Shape {
        channels: numbers.first().copied().unwrap_or(64).max(1),
        members: numbers.get(1).copied().unwrap_or(10).max(2),
        messages: numbers.get(2).copied().unwrap_or(5_000).max(1),
    };
    let max_threads = numbers.get(3).copied().unwrap_or(parallelism).max(1);
    println!(
        "hub scaling: {} channels x {} members, {} messages per channel, no sockets, history off",
        shape.channels, shape.members, shape.messages
    );
    let mut threads = 1;
    let mut base = None;
    while threads <= max_threads {
        let (deliveries, elapsed, cpu) = run(&shape, threads)?;
        let seconds = elapsed.as_secs_f64().max(1e-9);
        let rate = deliveries as f64 / seconds;
        let base_rate = *base.get_or_insert(rate);
        // Cores actually used: on a machine shared with other work the
        // threads may not get a core each, and the rate says so only here.
        let cpu = cpu.map_or_else(
            || "CPU time unknown".to_string(),
            |cpu| {
                format!(
                    "{:.2} cores used, {:.3} CPU-s per million deliveries",
                    cpu / seconds,
                    cpu / (deliveries as f64 / 1e6)
                )
            },
        );
        println!(
            "  {threads:>2} worker thread(s): {deliveries} deliveries in {elapsed:.2?} = {:.2} M deliveries/s ({:.2}x one thread); {cpu}",
            rate / 1e6,
            rate / base_rate
        );
        threads *= 2;
    }
    Ok(())
}
