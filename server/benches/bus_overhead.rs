//! What the hub's `Bus` seam costs a single node: the same fan-out with no
//! bus (a single natterd: the hub skips the step) and with an in-process bus
//! attached (every routed event handed to a queue that another task drains,
//! which is what a cluster node's outbox does before NATS). No sockets:
//! each client's real outbound queue is drained by its real writer into a
//! sink that counts lines. Runs alternate (A, B, A, B, ...) so a loaded
//! machine hurts both alike; the report gives medians of deliveries per
//! second and of CPU-seconds per million deliveries, and their ratios.
//!
//! Run: `cargo bench -p natterd --bench bus_overhead -- [members] [senders] [messages] [rounds]`
//! (defaults 100 members, 4 senders, 20 000 messages per sender, 5 rounds).
//! History is off: this measures the hub.

mod support;

use anyhow::Context as _;
use natterd::Config;
use natterd::context::Context;
use natterd::hub::bus::{Bus, Published};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use support::{cpu_seconds, join_member, say_messages};
use tokio::sync::mpsc;

/// The in-process bus: queues every event (never blocking, as the seam
/// requires) for a task that takes them off the queue.
#[derive(Debug)]
struct QueueBus(mpsc::UnboundedSender<Published>);

impl Bus for QueueBus {
    fn publish(&self, published: Published) {
        let _ = self.0.send(published);
    }
}

struct Shape {
    members: usize,
    senders: usize,
    messages: usize,
}

/// One run: deliveries per second and CPU-seconds per million deliveries.
fn run(shape: &Shape, with_bus: bool) -> anyhow::Result<(f64, Option<f64>)> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let mut config = Config::default();
        config.history.enabled = false;
        config.limits.max_clients_per_ip = usize::MAX;
        let context = Arc::new(Context::new(config, None, None));
        let published = Arc::new(AtomicU64::new(0));
        if with_bus {
            let (queue, mut events) = mpsc::unbounded_channel();
            context.hub.attach_bus(Arc::new(QueueBus(queue)));
            let published = published.clone();
            tokio::spawn(async move {
                while let Some(event) = events.recv().await {
                    drop(event);
                    published.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        let delivered = Arc::new(AtomicU64::new(0));
        let (mut members, mut senders) = (Vec::new(), Vec::new());
        for m in 0..shape.members {
            let member = join_member(&context, format!("u{m}"), "#bench", &delivered)?;
            if m < shape.senders {
                senders.push(member.id);
            }
            members.push(member);
        }
        // Let the writers flush the JOIN lines, then count only messages.
        tokio::time::sleep(Duration::from_millis(100)).await;
        delivered.store(0, Ordering::Relaxed);
        let expected = (shape.senders * (shape.members - 1) * shape.messages) as u64;
        let (start, cpu_start) = (Instant::now(), cpu_seconds());
        let tasks: Vec<_> = senders
            .into_iter()
            .map(|id| {
                let context = context.clone();
                let messages = shape.messages;
                tokio::spawn(async move { say_messages(&context, id, "#bench", messages).await })
            })
            .collect();
        for task in tasks {
            task.await?;
        }
        let sent = (shape.senders * shape.messages) as u64;
        while delivered.load(Ordering::Relaxed) < expected
            || (with_bus && published.load(Ordering::Relaxed) < sent)
        {
            tokio::task::yield_now().await;
        }
        let seconds = start.elapsed().as_secs_f64().max(1e-9);
        let cpu = cpu_seconds().zip(cpu_start).map(|(end, start)| end - start);
        for member in &members {
            member.outbound.close(None);
        }
        for member in members {
            member.writer.await?;
        }
        let millions = expected as f64 / 1e6;
        anyhow::Ok((expected as f64 / seconds, cpu.map(|cpu| cpu / millions)))
    })
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

fn main() -> anyhow::Result<()> {
    // cargo passes `--bench`; only positional arguments are ours.
    let numbers: Vec<usize> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .map(|a| a.parse().with_context(|| format!("not a number: {a:?}")))
        .collect::<anyhow::Result<_>>()?;
    let shape = Shape {
        members: numbers.first().copied().unwrap_or(100).max(2),
        senders: numbers.get(1).copied().unwrap_or(4).max(1),
        messages: numbers.get(2).copied().unwrap_or(20_000).max(1),
    };
    let rounds = numbers.get(3).copied().unwrap_or(5).max(1);
    anyhow::ensure!(shape.senders <= shape.members, "more senders than members");
    println!(
        "bus overhead: one channel of {} members, {} senders x {} messages, 1 worker thread, {rounds} alternated rounds",
        shape.members, shape.senders, shape.messages
    );
    let (mut rate, mut cpu) = ([Vec::new(), Vec::new()], [Vec::new(), Vec::new()]);
    for round in 0..rounds {
        for (slot, with_bus) in [(0, false), (1, true)] {
            let (r, c) = run(&shape, with_bus)?;
            println!(
                "  round {round}: {:<16} {:.3} M deliveries/s, {} CPU-s per million",
                if with_bus { "in-process bus" } else { "no bus" },
                r / 1e6,
                c.map_or_else(|| "?".into(), |c| format!("{c:.3}"))
            );
            rate[slot].push(r);
            cpu[slot].extend(c);
        }
    }
    let rates = [median(&mut rate[0]), median(&mut rate[1])];
    let cpus = [median(&mut cpu[0]), median(&mut cpu[1])];
    println!(
        "median: no bus {:.3} M/s, {:.3} CPU-s/M; in-process bus {:.3} M/s, {:.3} CPU-s/M",
        rates[0] / 1e6,
        cpus[0],
        rates[1] / 1e6,
        cpus[1]
    );
    println!(
        "bus / no bus: throughput {:.3}x, CPU per delivery {:.3}x",
        rates[1] / rates[0],
        cpus[1] / cpus[0]
    );
    Ok(())
}
