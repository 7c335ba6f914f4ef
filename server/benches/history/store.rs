//! The history store alone: what `record()` costs the hub per message, how fast
//! the writer commits a burst and how much CPU its thread spends per message,
//! what `sync = "full"` costs, and how long a `CHATHISTORY LATEST` query takes.

use chrono::Utc;
use natterd::history::{
    Conversation, History, HistoryConfig, HistoryQuery, MessageKind, Selection, StoredMessage,
    SyncMode, new_msgid,
};
use std::path::Path;
use std::time::{Duration, Instant};

fn message(n: usize) -> StoredMessage {
    let (conversation, target) = if n % 10 == 9 {
        (Conversation::private("alice", "bob"), "bob".to_owned())
    } else {
        let channel = format!("#room{}", n % 9);
        (Conversation::channel(channel.clone()), channel)
    };
    StoredMessage {
        msgid: new_msgid(),
        time: Utc::now(),
        conversation,
        kind: MessageKind::Privmsg,
        source: "alice!alice@192.168.1.20".into(),
        target,
        text: format!("message number {n}: the quick brown fox jumps over the lazy dog, twice"),
    }
}

fn per_message(elapsed: Duration, count: usize) -> String {
    format!(
        "{:.0} ns/msg",
        elapsed.as_nanos() as f64 / count.max(1) as f64
    )
}

fn rate(elapsed: Duration, count: usize) -> String {
    format!(
        "{:.0} msg/s",
        count as f64 / elapsed.as_secs_f64().max(1e-9)
    )
}

/// CPU time the history writer thread has used so far, from Linux's
/// `/proc/self/task/*/schedstat` (nanoseconds); None elsewhere. Unlike the
/// burst's wall time it hardly moves when other processes load the machine.
fn writer_cpu() -> Option<Duration> {
    for task in std::fs::read_dir("/proc/self/task").ok()?.flatten() {
        let path = task.path();
        let is_writer = std::fs::read_to_string(path.join("comm"))
            .is_ok_and(|comm| comm.trim() == "history-writer");
        if is_writer {
            let stat = std::fs::read_to_string(path.join("schedstat")).ok()?;
            let nanos = stat.split_whitespace().next()?.parse().ok()?;
            return Some(Duration::from_nanos(nanos));
        }
    }
    None
}

pub async fn burst(dir: &Path, count: usize) -> anyhow::Result<()> {
    let config = HistoryConfig {
        queue_capacity: count.max(1),
        ..HistoryConfig::default()
    };
    let history = History::open(dir, &config)?;
    let messages: Vec<StoredMessage> = (0..count).map(message).collect();
    let writer_before = writer_cpu();
    let start = Instant::now();
    for message in messages {
        history.record(message);
    }
    let recorded = start.elapsed();
    history.flush().await?;
    let committed = start.elapsed();
    let writer_spent = writer_cpu()
        .zip(writer_before)
        .map(|(after, before)| after.saturating_sub(before));
    println!("burst of {count} messages (batched, commit_interval 200ms):");
    println!(
        "  record() on the hub's path: {} ({recorded:.2?} total)",
        per_message(recorded, count)
    );
    println!(
        "  writer, first record to all committed: {committed:.2?} = {}",
        rate(committed, count)
    );
    match writer_spent {
        Some(spent) => println!(
            "  writer thread CPU: {} ({spent:.2?} total)",
            per_message(spent, count)
        ),
        None => println!("  writer thread CPU: not measurable here (needs Linux /proc)"),
    }
    println!("  dropped: {}", history.dropped_count());

    let rounds = 1000;
    let start = Instant::now();
    for _ in 0..rounds {
        let query = HistoryQuery {
            conversation: Conversation::channel("#room3"),
            selection: Selection::Latest { since: None },
            limit: 100,
        };
        history.query(query).await?;
    }
    println!(
        "  LATEST #room3 * 100 on {count} stored: {:.2?} per query",
        start.elapsed() / rounds
    );
    history.shutdown().await?;
    Ok(())
}

pub async fn durable(dir: &Path, sequential: usize, tasks: usize) -> anyhow::Result<()> {
    let config = HistoryConfig {
        sync: SyncMode::Full,
        ..HistoryConfig::default()
    };
    let history = History::open(dir, &config)?;
    let start = Instant::now();
    for n in 0..sequential {
        history.record_durable(message(n)).await?;
    }
    let one_sender = start.elapsed();
    let start = Instant::now();
    let mut handles = Vec::new();
    for task in 0..tasks {
        let history = history.clone();
        handles.push(tokio::spawn(async move {
            for n in 0..sequential / 10 {
                history.record_durable(message(task * 1000 + n)).await?;
            }
            anyhow::Ok(())
        }));
    }
    for handle in handles {
        handle.await??;
    }
    let many = start.elapsed();
    println!("sync = \"full\" (each message committed and fsynced before delivery):");
    println!(
        "  one sender, {sequential} messages: {:.2?} per message",
        one_sender / u32::try_from(sequential.max(1)).unwrap_or(u32::MAX)
    );
    let total = tasks * (sequential / 10);
    println!(
        "  {tasks} concurrent senders, {total} messages (group commit): {}",
        rate(many, total)
    );
    history.shutdown().await?;
    Ok(())
}
