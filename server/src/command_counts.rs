//! How often each IRC command was received, and how many bytes those lines
//! took, for `STATS m` (RPL_STATSCOMMANDS). One fixed slot per command
//! natterd understands, and commands natterd does not know are not counted,
//! so junk cannot grow it.
//!
//! Every message counts here, so the counts are kept per thread: each of
//! the first [`SHARDS`]` - 1` threads that count writes its own copy of the
//! table with plain loads and stores, and `STATS m` adds the copies up.
//! One table shared by all was two locked additions per line, whose
//! `lock add` (a full barrier) was ~2% of a whisper's CPU. Threads past
//! those share the last copy with atomic additions, as before.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// The commands counted, sorted so a lookup is a binary search.
const COMMANDS: &[&str] = &[
    "ADMIN",
    "AUTHENTICATE",
    "AWAY",
    "CAP",
    "CHATHISTORY",
    "HELP",
    "HELPOP",
    "INFO",
    "INVITE",
    "ISON",
    "JOIN",
    "KICK",
    "KILL",
    "LINKS",
    "LIST",
    "LUSERS",
    "MODE",
    "MOTD",
    "NAMES",
    "NICK",
    "NOTICE",
    "OPER",
    "PART",
    "PASS",
    "PING",
    "PONG",
    "PRIVMSG",
    "QUIT",
    "REGISTER",
    "STATS",
    "TAGMSG",
    "TIME",
    "TOPIC",
    "USER",
    "USERHOST",
    "VERSION",
    "WALLOPS",
    "WHO",
    "WHOIS",
    "WHOWAS",
];

/// A command's slot, found once where the command is known in advance (the
/// hot messages), so that counting it is no lookup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counted(usize);

impl Counted {
    /// PRIVMSG's slot.
    pub const PRIVMSG: Counted = Counted::of("PRIVMSG");
    /// NOTICE's slot.
    pub const NOTICE: Counted = Counted::of("NOTICE");

    /// The slot of `command`, which must be in [`COMMANDS`] (checked when compiled).
    const fn of(command: &str) -> Counted {
        let mut index = 0;
        while index < COMMANDS.len() {
            if same(COMMANDS[index].as_bytes(), command.as_bytes()) {
                return Counted(index);
            }
            index += 1;
        }
        panic!("not a counted command");
    }
}

/// Byte-wise equality, usable in a `const fn`.
const fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut index = 0;
    while index < a.len() {
        if a[index] != b[index] {
            return false;
        }
        index += 1;
    }
    true
}

/// One command's use: how many lines, and their bytes.
#[derive(Debug, Default)]
struct Slot {
    count: AtomicU64,
    bytes: AtomicU64,
}

/// How many copies of the table a [`CommandCounts`] keeps: one for each of
/// the first `SHARDS - 1` threads that count in this process (a runtime's
/// workers are among the first), the last shared by any others.
const SHARDS: usize = 16;

/// The shard that threads past the first `SHARDS - 1` share.
const SHARED_SHARD: usize = SHARDS - 1;

/// One copy of the table, on cache lines of its own (no thread's counting
/// slows another's).
#[derive(Debug)]
#[repr(align(128))]
struct Shard {
    slots: [Slot; COMMANDS.len()],
}

impl Default for Shard {
    fn default() -> Shard {
        Shard {
            slots: std::array::from_fn(|_| Slot::default()),
        }
    }
}

/// The next thread's shard number (threads are numbered as they first count).
static NEXT_THREAD: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// This thread's shard in every [`CommandCounts`], once it has counted.
    static THREAD_SHARD: Cell<Option<usize>> = const { Cell::new(None) };
}

/// The calling thread's shard number, the same in every [`CommandCounts`].
fn thread_shard() -> usize {
    THREAD_SHARD.with(|shard| {
        shard.get().unwrap_or_else(|| {
            let number = NEXT_THREAD
                .fetch_add(1, Ordering::Relaxed)
                .min(SHARED_SHARD);
            shard.set(Some(number));
            number
        })
    })
}

/// Per-command counts since the server started.
#[derive(Debug)]
pub struct CommandCounts {
    shards: Box<[Shard]>,
}

/// One command's total, as `STATS m` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandUse {
    /// The command, upper case.
    pub command: &'static str,
    /// Lines received with it.
    pub count: u64,
    /// Their bytes, without the line ending.
    pub bytes: u64,
}

impl Default for CommandCounts {
    fn default() -> Self {
        CommandCounts {
            shards: (0..SHARDS).map(|_| Shard::default()).collect(),
        }
    }
}

impl CommandCounts {
    /// Counts one received line of `command` (upper case) that was `bytes` long;
    /// commands natterd does not understand are ignored.
    pub fn record(&self, command: &str, bytes: usize) {
        if let Ok(index) = COMMANDS.binary_search(&command) {
            self.record_counted(Counted(index), bytes);
        }
    }

    /// Counts one received line of a command whose slot is known (see
    /// [`Counted`]) that was `bytes` long.
    pub fn record_counted(&self, command: Counted, bytes: usize) {
        let bytes = u64::try_from(bytes).unwrap_or(u64::MAX);
        let shard = thread_shard();
        let Some(slot) = self
            .shards
            .get(shard)
            .and_then(|shard| shard.slots.get(command.0))
        else {
            return;
        };
        if shard == SHARED_SHARD {
            slot.count.fetch_add(1, Ordering::Relaxed);
            slot.bytes.fetch_add(bytes, Ordering::Relaxed);
        } else {
            // Only this thread writes this shard: no other addition can
            // come between the load and the store.
            let count = slot.count.load(Ordering::Relaxed);
            slot.count.store(count.wrapping_add(1), Ordering::Relaxed);
            let total = slot.bytes.load(Ordering::Relaxed);
            slot.bytes
                .store(total.wrapping_add(bytes), Ordering::Relaxed);
        }
    }

    /// One command's totals over every thread's shard.
    fn total(&self, index: usize) -> (u64, u64) {
        self.shards
            .iter()
            .filter_map(|shard| shard.slots.get(index))
            .fold((0, 0), |(count, bytes), slot| {
                (
                    count.wrapping_add(slot.count.load(Ordering::Relaxed)),
                    bytes.wrapping_add(slot.bytes.load(Ordering::Relaxed)),
                )
            })
    }

    /// Every command used at least once, in alphabetical order.
    pub fn used(&self) -> Vec<CommandUse> {
        COMMANDS
            .iter()
            .enumerate()
            .filter_map(|(index, command)| {
                let (count, bytes) = self.total(index);
                (count > 0).then_some(CommandUse {
                    command,
                    count,
                    bytes,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_and_has_no_duplicates() {
        assert!(COMMANDS.windows(2).all(|pair| pair[0] < pair[1]));
    }

    #[test]
    fn a_known_slot_counts_as_its_command_does() {
        let counts = CommandCounts::default();
        counts.record_counted(Counted::PRIVMSG, 20);
        counts.record("PRIVMSG", 5);
        counts.record_counted(Counted::NOTICE, 7);
        let used = counts.used();
        assert_eq!(
            used,
            [
                CommandUse {
                    command: "NOTICE",
                    count: 1,
                    bytes: 7
                },
                CommandUse {
                    command: "PRIVMSG",
                    count: 2,
                    bytes: 25
                },
            ]
        );
    }

    /// More threads than shards: each has its own shard or shares the
    /// last one, and every line is counted once either way.
    #[test]
    fn counts_from_many_threads_add_up() {
        let counts = CommandCounts::default();
        let threads = 2 * SHARDS;
        std::thread::scope(|scope| {
            for _ in 0..threads {
                scope.spawn(|| {
                    for _ in 0..1000 {
                        counts.record_counted(Counted::PRIVMSG, 3);
                        counts.record("JOIN", 1);
                    }
                });
            }
        });
        let lines = u64::try_from(threads * 1000).unwrap();
        assert_eq!(
            counts.used(),
            [
                CommandUse {
                    command: "JOIN",
                    count: lines,
                    bytes: lines
                },
                CommandUse {
                    command: "PRIVMSG",
                    count: lines,
                    bytes: 3 * lines
                },
            ]
        );
    }

    #[test]
    fn counts_known_commands_with_their_bytes_and_ignores_the_rest() {
        let counts = CommandCounts::default();
        assert_eq!(counts.used(), []);
        counts.record("PRIVMSG", 20);
        counts.record("JOIN", 11);
        counts.record("PRIVMSG", 5);
        counts.record("FROBNICATE", 100);
        counts.record("privmsg", 100);
        assert_eq!(
            counts.used(),
            [
                CommandUse {
                    command: "JOIN",
                    count: 1,
                    bytes: 11
                },
                CommandUse {
                    command: "PRIVMSG",
                    count: 2,
                    bytes: 25
                },
            ]
        );
    }
}
