//! What reading history costs: each `CHATHISTORY` selection of 50 messages
//! on one long conversation (`#big`, stored as the writer stores a burst),
//! with a few other conversations stored in between.

use chrono::{DateTime, Utc};
use natterd::history::{
    Anchor, Conversation, History, HistoryConfig, HistoryQuery, MessageKind, Selection,
    StoredMessage, new_msgid_at,
};
use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

/// Messages recorded before each flush (the queue holds them all).
const CHUNK: usize = 50_000;

/// Ten messages per millisecond, nine of ten in `#big`, ending now.
fn message(n: usize, count: usize) -> StoredMessage {
    let ago = Duration::from_micros(((count - n) * 100) as u64);
    let at = SystemTime::now() - ago;
    let channel = if n % 10 == 9 {
        format!("#other{}", n % 7)
    } else {
        "#big".to_owned()
    };
    let time = DateTime::<Utc>::from(at);
    StoredMessage {
        msgid: new_msgid_at(u64::try_from(time.timestamp_millis()).unwrap_or(0)),
        time,
        conversation: Conversation::channel(channel.clone()),
        kind: MessageKind::Privmsg,
        source: "alice!alice@192.168.1.20".into(),
        target: channel,
        text: format!("message number {n}: the quick brown fox jumps over the lazy dog, twice"),
    }
}

/// CPU time all of this process's threads have used so far, from Linux's
/// `/proc/self/task/*/schedstat`; None elsewhere. Per query it hardly moves
/// with the machine's load, unlike the wall time.
fn process_cpu() -> Option<Duration> {
    let mut total = Duration::ZERO;
    for task in std::fs::read_dir("/proc/self/task").ok()?.flatten() {
        let stat = std::fs::read_to_string(task.path().join("schedstat")).ok()?;
        let nanos: u64 = stat.split_whitespace().next()?.parse().ok()?;
        total += Duration::from_nanos(nanos);
    }
    Some(total)
}

/// Stores `count` messages, then times each selection (wall and CPU per query).
pub async fn run(dir: &Path, count: usize) -> anyhow::Result<()> {
    let config = HistoryConfig {
        queue_capacity: CHUNK,
        ..HistoryConfig::default()
    };
    let history = History::open(dir, &config)?;
    let mut anchors = Vec::new();
    let start = Instant::now();
    for chunk in (0..count).collect::<Vec<_>>().chunks(CHUNK) {
        for &n in chunk {
            let message = message(n, count);
            if n % (count / 8).max(1) == 0 && n % 10 != 9 {
                anchors.push((message.msgid.clone(), message.time));
            }
            history.record(message);
        }
        history.flush().await?;
    }
    println!(
        "queries on {count} stored messages ({} in #big), stored in {:.2?}, dropped {}:",
        count - count / 10,
        start.elapsed(),
        history.dropped_count()
    );
    let middle = anchors.get(anchors.len() / 2).cloned().unwrap_or_default();
    let early = anchors.get(1).cloned().unwrap_or_default();
    let (msgid, time) = (Anchor::MsgId(middle.0), Anchor::Timestamp(middle.1));
    let cases = [
        ("LATEST *", Selection::Latest { since: None }),
        ("BEFORE msgid (middle)", Selection::Before(msgid.clone())),
        ("BEFORE timestamp (middle)", Selection::Before(time.clone())),
        ("AFTER msgid (middle)", Selection::After(msgid.clone())),
        ("AFTER timestamp (middle)", Selection::After(time.clone())),
        ("AROUND msgid (middle)", Selection::Around(msgid.clone())),
        (
            "BETWEEN msgid (early) msgid (middle)",
            Selection::Between(Anchor::MsgId(early.0), msgid),
        ),
    ];
    for (name, selection) in cases {
        let query = HistoryQuery {
            conversation: Conversation::channel("#big"),
            selection,
            limit: 50,
        };
        let got = history.query(query.clone()).await?.len();
        let rounds = 500;
        let cpu = process_cpu();
        let start = Instant::now();
        for _ in 0..rounds {
            history.query(query.clone()).await?;
        }
        let wall = start.elapsed() / rounds;
        let cpu = match process_cpu().zip(cpu) {
            Some((after, before)) => format!("{:.1?}", after.saturating_sub(before) / rounds),
            None => "not measurable here".to_owned(),
        };
        println!("  {name} 50: {wall:.1?} per query, CPU {cpu} ({got} messages)");
    }
    history.shutdown().await?;
    Ok(())
}
