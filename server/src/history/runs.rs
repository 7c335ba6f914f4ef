//! A batch grouped by conversation before it is written: each
//! conversation's messages together, in queue order, found with one hash
//! of each message's key, so that what is per conversation (its row, its
//! display names, its block) is worked out once per batch, not once per
//! message.
//!
//! The keys come from peers (nicks, accounts, channel names), so the map
//! is a [`KeyedMap`]: foldhash seeded from the OS's randomness, a few
//! times cheaper than the standard SipHash on these short keys and with no
//! collisions a peer could compute in advance.

use crate::history::queued::QueuedMessage;
use crate::keyed::{KeyedMap, KeyedState};

/// One conversation's share of a batch.
pub(super) struct Run<'b> {
    /// The conversation's stored key ([`QueuedMessage::key`]).
    pub(super) key: &'b str,
    /// The index in the batch of its last message: the one whose display
    /// names its row keeps, as if each message had set them in turn.
    pub(super) last: usize,
    /// Where its messages start in [`Grouped::order`].
    start: usize,
    /// How many messages it has.
    len: usize,
}

/// A batch's messages by conversation: [`Grouped::runs`] in the order each
/// conversation first appears, each with its messages in queue order.
pub(super) struct Grouped<'b> {
    /// One per conversation.
    pub(super) runs: Vec<Run<'b>>,
    /// Indices into the batch, run after run.
    order: Vec<u32>,
}

impl<'b> Grouped<'b> {
    /// Groups `batch` (at most `u32::MAX` messages: the writer's batches
    /// hold at most `MAX_BATCH`).
    pub(super) fn new(batch: &'b [QueuedMessage<'b>]) -> Grouped<'b> {
        let mut index: KeyedMap<&'b str, usize> =
            KeyedMap::with_capacity_and_hasher(64, KeyedState::default());
        let mut runs: Vec<Run<'b>> = Vec::new();
        // Which run each message belongs to.
        let mut run_of: Vec<usize> = Vec::with_capacity(batch.len());
        for (at, message) in batch.iter().enumerate() {
            let key = message.key();
            // A channel's messages often come one after another: no hash then.
            let run = match run_of.last() {
                Some(&previous) if runs[previous].key == key => previous,
                _ => *index.entry(key).or_insert_with(|| {
                    runs.push(Run {
                        key,
                        last: at,
                        start: 0,
                        len: 0,
                    });
                    runs.len() - 1
                }),
            };
            runs[run].last = at;
            runs[run].len += 1;
            run_of.push(run);
        }
        let mut start = 0;
        for run in &mut runs {
            run.start = start;
            start += run.len;
        }
        // Filled run by run in queue order: `next[r]` is where run r's next message goes.
        let mut next: Vec<usize> = runs.iter().map(|run| run.start).collect();
        let mut order = vec![0u32; batch.len()];
        for (at, &run) in run_of.iter().enumerate() {
            order[next[run]] = u32::try_from(at).unwrap_or(u32::MAX);
            next[run] += 1;
        }
        Grouped { runs, order }
    }

    /// The batch indices of `run`'s messages, in queue order.
    pub(super) fn messages(&self, run: &Run<'_>) -> impl Iterator<Item = usize> + '_ {
        self.order[run.start..run.start + run.len]
            .iter()
            .map(|&at| at as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::records::Records;
    use crate::history::{Conversation, MessageKind, StoredMessage};

    fn message(conversation: Conversation, text: &str) -> StoredMessage {
        StoredMessage {
            msgid: crate::history::new_msgid(),
            time: chrono::Utc::now(),
            conversation,
            kind: MessageKind::Privmsg,
            source: "alice!a@h".into(),
            target: "x".into(),
            text: text.into(),
        }
    }

    /// The messages packed as the writer takes them.
    fn records(messages: Vec<StoredMessage>) -> Records {
        let mut records = Records::default();
        for message in messages {
            records.push(&message.into());
        }
        records
    }

    fn texts(batch: &[QueuedMessage<'_>], grouped: &Grouped<'_>) -> Vec<Vec<String>> {
        grouped
            .runs
            .iter()
            .map(|run| {
                grouped
                    .messages(run)
                    .map(|at| batch[at].text().to_owned())
                    .collect()
            })
            .collect()
    }

    #[test]
    fn each_conversation_is_one_run_in_queue_order_and_remembers_its_last_message() {
        let lobby = Conversation::channel("#lobby");
        let pair = Conversation::private("alice", "bob");
        let other = Conversation::channel("#other");
        let records = records(vec![
            message(lobby.clone(), "l1"),
            message(pair.clone(), "p1"),
            message(lobby.clone(), "l2"),
            message(lobby.clone(), "l3"),
            message(other.clone(), "o1"),
            message(pair.clone(), "p2"),
        ]);
        let batch: Vec<_> = records.iter().collect();
        let grouped = Grouped::new(&batch);
        assert_eq!(
            texts(&batch, &grouped),
            [vec!["l1", "l2", "l3"], vec!["p1", "p2"], vec!["o1"]]
        );
        let keys: Vec<&str> = grouped.runs.iter().map(|run| run.key).collect();
        assert_eq!(keys, [&*lobby.key(), &*pair.key(), &*other.key()]);
        let lasts: Vec<usize> = grouped.runs.iter().map(|run| run.last).collect();
        assert_eq!(lasts, [3, 5, 4]);
    }

    #[test]
    fn an_empty_batch_has_no_runs() {
        let grouped = Grouped::new(&[]);
        assert!(grouped.runs.is_empty());
    }

    #[test]
    fn many_interleaved_conversations_keep_every_message_once() {
        let conversations: Vec<Conversation> = (0..100)
            .map(|n| Conversation::private(format!("a{n}"), format!("b{n}")))
            .collect();
        let records = records(
            (0..5000)
                .map(|n| message(conversations[n * 7 % 100].clone(), &n.to_string()))
                .collect(),
        );
        let batch: Vec<_> = records.iter().collect();
        let grouped = Grouped::new(&batch);
        assert_eq!(grouped.runs.len(), 100);
        let mut seen = vec![false; batch.len()];
        for run in &grouped.runs {
            let members: Vec<usize> = grouped.messages(run).collect();
            assert!(members.windows(2).all(|pair| pair[0] < pair[1]));
            assert_eq!(members.last(), Some(&run.last));
            for at in members {
                assert_eq!(batch[at].key(), run.key);
                assert!(!std::mem::replace(&mut seen[at], true));
            }
        }
        assert!(seen.into_iter().all(|seen| seen));
    }
}
