//! Every nick held anywhere in the cluster, kept in memory: the nick bucket
//! watched (each claim as it stands, then every change), so that a whisper
//! to a user of any node, sharing a channel or not, is routed from memory
//! under the hub's locks without asking NATS. The roster knows more about
//! users who share a room (user, host, real name, away); this knows only
//! the nick, the node and the run holding it.

use super::NodeId;
use super::nicks::NickOwner;
use std::collections::HashMap;

/// The claims seen in the nick bucket, by folded nick.
#[derive(Debug, Default)]
pub(crate) struct NickDirectory {
    by_folded: HashMap<String, NickOwner>,
}

impl NickDirectory {
    /// Records a claim (`Some`) or its release (`None`).
    pub(crate) fn apply(&mut self, folded: String, owner: Option<NickOwner>) {
        match owner {
            Some(owner) => {
                self.by_folded.insert(folded, owner);
            }
            None => {
                self.by_folded.remove(&folded);
            }
        }
    }

    /// Who holds `folded`, unless it is a run of this node (`me`: its own
    /// users are the hub's, and an earlier run's claims are stale).
    pub(crate) fn remote_owner(&self, folded: &str, me: &NodeId) -> Option<&NickOwner> {
        self.by_folded
            .get(folded)
            .filter(|owner| owner.node.name != me.name)
    }

    /// How many nicks other nodes hold.
    pub(crate) fn remote_count(&self, me: &NodeId) -> usize {
        self.by_folded
            .values()
            .filter(|owner| owner.node.name != me.name)
            .count()
    }

    /// Forgets every claim of a run seen to be gone (its deletes follow).
    pub(crate) fn forget_node(&mut self, node: &NodeId) {
        self.by_folded.retain(|_, owner| owner.node != *node);
    }

    /// Forgets everything (the watch restarts and replays what stands).
    pub(crate) fn clear(&mut self) {
        self.by_folded.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owner(node: &NodeId, nick: &str) -> NickOwner {
        NickOwner {
            node: node.clone(),
            client: 7,
            nick: nick.to_string(),
        }
    }

    #[test]
    fn claims_of_other_nodes_are_remote_and_releases_remove_them() {
        let me = NodeId::new("node-a");
        let other = NodeId::new("node-b");
        let mut directory = NickDirectory::default();
        directory.apply("bob".into(), Some(owner(&other, "Bob")));
        directory.apply("ann".into(), Some(owner(&me, "Ann")));
        assert_eq!(
            directory.remote_owner("bob", &me).map(|o| o.nick.as_str()),
            Some("Bob")
        );
        assert!(directory.remote_owner("ann", &me).is_none(), "our own");
        assert_eq!(directory.remote_count(&me), 1);
        directory.apply("bob".into(), None);
        assert!(directory.remote_owner("bob", &me).is_none());
    }

    #[test]
    fn an_earlier_run_of_this_node_is_not_remote_and_a_gone_node_is_forgotten() {
        let me = NodeId::new("node-a");
        let earlier = NodeId::new("node-a");
        let other = NodeId::new("node-b");
        let mut directory = NickDirectory::default();
        directory.apply("old".into(), Some(owner(&earlier, "old")));
        directory.apply("bob".into(), Some(owner(&other, "bob")));
        assert!(directory.remote_owner("old", &me).is_none());
        directory.forget_node(&other);
        assert!(directory.remote_owner("bob", &me).is_none());
        directory.apply("cid".into(), Some(owner(&other, "cid")));
        directory.clear();
        assert!(directory.remote_owner("cid", &me).is_none());
    }
}
