//! This node's own channel messages, held until the room stream gives them
//! their place in the room's order.
//!
//! In a cluster, a message a local user says in a room is not pushed to the
//! room's other local members at once (only the sender's echo is): it is
//! published into the room stream and held here by msgid. When the room's
//! follower reads it back, at its stream sequence, it is delivered like any
//! other node's message, so every member on every node sees the room's
//! messages in one order. A message is only held when that read-back is
//! certain to come (NATS up, the room followed from a known sequence); a
//! message the stream refused is delivered at once instead, out of order
//! but not lost. Bounded: past [`MAX_HELD`] messages the hub delivers at
//! once, as without a cluster.

use crate::hub::Folded;
use crate::hub::client::ClientId;
use crate::hub::event::Envelope;
use std::collections::HashMap;
use std::sync::Arc;

/// Most messages held at once: a stream far behind must not take all
/// memory; beyond it messages are delivered at once (unordered).
pub(crate) const MAX_HELD: usize = 65_536;

/// One message waiting for its place.
#[derive(Debug, Clone)]
pub(crate) struct Held {
    /// Who said it (not delivered back to them: they had their echo).
    pub(crate) sender: ClientId,
    /// The room (folded).
    pub(crate) room: Folded,
    /// The event exactly as the hub routed it.
    pub(crate) envelope: Arc<Envelope>,
}

/// The messages held, by msgid.
#[derive(Debug, Default)]
pub(crate) struct HeldMessages {
    by_msgid: HashMap<String, Held>,
}

impl HeldMessages {
    /// Holds `held` under `msgid`; false (not held) when full.
    pub(crate) fn hold(&mut self, msgid: String, held: Held) -> bool {
        if self.by_msgid.len() >= MAX_HELD {
            return false;
        }
        self.by_msgid.insert(msgid, held);
        true
    }

    /// Takes the message held under `msgid`, if any.
    pub(crate) fn take(&mut self, msgid: &str) -> Option<Held> {
        self.by_msgid.remove(msgid)
    }

    /// Drops what is held for `room` (its last local member left: nobody
    /// here is waiting for it).
    pub(crate) fn forget_room(&mut self, room: &str) {
        self.by_msgid.retain(|_, held| &*held.room != room);
    }

    /// How many messages are held.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.by_msgid.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hub::event::Event;

    fn held(room: &str) -> Held {
        Held {
            sender: 1,
            room: Folded::from_folded(room.to_string()),
            envelope: Arc::new(Envelope {
                event: Event::Join {
                    source: Arc::new(crate::hub::client::Source {
                        nick: "a".into(),
                        user: "a".into(),
                        host: "h".into(),
                        account: None,
                        realname: String::new(),
                        prefix_word: Default::default(),
                    }),
                    channel: room.to_string(),
                },
                time: chrono::Utc::now(),
            }),
        }
    }

    #[test]
    fn a_held_message_is_taken_once() {
        let mut messages = HeldMessages::default();
        assert!(messages.hold("m1".into(), held("#a")));
        assert_eq!(messages.take("m1").map(|h| h.sender), Some(1));
        assert!(messages.take("m1").is_none());
    }

    #[test]
    fn forgetting_a_room_drops_only_its_messages() {
        let mut messages = HeldMessages::default();
        assert!(messages.hold("m1".into(), held("#a")));
        assert!(messages.hold("m2".into(), held("#b")));
        messages.forget_room("#a");
        assert!(messages.take("m1").is_none());
        assert!(messages.take("m2").is_some());
    }

    #[test]
    fn nothing_more_is_held_past_the_bound() {
        let mut messages = HeldMessages::default();
        for n in 0..MAX_HELD {
            assert!(messages.hold(format!("m{n}"), held("#a")));
        }
        assert!(!messages.hold("one-more".into(), held("#a")));
        assert_eq!(messages.len(), MAX_HELD);
    }
}
