//! Messages on their way to the writer thread, packed into one shared buffer.
//!
//! Each message used to be its own allocation (one [`QueuedMessage`] box,
//! and before that about eight strings), made on a worker thread and freed
//! by the writer thread, and travelled over a channel with a semaphore
//! permit each. [`Records`] instead appends every text field of a message
//! back to back into text blocks of [`BLOCK`] bytes, with a small fixed
//! entry per message: the hub writes straight from the pieces it already
//! has (no intermediate `format!`), the writer takes the whole buffer at
//! once (see `super::handoff`) and reads each message as a borrowed
//! [`QueuedMessage`], and the buffer goes back to be filled again. Blocks
//! are kept when it is emptied and never grow (a full one is followed by
//! the next): a single growing string was copied into fresh pages at every
//! doubling, and those page faults were most of the hub's with history on.
//! The writer keeps the buffers it took in a `super::backlog::Backlog`.

use super::keys::{key_len_bound, push_key, sender_first};
use super::model::{Conversation, MessageKind, StoredMessage};
use super::queued::QueuedMessage;
use chrono::{DateTime, Utc};
use std::borrow::Cow;

/// Where a message belongs, as the pieces the hub holds (nothing allocated).
#[derive(Debug, Clone, Copy)]
pub enum Between<'a> {
    /// A channel, by case-folded name.
    Channel(&'a str),
    /// A private conversation: the sender's and the recipient's identity
    /// keys, each the concatenation of its pieces (e.g. `["account:", "bob"]`).
    Private {
        /// The sender's identity key.
        sender: [&'a str; 2],
        /// The recipient's identity key.
        recipient: [&'a str; 2],
    },
}

/// A message to record: as the hub says it (borrowed pieces) or as a
/// [`StoredMessage`] (another node's, a cluster catch-up, a backlog).
#[derive(Debug, Clone)]
pub enum ToRecord<'a> {
    /// A message this server just gave a fresh msgid.
    Said(Said<'a>),
    /// A message the store may hold already (its msgid is checked for
    /// duplicates, see [`QueuedMessage::replayed`]).
    Stored(Cow<'a, StoredMessage>),
}

/// A message as the hub says it, borrowed from what it holds.
#[derive(Debug, Clone, Copy)]
pub struct Said<'a> {
    /// Its fresh `msgid` tag.
    pub msgid: &'a str,
    /// Its server time.
    pub time: DateTime<Utc>,
    /// PRIVMSG or NOTICE.
    pub kind: MessageKind,
    /// `nick!user@host`, in one piece: the hub's cached
    /// `crate::hub::Source::mask` (copying it whole cost less than copying
    /// its five parts).
    pub source: &'a str,
    /// The channel name or recipient nick, as history names it.
    pub target: &'a str,
    /// The text.
    pub text: &'a str,
    /// The conversation.
    pub between: Between<'a>,
}

impl<'a> From<Said<'a>> for ToRecord<'a> {
    fn from(said: Said<'a>) -> ToRecord<'a> {
        ToRecord::Said(said)
    }
}

impl<'a> From<StoredMessage> for ToRecord<'a> {
    fn from(message: StoredMessage) -> ToRecord<'a> {
        ToRecord::Stored(Cow::Owned(message))
    }
}

impl<'a> From<&'a StoredMessage> for ToRecord<'a> {
    fn from(message: &'a StoredMessage) -> ToRecord<'a> {
        ToRecord::Stored(Cow::Borrowed(message))
    }
}

/// Where one message lies in [`Records::text`], and its fixed fields.
#[derive(Debug, Clone, Copy)]
struct Entry {
    /// Which text block, and where in it the message starts.
    block: u32,
    start: u32,
    /// Where the msgid, source, target, text and key end, from `start`.
    ends: [u32; 5],
    time_ms: i64,
    kind: MessageKind,
    actor_is_a: bool,
    replayed: bool,
}

/// Messages packed back to back (see the module docs), in the order they
/// were recorded.
#[derive(Debug, Default)]
pub struct Records {
    /// Text blocks, each of at least [`BLOCK`] bytes' capacity; those after
    /// `current` are empty (kept from before the last `clear`).
    blocks: Vec<String>,
    current: usize,
    entries: Vec<Entry>,
    /// Text bytes in use, over every block.
    used: usize,
}

/// A text block's capacity (a longer message gets a block of its own size).
pub(super) const BLOCK: usize = 64 << 10;

impl Records {
    /// How many messages it holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The bytes its messages take (text and entries), for the queue's bound.
    pub fn bytes(&self) -> usize {
        self.used + self.entries.len() * std::mem::size_of::<Entry>()
    }

    /// The memory it holds (blocks and entries), used or not.
    #[cfg(test)]
    pub fn capacity(&self) -> usize {
        self.blocks.iter().map(String::capacity).sum::<usize>()
            + self.entries.capacity() * std::mem::size_of::<Entry>()
    }

    /// Whether any of its messages is [`QueuedMessage::replayed`] (read from
    /// the entries alone, not the packed text).
    pub fn any_replayed(&self) -> bool {
        self.entries.iter().any(|entry| entry.replayed)
    }

    /// The `index`th message, if there is one.
    #[cfg(test)]
    pub fn get(&self, index: usize) -> Option<QueuedMessage<'_>> {
        self.entries.get(index).map(|entry| self.view(entry))
    }

    /// Its messages in the order they were recorded.
    pub fn iter(&self) -> impl Iterator<Item = QueuedMessage<'_>> + '_ {
        self.entries.iter().map(|entry| self.view(entry))
    }

    /// Keeps only the messages for which `keep` says so; `keep` sees the
    /// message's index (its place in recording order) too.
    pub fn retain(&mut self, mut keep: impl FnMut(usize, QueuedMessage<'_>) -> bool) {
        let blocks = &self.blocks;
        let mut index = 0;
        self.entries.retain(|entry| {
            let kept = keep(index, view(blocks, entry));
            index += 1;
            kept
        });
    }

    /// Keeps only the first `len` messages.
    pub fn truncate(&mut self, len: usize) {
        self.entries.truncate(len);
    }

    /// Empties it, keeping its allocations for the next messages, but no
    /// more than about `keep` bytes of them (what a burst grew goes back).
    pub fn clear(&mut self, keep: usize) {
        self.blocks.iter_mut().for_each(String::clear);
        let mut kept = 0;
        self.blocks.retain(|block| {
            kept += block.capacity();
            kept <= keep
        });
        self.current = 0;
        self.entries.clear();
        self.entries
            .shrink_to(keep / 4 / std::mem::size_of::<Entry>());
        self.used = 0;
    }

    /// The block with room for `need` more bytes: the current one, else the
    /// next (empty) one, else a new one.
    fn block_for(&mut self, need: usize) -> usize {
        while let Some(block) = self.blocks.get(self.current) {
            if block.capacity() - block.len() >= need {
                return self.current;
            }
            self.current += 1;
        }
        self.blocks.push(String::with_capacity(need.max(BLOCK)));
        self.current = self.blocks.len() - 1;
        self.current
    }

    /// Appends `message`.
    pub fn push(&mut self, message: &ToRecord<'_>) {
        match message {
            ToRecord::Said(said) => {
                self.pack(
                    Fields {
                        msgid: said.msgid,
                        time_ms: said.time.timestamp_millis(),
                        kind: said.kind,
                        source: said.source,
                        target: said.target,
                        text: said.text,
                    },
                    said.between,
                    false,
                );
            }
            ToRecord::Stored(message) => self.push_stored(message),
        }
    }

    fn push_stored(&mut self, message: &StoredMessage) {
        let between = match &message.conversation {
            Conversation::Channel(name) => Between::Channel(name),
            Conversation::Private(pair) => {
                let (sender, recipient) = if pair.actor_is_a() {
                    (pair.a(), pair.b())
                } else {
                    (pair.b(), pair.a())
                };
                Between::Private {
                    sender: [sender, ""],
                    recipient: [recipient, ""],
                }
            }
        };
        let fields = Fields {
            msgid: &message.msgid,
            time_ms: message.time.timestamp_millis(),
            kind: message.kind,
            source: &message.source,
            target: &message.target,
            text: &message.text,
        };
        self.pack(fields, between, true);
    }

    fn pack(&mut self, fields: Fields<'_>, between: Between<'_>, replayed: bool) {
        let actor_is_a = match between {
            Between::Channel(_) => true,
            Between::Private { sender, recipient } => sender_first(&sender, &recipient),
        };
        // At most: the key's length has at most 20 digits.
        let need = fields.msgid.len()
            + fields.source.len()
            + fields.target.len()
            + fields.text.len()
            + key_len_bound(&between);
        let block = self.block_for(need);
        let text = &mut self.blocks[block];
        let start = text.len();
        let mut ends = [0u32; 5];
        let mark = |text: &String, slot: &mut u32| {
            // A message is far below 4 GiB (lines are bounded); saturate
            // rather than wrap should one ever not be.
            *slot = u32::try_from(text.len() - start).unwrap_or(u32::MAX);
        };
        text.push_str(fields.msgid);
        mark(text, &mut ends[0]);
        text.push_str(fields.source);
        mark(text, &mut ends[1]);
        text.push_str(fields.target);
        mark(text, &mut ends[2]);
        text.push_str(fields.text);
        mark(text, &mut ends[3]);
        push_key(text, &between, actor_is_a);
        mark(text, &mut ends[4]);
        self.used += text.len() - start;
        self.entries.push(Entry {
            // Blocks and their offsets are far below 4 G (bounded queue).
            block: u32::try_from(block).unwrap_or(u32::MAX),
            start: u32::try_from(start).unwrap_or(u32::MAX),
            ends,
            time_ms: fields.time_ms,
            kind: fields.kind,
            actor_is_a,
            replayed,
        });
    }

    fn view<'r>(&'r self, entry: &Entry) -> QueuedMessage<'r> {
        view(&self.blocks, entry)
    }
}

fn view<'r>(blocks: &'r [String], entry: &Entry) -> QueuedMessage<'r> {
    let start = entry.start as usize;
    let end = start + entry.ends[4] as usize;
    let ends = entry.ends.map(|end| end as usize);
    let text = blocks.get(entry.block as usize).map_or("", String::as_str);
    QueuedMessage::from_parts(
        text.get(start..end).unwrap_or_default(),
        [ends[0], ends[1], ends[2], ends[3]],
        entry.time_ms,
        entry.kind,
        entry.actor_is_a,
        entry.replayed,
    )
}

/// The text fields of a message to pack.
struct Fields<'a> {
    msgid: &'a str,
    time_ms: i64,
    kind: MessageKind,
    source: &'a str,
    target: &'a str,
    text: &'a str,
}
