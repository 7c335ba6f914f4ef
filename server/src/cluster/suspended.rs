//! Channel privileges of a node counted dead, kept for its return.
//!
//! When the others count a node run dead, its members' privileges leave
//! the channel's record (a new holder of one of those nicks must be nobody's
//! operator). But a node is also counted dead when it was only cut off from
//! NATS for longer than `node_timeout`; its users never left. So the
//! privileges are not thrown away: they are kept in the record under the
//! node's name and run ([`SuspendedRecord`]), and given back when that same
//! run says it is here again, to those of its members it still has in the
//! channel under the same nick and that no other node holds.
//!
//! What keeps a new holder of a nick from getting them: every local event
//! that changes who holds a nick in the channel is written (in order, after
//! an outage too) before the returning node says it is here, and it takes
//! the nick out of what is kept: a member leaving (part, kick, quit),
//! anyone joining under it, a rename to it on another node (a rename on the
//! node itself carries the kept privilege to the new nick). A restarted
//! node is a new run: what its earlier run had is dropped, never restored.
//!
//! Bounded in time: a node that never comes back (taken out of the cluster,
//! renamed) would otherwise leave its entry in the record forever. What is
//! kept for a run is dropped [`KEEP_SUSPENDED`] after it was counted dead,
//! at the next write of the channel's record (any change of the channel,
//! on any node, prunes it before it is applied): a node cut off for longer
//! comes back to a channel where its users' privileges are gone, as for a
//! restarted node, even when its own return is that next write.

use super::channels::{ChannelRecord, PrivilegeRecord};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How long the privileges of a run counted dead are kept for its return:
/// a day, far longer than any network outage a node comes back from with
/// its users still connected.
pub const KEEP_SUSPENDED: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// The privileges a node run's members had when the others counted it dead.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SuspendedRecord {
    /// The run (incarnation) counted dead.
    pub run: u64,
    /// Folded nick -> privileges.
    pub privileges: BTreeMap<String, PrivilegeRecord>,
    /// When the run was counted dead (Unix milliseconds; 0 in entries
    /// written by nodes that predate it: the clock starts when a node that
    /// knows it first writes the record).
    pub since_ms: i64,
}

impl ChannelRecord {
    /// The run `run` of node `node` was counted dead at `now_ms`: the
    /// privileges of its members `nicks` (folded) are kept for its return
    /// (see the module).
    pub fn suspend(&mut self, node: &str, run: u64, nicks: &[String], now_ms: i64) {
        let kept: BTreeMap<String, PrivilegeRecord> = nicks
            .iter()
            .filter_map(|nick| Some((nick.clone(), *self.privileges.get(nick)?)))
            .collect();
        let entry = self.suspended.entry(node.to_string()).or_default();
        if entry.run != run {
            *entry = SuspendedRecord {
                run,
                privileges: BTreeMap::new(),
                since_ms: now_ms,
            };
        }
        entry.privileges.extend(kept);
        if entry.privileges.is_empty() {
            self.suspended.remove(node);
        }
    }

    /// Run `run` of `node` is here again with `members` (folded nicks it
    /// still has in the channel, held by no other node): they get their
    /// kept privileges back. What any other run of the node had is dropped.
    pub fn restore(&mut self, node: &str, run: u64, members: &[String]) {
        let Some(entry) = self.suspended.remove(node) else {
            return;
        };
        if entry.run != run {
            return;
        }
        for nick in members {
            if let Some(privileges) = entry.privileges.get(nick) {
                self.privileges.insert(nick.clone(), *privileges);
            }
        }
    }

    /// Drops what is kept for runs counted dead longer than
    /// [`KEEP_SUSPENDED`] before `now_ms` (they are not coming back); an
    /// entry without a time (from an older node) gets `now_ms`.
    pub fn expire_suspended(&mut self, now_ms: i64) {
        let keep = i64::try_from(KEEP_SUSPENDED.as_millis()).unwrap_or(i64::MAX);
        for entry in self.suspended.values_mut() {
            if entry.since_ms == 0 {
                entry.since_ms = now_ms;
            }
        }
        self.suspended
            .retain(|_, entry| now_ms.saturating_sub(entry.since_ms) <= keep);
    }

    /// `nick` (folded) left the channel: nothing is kept for it any more.
    pub fn forget_suspended(&mut self, nick: &str) {
        for entry in self.suspended.values_mut() {
            entry.privileges.remove(nick);
        }
        self.suspended
            .retain(|_, entry| !entry.privileges.is_empty());
    }

    /// A member of `node` is in the channel as `nick` (folded) now (joined,
    /// or renamed from `old`): a kept privilege follows a rename on its own
    /// node; what is kept for that nick is dropped on every other node, and
    /// on its own node too for a join (whoever joins was not in the channel
    /// all along, so is not whom it was kept for).
    pub fn claim_suspended(&mut self, node: &str, old: Option<&str>, nick: &str) {
        for (name, entry) in &mut self.suspended {
            match old {
                Some(old) if name == node => {
                    if let Some(privileges) = entry.privileges.remove(old) {
                        entry.privileges.insert(nick.to_string(), privileges);
                    }
                }
                _ => {
                    entry.privileges.remove(nick);
                }
            }
        }
        self.suspended
            .retain(|_, entry| !entry.privileges.is_empty());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OP: PrivilegeRecord = PrivilegeRecord {
        op: true,
        voice: false,
    };

    const NOW: i64 = 1_800_000_000_000;

    fn opped(nicks: &[&str]) -> ChannelRecord {
        ChannelRecord {
            privileges: nicks.iter().map(|nick| (nick.to_string(), OP)).collect(),
            ..ChannelRecord::default()
        }
    }

    fn nicks(list: &[&str]) -> Vec<String> {
        list.iter().map(|nick| nick.to_string()).collect()
    }

    #[test]
    fn the_same_run_gets_back_what_its_members_still_here_had() {
        let mut record = opped(&["ann", "bob"]);
        record.suspend("b", 7, &nicks(&["bob", "cid"]), NOW);
        record.forget_member("bob");
        assert_eq!(record.suspended["b"].privileges.len(), 1, "cid had none");
        assert!(!record.privileges.contains_key("bob"));
        record.restore("b", 7, &nicks(&["bob"]));
        assert_eq!(record.privileges.get("bob"), Some(&OP));
        assert!(record.suspended.is_empty());
    }

    #[test]
    fn a_restarted_node_or_a_member_gone_meanwhile_gets_nothing_back() {
        let mut record = opped(&["bob", "dan"]);
        record.suspend("b", 7, &nicks(&["bob", "dan"]), NOW);
        record.forget_member("bob");
        record.forget_member("dan");
        let mut restarted = record.clone();
        restarted.restore("b", 8, &nicks(&["bob", "dan"]));
        assert!(restarted.privileges.is_empty());
        assert!(restarted.suspended.is_empty(), "the old run's are dropped");
        // dan left (a part, kick or quit written before the return).
        record.forget_suspended("dan");
        record.restore("b", 7, &nicks(&["bob", "dan"]));
        assert_eq!(record.privileges.keys().collect::<Vec<_>>(), ["bob"]);
    }

    #[test]
    fn a_new_holder_of_the_nick_elsewhere_voids_it_and_a_rename_here_carries_it() {
        let mut record = opped(&["bob", "eve"]);
        record.suspend("b", 7, &nicks(&["bob", "eve"]), NOW);
        record.forget_member("bob");
        record.forget_member("eve");
        // Someone on node c joins as bob: bob's kept privilege is void.
        record.claim_suspended("c", None, "bob");
        // A join as eve on node b itself is someone new too.
        let mut rejoined = record.clone();
        rejoined.claim_suspended("b", None, "eve");
        rejoined.restore("b", 7, &nicks(&["eve"]));
        assert!(rejoined.privileges.is_empty());
        // eve renamed to eva on node b itself: hers follows.
        record.claim_suspended("b", Some("eve"), "eva");
        record.restore("b", 7, &nicks(&["bob", "eva"]));
        assert_eq!(record.privileges.keys().collect::<Vec<_>>(), ["eva"]);
    }

    #[test]
    fn what_is_kept_for_a_run_that_never_comes_back_is_dropped_after_a_day() {
        let day = i64::try_from(KEEP_SUSPENDED.as_millis()).unwrap_or(i64::MAX);
        let mut record = opped(&["bob", "cid"]);
        record.suspend("b", 7, &nicks(&["bob"]), NOW);
        record.expire_suspended(NOW + day);
        assert_eq!(record.suspended["b"].privileges.len(), 1, "not yet");
        // An entry an older node wrote (no time) starts its day now.
        record.suspend("c", 3, &nicks(&["cid"]), NOW);
        if let Some(entry) = record.suspended.get_mut("c") {
            entry.since_ms = 0;
        }
        record.expire_suspended(NOW + day + 1);
        assert_eq!(record.suspended.keys().collect::<Vec<_>>(), ["c"]);
        assert_eq!(record.suspended["c"].since_ms, NOW + day + 1);
        record.restore("c", 3, &nicks(&["cid"]));
        assert_eq!(record.privileges.get("cid"), Some(&OP), "still given back");
    }

    #[test]
    fn a_record_with_nothing_kept_says_nothing_of_it() {
        let mut record = opped(&[]);
        record.suspend("b", 7, &nicks(&["bob"]), NOW);
        assert!(record.suspended.is_empty());
        let json = serde_json::to_string(&record).unwrap_or_default();
        assert!(!json.contains("suspended"), "{json}");
    }
}
