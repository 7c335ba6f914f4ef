//! A node's complete member list of a channel, received in chunks and
//! applied at once: who is new joined, who is missing left.

use super::{Roster, Seen};
use crate::cluster::NodeId;
use crate::cluster::wire::RosterMember;
use std::collections::BTreeSet;

/// Most members one node's unfinished roster of one channel may hold; a
/// node that keeps sending chunks without the complete one loses them.
const MAX_PENDING_MEMBERS: usize = 65_536;

impl Roster {
    /// One chunk of `node`'s roster of `channel`: kept until the complete
    /// one, then the whole list is applied as a snapshot.
    pub(super) fn roster_chunk(
        &mut self,
        node: &NodeId,
        channel: &str,
        members: &[RosterMember],
        complete: bool,
    ) -> Vec<Seen> {
        let key = (node.name.clone(), node.incarnation, self.fold(channel));
        let mut all = self.pending.remove(&key).unwrap_or_default();
        all.extend(members.iter().cloned());
        if complete {
            self.snapshot(node, channel, &all)
        } else if all.len() > MAX_PENDING_MEMBERS {
            crate::warn_throttled!(node = %node, channel, "cluster: a roster never completed; dropped it");
            Vec::new()
        } else {
            self.pending.insert(key, all);
            Vec::new()
        }
    }

    /// `node`'s complete list of members of `channel`: who is new joined,
    /// who is missing left.
    fn snapshot(&mut self, node: &NodeId, channel: &str, members: &[RosterMember]) -> Vec<Seen> {
        let folded_channel = self.fold(channel);
        let listed: BTreeSet<String> = members
            .iter()
            .map(|member| self.fold(&member.member.nick))
            .collect();
        let missing: Vec<String> = self
            .channels
            .get(&folded_channel)
            .into_iter()
            .flatten()
            .filter(|key| {
                !listed.contains(*key)
                    && self.users.get(*key).is_some_and(|user| user.node == *node)
            })
            .filter_map(|key| {
                self.users
                    .get(key)
                    .map(|user| user.member.member.nick.clone())
            })
            .collect();
        self.kicked
            .confirmed(node, &folded_channel, |nick| listed.contains(nick));
        let mut seen = Vec::new();
        for nick in missing {
            seen.extend(self.remove_from(channel, &nick));
        }
        for member in members {
            if self
                .kicked
                .holds(&folded_channel, &self.fold(&member.member.nick))
            {
                // Composed before its node applied the kick.
                continue;
            }
            seen.extend(self.join(node, channel, member));
        }
        seen
    }
}
