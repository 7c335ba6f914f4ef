//! Who talks to whom in a traffic run: how many connections, which of them
//! send, where each one sends, and how many deliveries each message owes.

use anyhow::bail;

/// Who talks to whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    /// `members` connections in one channel; the first `senders` of them talk,
    /// every message goes to the `members - 1` others.
    Fanout {
        /// Connections in the channel.
        members: usize,
        /// How many of them send.
        senders: usize,
        /// The channel (created by the first to join).
        channel: String,
    },
    /// `rooms` channels of `members` connections each, the first `senders`
    /// of every room talking: unrelated channels, which a server may deliver
    /// on several cores at once (one channel keeps one order, so one channel
    /// alone cannot show that).
    Rooms {
        /// How many channels.
        rooms: usize,
        /// Connections in each channel.
        members: usize,
        /// How many of each channel's members send.
        senders: usize,
        /// The channels' names are this followed by `-0`, `-1`, ...
        prefix: String,
    },
    /// `pairs` × two connections; in each pair the first whispers the second.
    Whisper {
        /// Number of pairs.
        pairs: usize,
    },
}

impl Shape {
    pub(super) fn connections(&self) -> usize {
        match self {
            Shape::Fanout { members, .. } => *members,
            Shape::Rooms { rooms, members, .. } => rooms * members,
            Shape::Whisper { pairs } => pairs * 2,
        }
    }

    pub(super) fn senders(&self) -> usize {
        match self {
            Shape::Fanout { senders, .. } => *senders,
            Shape::Rooms { rooms, senders, .. } => rooms * senders,
            Shape::Whisper { pairs } => *pairs,
        }
    }

    /// Deliveries each message owes.
    pub(super) fn recipients_per_message(&self) -> u64 {
        match self {
            Shape::Fanout { members, .. } | Shape::Rooms { members, .. } => {
                members.saturating_sub(1) as u64
            }
            Shape::Whisper { .. } => 1,
        }
    }

    /// The channel connection `index` joins, if any.
    pub(super) fn channel_of(&self, index: usize) -> Option<String> {
        match self {
            Shape::Fanout { channel, .. } => Some(channel.clone()),
            Shape::Rooms {
                members, prefix, ..
            } => Some(room_name(prefix, index / members.max(&1))),
            Shape::Whisper { .. } => None,
        }
    }

    /// Sender `index`'s connection (an index into the registered
    /// connections) and where it sends (`nicks`: every connection's nick).
    pub(super) fn sender_route(&self, index: usize, nicks: &[String]) -> (usize, String) {
        match self {
            Shape::Fanout { channel, .. } => (index, channel.clone()),
            Shape::Rooms {
                members,
                senders,
                prefix,
                ..
            } => {
                let room = index / senders.max(&1);
                let connection = room * members + index % senders.max(&1);
                (connection, room_name(prefix, room))
            }
            Shape::Whisper { .. } => (index * 2, nicks[index * 2 + 1].clone()),
        }
    }

    pub(super) fn check(&self) -> anyhow::Result<()> {
        match self {
            Shape::Fanout {
                members, senders, ..
            } => {
                if *members < 2 || *senders == 0 || senders > members {
                    bail!(
                        "fan-out needs at least 2 receivers and 1 to {members} senders (got {senders})"
                    );
                }
            }
            Shape::Rooms {
                rooms,
                members,
                senders,
                ..
            } => {
                if *rooms == 0 || *members < 2 || *senders == 0 || senders > members {
                    bail!(
                        "rooms needs at least 1 room of at least 2 members and 1 to {members} senders each (got {rooms} rooms, {senders} senders)"
                    );
                }
            }
            Shape::Whisper { pairs } if *pairs == 0 => bail!("whisper needs at least one pair"),
            Shape::Whisper { .. } => {}
        }
        Ok(())
    }
}

/// The name of room `room` of a [`Shape::Rooms`] run.
pub(super) fn room_name(prefix: &str, room: usize) -> String {
    format!("{prefix}-{room}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_owe_the_right_deliveries() {
        let fanout = Shape::Fanout {
            members: 100,
            senders: 10,
            channel: "#b".into(),
        };
        assert_eq!(fanout.connections(), 100);
        assert_eq!(fanout.recipients_per_message(), 99);
        let whisper = Shape::Whisper { pairs: 5 };
        assert_eq!(whisper.connections(), 10);
        assert_eq!(whisper.senders(), 5);
        assert_eq!(whisper.recipients_per_message(), 1);
    }

    #[test]
    fn rooms_spread_members_and_senders_over_their_channels() {
        let rooms = Shape::Rooms {
            rooms: 3,
            members: 4,
            senders: 2,
            prefix: "#r".into(),
        };
        assert_eq!(rooms.connections(), 12);
        assert_eq!(rooms.senders(), 6);
        assert_eq!(rooms.recipients_per_message(), 3);
        let joined: Vec<String> = (0..12).filter_map(|i| rooms.channel_of(i)).collect();
        assert_eq!(joined[..5], ["#r-0", "#r-0", "#r-0", "#r-0", "#r-1"]);
        assert_eq!(joined[11], "#r-2");
        let nicks: Vec<String> = (0..12).map(|i| format!("n{i}")).collect();
        let routes: Vec<(usize, String)> = (0..6).map(|s| rooms.sender_route(s, &nicks)).collect();
        // Each room's first two members send into their own room.
        let expected = [
            (0, "#r-0"),
            (1, "#r-0"),
            (4, "#r-1"),
            (5, "#r-1"),
            (8, "#r-2"),
            (9, "#r-2"),
        ];
        for ((connection, target), (want_connection, want_target)) in routes.iter().zip(expected) {
            assert_eq!(
                (*connection, target.as_str()),
                (want_connection, want_target)
            );
            assert_eq!(rooms.channel_of(*connection).as_deref(), Some(want_target));
        }
        assert!(
            Shape::Rooms {
                rooms: 0,
                members: 4,
                senders: 1,
                prefix: "#r".into()
            }
            .check()
            .is_err()
        );
        assert!(rooms.check().is_ok());
    }

    #[test]
    fn impossible_shapes_are_refused() {
        let too_many_senders = Shape::Fanout {
            members: 3,
            senders: 4,
            channel: "#b".into(),
        };
        assert!(too_many_senders.check().is_err());
        assert!(Shape::Whisper { pairs: 0 }.check().is_err());
        assert!(
            Shape::Fanout {
                members: 2,
                senders: 2,
                channel: "#b".into()
            }
            .check()
            .is_ok()
        );
    }
}
