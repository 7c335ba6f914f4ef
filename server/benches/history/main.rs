//! History benchmarks (`harness = false`): the store alone, and fan-out to
//! clients over loopback with history on and off.
//!
//! Run: `cargo bench -p natterd --bench history -- [store|fanout|query] [messages] [receivers]`
//! (defaults: every part, 100 000 messages, 10 receivers). Data goes to a fresh
//! directory under the system temp dir, removed afterwards.

mod fanout;
mod query;
mod store;

use anyhow::Context;

struct Args {
    part: Option<String>,
    messages: usize,
    receivers: usize,
}

fn args() -> anyhow::Result<Args> {
    // cargo passes `--bench`; only positional arguments are ours.
    let positional: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let mut rest = positional.iter().map(String::as_str).peekable();
    let part = match rest.peek() {
        Some(&("store" | "fanout" | "query")) => rest.next().map(str::to_string),
        _ => None,
    };
    let number = |text: Option<&str>, default: usize, what: &str| -> anyhow::Result<usize> {
        match text {
            Some(text) => text
                .parse()
                .with_context(|| format!("{what} must be a number, got {text:?}")),
            None => Ok(default),
        }
    };
    Ok(Args {
        part,
        messages: number(rest.next(), 100_000, "the number of messages")?,
        receivers: number(rest.next(), 10, "the number of receivers")?,
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = args()?;
    let root = std::env::temp_dir().join(format!("natter-history-bench-{}", std::process::id()));
    let wants = |part: &str| args.part.as_deref().is_none_or(|p| p == part);
    let result = async {
        if wants("store") {
            store::burst(&root.join("burst"), args.messages).await?;
            store::durable(&root.join("durable"), 1000, 50).await?;
        }
        if wants("query") {
            query::run(&root.join("query"), args.messages).await?;
        }
        if wants("fanout") {
            println!(
                "fan-out: burst of {} messages from one sender to {} receivers in one channel (loopback TCP, in-process natterd):",
                args.messages, args.receivers
            );
            // As fast as the socket takes them, then at a steady 20 000/s: the
            // burst shows throughput, the steady rate shows added latency.
            for rate in [None, Some(20_000)] {
                match rate {
                    None => println!(" one burst, as fast as possible:"),
                    Some(rate) => println!(" paced at {rate} messages/s:"),
                }
                for history in [false, true] {
                    let name = format!("fanout-{history}-{}", rate.unwrap_or(0));
                    let result =
                        fanout::run(history, args.messages, args.receivers, rate, &root.join(name))
                            .await?;
                    let label = if history { "history on " } else { "history off" };
                    println!("  {label}: {}", result.summary());
                }
            }
        }
        anyhow::Ok(())
    }
    .await;
    let _ = std::fs::remove_dir_all(&root);
    result
}
