//! Received lines waiting behind flood control: a client's input that came
//! faster than its flood tokens, bounded in bytes and in lines (past either
//! bound the client is cut off for Excess Flood).

use crate::net::codec::Inbound;
use bytes::Bytes;
use std::collections::VecDeque;

/// Received lines waiting behind flood control, bounded in bytes and in lines.
#[derive(Debug, Default)]
pub struct RecvQueue {
    lines: VecDeque<Inbound>,
    bytes: usize,
}

impl RecvQueue {
    /// A queue holding the connection's first line.
    pub fn starting_with(first: Bytes) -> RecvQueue {
        let mut queue = RecvQueue::default();
        queue.push(Inbound::Line(first));
        queue
    }

    /// Whether no line is waiting.
    pub(super) fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    pub(super) fn push(&mut self, inbound: Inbound) {
        self.bytes += size(&inbound);
        self.lines.push_back(inbound);
    }

    pub(super) fn extend(&mut self, inbound: Option<Inbound>) {
        if let Some(inbound) = inbound {
            self.push(inbound);
        }
    }

    pub(super) fn pop(&mut self) -> Option<Inbound> {
        let inbound = self.lines.pop_front()?;
        self.bytes -= size(&inbound);
        if self.lines.is_empty() {
            // Nothing kept allocated while the client is quiet.
            self.lines = VecDeque::new();
        }
        Some(inbound)
    }

    /// Whether the lines after the first `passing` (those flood control
    /// still has tokens for) are over `limits`: what a client sent while
    /// its JOIN waited is held to the queue's bounds only beyond its burst.
    /// Checked after every line read while a JOIN waits, so it looks at
    /// the `passing` lines only, not the whole queue.
    pub(super) fn over_after(&self, passing: usize, limits: &crate::config::LimitsConfig) -> bool {
        let passed: usize = self.lines.iter().take(passing).map(size).sum();
        let lines = self.lines.len().saturating_sub(passing);
        self.bytes - passed > limits.recvq_bytes || lines > limits.flood_max_queued
    }

    /// Whether the whole queue is over `limits`.
    pub(super) fn over(&self, limits: &crate::config::LimitsConfig) -> bool {
        self.over_after(0, limits)
    }
}

/// The bytes `inbound` counts for in the queue's bound (a line with its
/// CR LF; a line cut for being too long, nothing).
fn size(inbound: &Inbound) -> usize {
    match inbound {
        Inbound::Line(line) => line.len() + 2,
        Inbound::TooLong => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_lines_beyond_the_passing_ones_count_against_the_bounds() {
        let mut queue = RecvQueue::default();
        queue.push(Inbound::Line(Bytes::from_static(b"PRIVMSG #a :12345678")));
        queue.push(Inbound::TooLong);
        queue.push(Inbound::Line(Bytes::from_static(b"PRIVMSG #a :1")));
        let limits = crate::config::LimitsConfig {
            recvq_bytes: 15,
            flood_max_queued: 2,
            ..Default::default()
        };
        // 22 + 0 + 15 bytes in 3 lines: over both bounds.
        assert!(queue.over(&limits));
        assert!(queue.over_after(0, &limits));
        // Past the first: 15 bytes in 2 lines, within both.
        assert!(!queue.over_after(1, &limits));
        assert!(!queue.over_after(5, &limits));
        let fewer_lines = crate::config::LimitsConfig {
            flood_max_queued: 1,
            ..limits
        };
        assert!(queue.over_after(1, &fewer_lines));
        assert!(!queue.over_after(2, &fewer_lines));
    }

    #[test]
    fn the_receive_queue_holds_no_memory_once_drained() {
        let mut queue = RecvQueue::default();
        for n in 0..10 {
            queue.push(Inbound::Line(Bytes::from(format!("PRIVMSG #a :{n}"))));
        }
        assert_eq!(queue.bytes, 10 * (13 + 2));
        while queue.pop().is_some() {}
        assert_eq!(queue.bytes, 0);
        assert_eq!(queue.lines.capacity(), 0);
    }
}
