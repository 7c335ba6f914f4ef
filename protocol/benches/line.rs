//! How long one relayed line costs natter-protocol: a 100-byte whisper as
//! natter-bench sends it, parsed with `MessageRef` (validated as UTF-8
//! first, as the server does) and written back out with `LineWriter` under
//! the sender's prefix, as the server relays it.
//! Run with `cargo bench -p natter-protocol --bench line` (release build).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use natter_protocol::{LineWriter, MessageRef};

/// Rounds of each measurement; the best is reported (the machine is shared).
const ROUNDS: usize = 7;
/// Lines per round.
const LINES: u32 = 1_000_000;

fn whisper() -> Vec<u8> {
    let mut line = b"PRIVMSG bench-r042 :nb 42 1234567 98765432101 ".to_vec();
    line.resize(8 + 11 + 100, b'x');
    line
}

fn best_of(what: &str, mut run: impl FnMut() -> usize) {
    let mut best = Duration::MAX;
    let mut sink = 0;
    for _ in 0..ROUNDS {
        let started = Instant::now();
        sink += run();
        best = best.min(started.elapsed());
    }
    let per = best.as_secs_f64() * 1e9 / f64::from(LINES);
    println!("{what:<40} {per:>8.1} ns/line  (best of {ROUNDS} x {LINES}; {sink})");
}

fn main() {
    let line = whisper();
    best_of("utf-8 check + MessageRef::parse", || {
        let mut total = 0;
        for _ in 0..LINES {
            let text = std::str::from_utf8(black_box(&line)).unwrap();
            let message = MessageRef::parse(text).unwrap();
            total += message.command().len();
        }
        total
    });
    best_of("parse + target and text", || {
        let mut total = 0;
        for _ in 0..LINES {
            let text = std::str::from_utf8(black_box(&line)).unwrap();
            let message = MessageRef::parse(text).unwrap();
            let target = message.arg(0).unwrap();
            let text = message.arg(1).unwrap();
            total += usize::from(message.is_command("PRIVMSG")) + target.len() + text.len();
        }
        total
    });
    let text = std::str::from_utf8(&line).unwrap();
    let message = MessageRef::parse(text).unwrap();
    let (target, text) = (message.arg(0).unwrap(), message.arg(1).unwrap());
    best_of("LineWriter: prefix, PRIVMSG, target, text", || {
        let mut total = 0;
        for _ in 0..LINES {
            let mut writer = LineWriter::with_capacity(160);
            writer.source(&[black_box("bench-s042"), "!", "bench", "@", "127.0.0.1"]);
            writer.command("PRIVMSG");
            writer.middle(black_box(target));
            total += writer.last(black_box(text)).len();
        }
        total
    });
}
