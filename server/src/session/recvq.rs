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
        if let Inbound::Line(line) = &inbound {
            self.bytes += line.len() + 2;
        }
        self.lines.push_back(inbound);
    }

    pub(super) fn extend(&mut self, inbound: Option<Inbound>) {
        if let Some(inbound) = inbound {
            self.push(inbound);
        }
    }

    pub(super) fn pop(&mut self) -> Option<Inbound> {
        let inbound = self.lines.pop_front()?;
        if let Inbound::Line(line) = &inbound {
            self.bytes -= line.len() + 2;
        }
        if self.lines.is_empty() {
            // Nothing kept allocated while the client is quiet.
            self.lines = VecDeque::new();
        }
        Some(inbound)
    }

    /// Whether the lines after the first `passing` (those flood control
    /// still has tokens for) are over `limits`: what a client sent while
    /// its JOIN waited is held to the queue's bounds only beyond its burst.
    pub(super) fn over_after(&self, passing: usize, limits: &crate::config::LimitsConfig) -> bool {
        let waiting = self.lines.iter().skip(passing);
        let (lines, bytes) = waiting.fold((0, 0), |(lines, bytes), inbound| match inbound {
            Inbound::Line(line) => (lines + 1, bytes + line.len() + 2),
            Inbound::TooLong => (lines + 1, bytes),
        });
        bytes > limits.recvq_bytes || lines > limits.flood_max_queued
    }

    pub(super) fn over(&self, limits: &crate::config::LimitsConfig) -> bool {
        self.bytes > limits.recvq_bytes || self.lines.len() > limits.flood_max_queued
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
