//! How often each IRC command was received, and how many bytes those lines
//! took, for `STATS m` (RPL_STATSCOMMANDS). One fixed slot per command
//! natterd understands: counting is two relaxed atomic additions, and
//! commands natterd does not know are not counted, so junk cannot grow it.

use std::sync::atomic::{AtomicU64, Ordering};

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

/// Per-command counts since the server started.
#[derive(Debug)]
pub struct CommandCounts {
    slots: Vec<Slot>,
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
            slots: COMMANDS.iter().map(|_| Slot::default()).collect(),
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
        if let Some(slot) = self.slots.get(command.0) {
            slot.count.fetch_add(1, Ordering::Relaxed);
            slot.bytes
                .fetch_add(u64::try_from(bytes).unwrap_or(u64::MAX), Ordering::Relaxed);
        }
    }

    /// Every command used at least once, in alphabetical order.
    pub fn used(&self) -> Vec<CommandUse> {
        COMMANDS
            .iter()
            .zip(&self.slots)
            .filter_map(|(command, slot)| {
                let count = slot.count.load(Ordering::Relaxed);
                (count > 0).then(|| CommandUse {
                    command,
                    count,
                    bytes: slot.bytes.load(Ordering::Relaxed),
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
