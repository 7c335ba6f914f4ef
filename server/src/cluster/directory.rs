//! Every nick held anywhere in the cluster, kept in memory: the nick bucket
//! watched (each claim as it stands, then every change), so that a whisper
//! to a user of any node, sharing a channel or not, is routed from memory
//! under the hub's locks without asking NATS. The roster knows more about
//! users who share a room (user, host, real name, away); this knows only
//! the nick, the node and the run holding it, and the account its holder
//! is logged in to (so an owned nick is refused on every node while its
//! owner is online on any).

use super::NodeId;
use super::nicks::NickOwner;
use std::collections::{HashMap, HashSet};

/// The claims seen in the nick bucket, by folded nick.
#[derive(Debug, Default)]
pub(crate) struct NickDirectory {
    by_folded: HashMap<String, NickOwner>,
    /// The folded nicks whose holders are logged in, by folded account.
    by_account: HashMap<String, HashSet<String>>,
}

impl NickDirectory {
    /// Records a claim (`Some`) or its release (`None`).
    pub(crate) fn apply(&mut self, folded: String, owner: Option<NickOwner>) {
        let old = match owner {
            Some(owner) => {
                if let Some(account) = &owner.account {
                    self.by_account
                        .entry(account.clone())
                        .or_default()
                        .insert(folded.clone());
                }
                let new_account = owner.account.clone();
                self.by_folded
                    .insert(folded.clone(), owner)
                    .filter(|old| old.account != new_account)
            }
            None => self.by_folded.remove(&folded),
        };
        if let Some(account) = old.and_then(|old| old.account) {
            self.unindex(&account, &folded);
        }
    }

    fn unindex(&mut self, account: &str, folded: &str) {
        if let Some(nicks) = self.by_account.get_mut(account) {
            nicks.remove(folded);
            if nicks.is_empty() {
                self.by_account.remove(account);
            }
        }
    }

    /// Whether a user of another node is logged in to the account
    /// `folded_account` (this node's own users are the hub's to know).
    pub(crate) fn account_online(&self, folded_account: &str, me: &NodeId) -> bool {
        self.by_account.get(folded_account).is_some_and(|nicks| {
            nicks
                .iter()
                .any(|nick| self.remote_owner(nick, me).is_some())
        })
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
        let gone: Vec<String> = self
            .by_folded
            .iter()
            .filter(|(_, owner)| owner.node == *node)
            .map(|(folded, _)| folded.clone())
            .collect();
        for folded in gone {
            self.apply(folded, None);
        }
    }

    /// Forgets every claim but those of the folded nicks in `standing`
    /// (the bucket's keys now): the watch ended and may have missed
    /// releases. What stands is kept as known until the replay that
    /// follows refreshes it, so a whisper or a nick check meanwhile never
    /// finds nobody where someone is.
    pub(crate) fn keep_only(&mut self, standing: &HashSet<String>) {
        let gone: Vec<String> = self
            .by_folded
            .keys()
            .filter(|folded| !standing.contains(*folded))
            .cloned()
            .collect();
        for folded in gone {
            self.apply(folded, None);
        }
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
            account: None,
        }
    }

    fn logged_in(node: &NodeId, nick: &str, account: &str) -> NickOwner {
        NickOwner {
            account: Some(account.to_string()),
            ..owner(node, nick)
        }
    }

    #[test]
    fn an_account_is_online_elsewhere_while_a_user_of_another_node_is_logged_in_to_it() {
        let me = NodeId::new("node-a");
        let other = NodeId::new("node-b");
        let mut directory = NickDirectory::default();
        directory.apply("alice_".into(), Some(owner(&other, "alice_")));
        assert!(!directory.account_online("alice", &me), "not logged in");
        directory.apply("alice_".into(), Some(logged_in(&other, "alice_", "alice")));
        directory.apply("alice2".into(), Some(logged_in(&other, "alice2", "alice")));
        assert!(directory.account_online("alice", &me));
        // One of her two sessions renames away, the other logs out.
        directory.apply("alice_".into(), None);
        assert!(directory.account_online("alice", &me));
        directory.apply("alice2".into(), Some(owner(&other, "alice2")));
        assert!(!directory.account_online("alice", &me));
        assert!(
            directory.by_account.is_empty(),
            "{:?}",
            directory.by_account
        );
        // This node's own users are not "elsewhere"; a gone node's are forgotten.
        directory.apply("bob".into(), Some(logged_in(&me, "bob", "bob")));
        assert!(!directory.account_online("bob", &me));
        directory.apply("carol".into(), Some(logged_in(&other, "carol", "carol")));
        directory.forget_node(&other);
        assert!(!directory.account_online("carol", &me));
        directory.apply("dave".into(), Some(logged_in(&other, "dave", "dave")));
        directory.keep_only(&HashSet::new());
        assert!(!directory.account_online("dave", &me));
    }

    #[test]
    fn a_claim_from_a_node_that_predates_accounts_in_claims_reads_as_not_logged_in() {
        // What a node older than c0ea589 writes: no account.
        let old = r#"{"node":{"name":"node-b","incarnation":9},"client":7,"nick":"alice"}"#;
        let owner: NickOwner = serde_json::from_str(old).unwrap();
        assert_eq!(owner.account, None);
        let me = NodeId::new("node-a");
        let mut directory = NickDirectory::default();
        directory.apply("alice".into(), Some(owner));
        // Routed to like any claim, but nobody counts as online through it.
        assert!(directory.remote_owner("alice", &me).is_some());
        assert!(!directory.account_online("alice", &me));
        // And what this node writes for someone not logged in is what an
        // older node writes: nothing it cannot read.
        let written = serde_json::to_string(&owner_of_old()).unwrap();
        assert!(!written.contains("account"), "{written}");
    }

    fn owner_of_old() -> NickOwner {
        owner(&NodeId::new("node-b"), "alice")
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
        directory.keep_only(&HashSet::new());
        assert!(directory.remote_owner("cid", &me).is_none());
    }

    #[test]
    fn a_watch_opened_again_keeps_what_still_stands_until_its_replay() {
        let me = NodeId::new("node-a");
        let other = NodeId::new("node-b");
        let mut directory = NickDirectory::default();
        directory.apply("bob".into(), Some(logged_in(&other, "Bob", "bob")));
        directory.apply("cid".into(), Some(logged_in(&other, "cid", "cid")));
        // The watch ended; what the bucket holds now is bob's claim only
        // (cid's release was missed). Until the replay reaches bob, a
        // whisper to him is routed and his nick refused to others as before.
        let standing: HashSet<String> = ["bob".to_string()].into();
        directory.keep_only(&standing);
        assert_eq!(
            directory.remote_owner("bob", &me).map(|o| o.nick.as_str()),
            Some("Bob")
        );
        assert!(directory.account_online("bob", &me));
        assert!(directory.remote_owner("cid", &me).is_none());
        assert!(!directory.account_online("cid", &me));
        assert_eq!(directory.remote_count(&me), 1);
    }
}
