//! Kicks a node's roster answers may not know of yet.
//!
//! A kick is decided by the kicker's node, but the victim's node applies it
//! only when it reads the KICK from the room stream. A roster answer the
//! victim's node composed before that (answering a node that just started
//! following the room) still lists the victim, and may be stored in the
//! stream before or after the KICK. Applied as it comes, it would put the
//! victim back into every other node's member list: until the next roster
//! exchange when stored after the KICK, for a moment when stored before it
//! and read before the kicker's node read its own KICK back.
//!
//! So a kicked member is remembered here (per channel) until the victim's
//! node shows it applied the kick: a complete roster of the channel from that
//! node that leaves the victim out (the victim's node sends one after every
//! kick of its users from another node, see `inbound::receive`), or a JOIN
//! of the victim (a rejoin is published after the kick was applied there).
//! Until then snapshots do not add the victim back. Bounded: the oldest are
//! forgotten past [`MAX_KICKED`].

use super::{Roster, Seen};
use crate::cluster::NodeId;
use std::collections::BTreeMap;

/// Most kicks remembered at once (each is forgotten as soon as the
/// victim's node answers, within a round trip; this only bounds a flood).
const MAX_KICKED: usize = 4096;

/// Kicked members not yet confirmed by their node: (folded channel, folded
/// nick) -> the victim's node run (`None` when the victim was not known here)
/// and the order the kick came in.
#[derive(Debug, Clone, Default)]
pub(super) struct Kicked {
    victims: BTreeMap<(String, String), (Option<NodeId>, u64)>,
    next: u64,
}

impl Kicked {
    fn remember(&mut self, channel: String, nick: String, node: Option<NodeId>) {
        self.next += 1;
        let entry = self
            .victims
            .entry((channel, nick))
            .or_insert((None, self.next));
        // Seen again (this node's own kick read back): keep what is known.
        entry.0 = node.or(entry.0.take());
        entry.1 = self.next;
        if self.victims.len() > MAX_KICKED
            && let Some(oldest) = self
                .victims
                .iter()
                .min_by_key(|(_, (_, order))| *order)
                .map(|(key, _)| key.clone())
        {
            self.victims.remove(&oldest);
        }
    }

    /// Whether `nick` (folded) was kicked from `channel` (folded) and its
    /// node has not confirmed it yet.
    pub(super) fn holds(&self, channel: &str, nick: &str) -> bool {
        self.victims
            .contains_key(&(channel.to_string(), nick.to_string()))
    }

    /// `nick` (folded) joined `channel` (folded) again.
    pub(super) fn rejoined(&mut self, channel: &str, nick: &str) {
        self.victims
            .remove(&(channel.to_string(), nick.to_string()));
    }

    /// `node`'s complete roster of `channel` (folded) lists `listed`: the
    /// kicks of its users it leaves out are applied there.
    pub(super) fn confirmed(
        &mut self,
        node: &NodeId,
        channel: &str,
        listed: impl Fn(&str) -> bool,
    ) {
        self.victims
            .retain(|(kicked_from, nick), (victim_node, _)| {
                kicked_from != channel
                    || listed(nick)
                    || victim_node.as_ref().is_some_and(|victim| victim != node)
            });
    }

    /// This node no longer follows `channel` (folded).
    pub(super) fn forget_channel(&mut self, channel: &str) {
        self.victims
            .retain(|(kicked_from, _), _| kicked_from != channel);
    }
}

impl Roster {
    /// A kick of `nick` from `channel`, from whichever node: the member is
    /// removed, and kept out of snapshots until its node confirms (see the
    /// module docs). Returns what changed.
    pub fn kick(&mut self, channel: &str, nick: &str) -> Vec<Seen> {
        let (folded_channel, key) = (self.fold(channel), self.fold(nick));
        let node = self.users.get(&key).map(|user| user.node.clone());
        self.kicked.remember(folded_channel, key, node);
        self.remove_from(channel, nick)
    }
}
