//! The next record after one change (pure): what the writer writes by
//! compare-and-set.

use super::StateChange;
use crate::cluster::channels::{Change, ChannelRecord};
use chrono::Utc;

/// The next record after `change`, given the current one (`None`: none yet)
/// and this node's copy of the channel (`None`: nobody here any more).
///
/// A record that lists no node is what is left of a channel whose every
/// node with members was counted dead: its last state, kept for a node
/// that was only cut off from NATS. `Here` from such a node resumes it;
/// to anything else the channel has ended and starts anew.
pub(super) fn next_record(
    current: Option<&ChannelRecord>,
    change: &StateChange,
    local: Option<&ChannelRecord>,
    node: &str,
    fold: &impl Fn(&str) -> String,
) -> Change {
    let current = current
        .filter(|current| !current.nodes.is_empty() || matches!(change, StateChange::Here { .. }));
    let Some(current) = current else {
        // The first write of a channel: it is what this node has, made by
        // whoever made it so.
        let by = match change {
            StateChange::Joined(by)
            | StateChange::Here { by, .. }
            | StateChange::Modes { setter: by, .. }
            | StateChange::Topic { setter: by, .. } => by,
            StateChange::Left(_)
            | StateChange::Renamed(..)
            | StateChange::Invited(_)
            | StateChange::NodeGone { .. } => {
                return Change::Keep;
            }
        };
        return match local {
            Some(local) => Change::Write(Box::new(ChannelRecord {
                changed_by: by.clone(),
                ..local.clone()
            })),
            None => Change::Keep,
        };
    };
    let mut next = current.clone();
    let now = Utc::now().timestamp_millis();
    // What is kept for runs that never came back is pruned before the
    // change, so a run counted dead too long ago gets nothing back from
    // its own `Here` (the record may not have been written since).
    next.expire_suspended(now);
    match change {
        StateChange::Joined(by) => {
            if let Some(first) = local.filter(|local| created_here_first(current, local, node)) {
                next = ChannelRecord {
                    nodes: current.nodes.clone(),
                    invited: current.invited.clone(),
                    suspended: current.suspended.clone(),
                    changed_by: by.clone(),
                    ..first.clone()
                };
            }
            next.nodes.insert(node.to_string());
            let nick = fold(by.split_once('!').map_or(by.as_str(), |(nick, _)| nick));
            next.invited.remove(&nick);
            next.claim_suspended(node, None, &nick);
        }
        StateChange::Here { run, members, .. } if local.is_some() => {
            next.nodes.insert(node.to_string());
            next.restore(node, *run, members);
        }
        StateChange::Here { .. } => {
            next.suspended.remove(node);
            next.nodes.remove(node);
            if next.nodes.is_empty() {
                return Change::Delete;
            }
        }
        StateChange::Left(nick) => {
            next.forget_member(nick);
            next.forget_suspended(nick);
            if local.is_none() {
                next.nodes.remove(node);
                if next.nodes.is_empty() {
                    return Change::Delete;
                }
            }
        }
        StateChange::Renamed(old, new) => {
            next.rename_member(old, new);
            next.claim_suspended(node, Some(old), new);
        }
        StateChange::Modes {
            changes,
            args,
            setter,
        } => next.apply_modes(changes, args, setter, now, fold),
        StateChange::Topic { text, setter } => next.set_topic(text, setter, now),
        StateChange::Invited(nick) => {
            next.invited.insert(nick.clone());
        }
        StateChange::NodeGone {
            node: gone,
            run,
            nicks,
        } => {
            next.suspend(gone, *run, nicks, now);
            for nick in nicks {
                next.forget_member(nick);
            }
            // Even when no node is left: the dead may only have been cut
            // off, and resume the channel as it was (see above).
            next.nodes.remove(gone);
        }
    }
    if next == *current {
        Change::Keep
    } else {
        Change::Write(Box::new(next))
    }
}

/// Whether this node made the channel (its first member here was made
/// operator, no record being known yet) before the node that wrote the
/// record did: two nodes created it at once, and this node's write of its
/// JOIN came second. The earlier creation wins, as in IRC's timestamp rule:
/// without this, the record of the later one (its own first member the
/// operator) stood, and whoever had made the channel first lost their
/// operator status when their node applied it. A channel that existed
/// before this node's copy of it was made is older, so it keeps its record
/// and a joiner made operator here by mistake (the record not yet seen) is
/// corrected.
fn created_here_first(current: &ChannelRecord, local: &ChannelRecord, node: &str) -> bool {
    !current.nodes.contains(node) && local.created_ms < current.created_ms
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fold(text: &str) -> String {
        text.to_lowercase()
    }

    fn here(members: &[&str]) -> StateChange {
        StateChange::Here {
            by: "irc.example".into(),
            run: 7,
            members: members.iter().map(|nick| nick.to_string()).collect(),
        }
    }

    /// Node `b` (run 7), where bob was, counted dead.
    fn bob_on_b_gone() -> StateChange {
        StateChange::NodeGone {
            node: "b".into(),
            run: 7,
            nicks: vec!["bob".into()],
        }
    }

    fn record(nodes: &[&str]) -> ChannelRecord {
        ChannelRecord {
            name: "#c".into(),
            nodes: nodes.iter().map(|n| n.to_string()).collect(),
            ..ChannelRecord::default()
        }
    }

    #[test]
    fn the_first_write_creates_the_record_from_this_nodes_copy() {
        let local = record(&["a"]);
        let joined = StateChange::Joined("ann!a@h".into());
        let Change::Write(created) = next_record(None, &joined, Some(&local), "a", &fold) else {
            panic!("not created");
        };
        assert_eq!(
            (created.nodes, created.changed_by.as_str()),
            (local.nodes.clone(), "ann!a@h")
        );
        let left = StateChange::Left("bob".into());
        assert_eq!(
            next_record(None, &left, Some(&local), "a", &fold),
            Change::Keep
        );
    }

    #[test]
    fn the_channel_ends_when_the_last_node_with_members_leaves() {
        let both = record(&["a", "b"]);
        let left = StateChange::Left("bob".into());
        let Change::Write(next) = next_record(Some(&both), &left, None, "a", &fold) else {
            panic!("b still has members");
        };
        assert_eq!(next.nodes.len(), 1);
        assert_eq!(
            next_record(Some(&next), &left, None, "b", &fold),
            Change::Delete
        );
        let joined = StateChange::Joined("a!a@h".into());
        let joined = next_record(Some(&next), &joined, None, "a", &fold);
        assert!(matches!(joined, Change::Write(r) if r.nodes.len() == 2));
    }

    #[test]
    fn of_two_nodes_creating_a_channel_at_once_the_earlier_creation_wins() {
        let created = |ms: i64, node: &str, op: &str| {
            let mut copy = record(&[node]);
            copy.created_ms = ms;
            copy.apply_modes("+o", &[op.into()], "x!x@h", ms, fold);
            copy
        };
        // ann made #c on a at 100; bob made it on b at 200, not yet knowing,
        // and b's JOIN was written first.
        let on_a = created(100, "a", "ann");
        let on_b = created(200, "b", "bob");
        let ann = StateChange::Joined("ann!a@h".into());
        let Change::Write(merged) = next_record(Some(&on_b), &ann, Some(&on_a), "a", &fold) else {
            panic!("a's creation is written");
        };
        assert_eq!(merged.privileges.keys().collect::<Vec<_>>(), ["ann"]);
        assert_eq!(merged.nodes.len(), 2);
        assert_eq!(
            (merged.created_ms, merged.changed_by.as_str()),
            (100, "ann!a@h")
        );
        // The other way round: b's later copy takes the record as it is.
        let bob = StateChange::Joined("bob!b@h".into());
        let Change::Write(kept) = next_record(Some(&on_a), &bob, Some(&on_b), "b", &fold) else {
            panic!("b is listed");
        };
        assert_eq!(kept.privileges.keys().collect::<Vec<_>>(), ["ann"]);
        assert_eq!(kept.created_ms, 100);
        // Once listed, a node's own copy never replaces the record, however old.
        let cid = StateChange::Joined("cid!c@h".into());
        let older = created(50, "b", "cid");
        assert_eq!(
            next_record(Some(&merged), &cid, Some(&older), "b", &fold),
            Change::Keep
        );
    }

    #[test]
    fn a_dead_node_takes_its_members_privileges_and_its_place() {
        let mut both = record(&["a", "b"]);
        both.apply_modes("+oo", &["Bob".into(), "Ann".into()], "x!x@h", 1, fold);
        let gone = bob_on_b_gone();
        let Change::Write(next) = next_record(Some(&both), &gone, Some(&both), "a", &fold) else {
            panic!("a still has members");
        };
        assert_eq!(next.privileges.keys().collect::<Vec<_>>(), ["ann"]);
        assert_eq!(next.nodes.len(), 1);
        let only_b = record(&["b"]);
        let Change::Write(left) = next_record(Some(&only_b), &gone, None, "a", &fold) else {
            panic!("kept, listing nobody");
        };
        assert!(left.nodes.is_empty());
    }

    #[test]
    fn a_node_counted_dead_gets_its_members_privileges_back_when_the_same_run_returns() {
        let mut both = record(&["a", "b"]);
        both.apply_modes("+oo", &["Bob".into(), "Ann".into()], "x!x@h", 1, fold);
        let gone = bob_on_b_gone();
        let Change::Write(without) = next_record(Some(&both), &gone, Some(&both), "a", &fold)
        else {
            panic!("b is written out");
        };
        assert!(!without.privileges.contains_key("bob"));
        // b was only cut off: the same run says it is here with bob.
        let Change::Write(back) =
            next_record(Some(&without), &here(&["bob"]), Some(&both), "b", &fold)
        else {
            panic!("b is back");
        };
        assert!(back.privileges["bob"].op);
        assert!(back.suspended.is_empty());
        // Had someone on c joined as bob meanwhile, bob would get nothing back.
        let joined = StateChange::Joined("bob!b@other".into());
        let Change::Write(taken) = next_record(Some(&without), &joined, None, "c", &fold) else {
            panic!("c joins");
        };
        assert_eq!(
            next_record(Some(&taken), &here(&["bob"]), Some(&both), "b", &fold),
            Change::Write(Box::new(ChannelRecord {
                nodes: ["a", "b", "c"].iter().map(|n| n.to_string()).collect(),
                ..(*taken).clone()
            }))
        );
    }

    #[test]
    fn any_change_drops_what_was_kept_for_a_run_counted_dead_over_a_day_ago() {
        let mut both = record(&["a", "b"]);
        both.apply_modes("+o", &["Bob".into()], "x!x@h", 1, fold);
        let gone = bob_on_b_gone();
        let Change::Write(mut without) = next_record(Some(&both), &gone, Some(&both), "a", &fold)
        else {
            panic!("b is written out");
        };
        assert_eq!(without.suspended.len(), 1, "kept for b's return");
        let keep = i64::try_from(crate::cluster::suspended::KEEP_SUSPENDED.as_millis()).unwrap();
        if let Some(entry) = without.suspended.get_mut("b") {
            entry.since_ms -= keep + 1;
        }
        let topic = StateChange::Topic {
            text: "later".into(),
            setter: "ann!a@h".into(),
        };
        let Change::Write(later) = next_record(Some(&without), &topic, None, "a", &fold) else {
            panic!("the topic is written");
        };
        assert!(later.suspended.is_empty(), "{:?}", later.suspended);
    }

    #[test]
    fn a_run_counted_dead_over_a_day_ago_gets_nothing_back_though_the_channel_never_changed() {
        let mut both = record(&["a", "b"]);
        both.apply_modes("+ov", &["Bob".into(), "Bob".into()], "x!x@h", 1, fold);
        let gone = bob_on_b_gone();
        let Change::Write(mut without) = next_record(Some(&both), &gone, Some(&both), "a", &fold)
        else {
            panic!("b is written out");
        };
        let keep = i64::try_from(crate::cluster::suspended::KEEP_SUSPENDED.as_millis()).unwrap();
        if let Some(entry) = without.suspended.get_mut("b") {
            entry.since_ms -= keep + 1;
        }
        // Nothing was written since; the same run of b says it is here.
        let Change::Write(back) =
            next_record(Some(&without), &here(&["bob"]), Some(&both), "b", &fold)
        else {
            panic!("b is listed again");
        };
        assert!(
            !back.privileges.contains_key("bob"),
            "{:?}",
            back.privileges
        );
        assert!(back.suspended.is_empty(), "{:?}", back.suspended);
        assert!(back.nodes.contains("b"));
    }

    #[test]
    fn a_channel_left_by_nodes_counted_dead_is_resumed_by_here_only() {
        let mut last = record(&[]);
        last.topic = Some(crate::cluster::channels::TopicRecord {
            text: "kept".into(),
            setter: "b!b@h".into(),
            time_ms: 1,
        });
        let here = here(&[]);
        let Change::Write(resumed) =
            next_record(Some(&last), &here, Some(&record(&["a"])), "a", &fold)
        else {
            panic!("resumed");
        };
        assert_eq!(resumed.nodes.len(), 1);
        assert_eq!(resumed.topic, last.topic);
        // A node joining anew starts the channel from its own copy.
        let fresh = record(&["c"]);
        let joined = StateChange::Joined("cid!c@h".into());
        let Change::Write(anew) = next_record(Some(&last), &joined, Some(&fresh), "c", &fold)
        else {
            panic!("started anew");
        };
        assert_eq!(anew.topic, None);
        assert_eq!(
            next_record(
                Some(&last),
                &StateChange::Left("x".into()),
                None,
                "c",
                &fold
            ),
            Change::Keep
        );
    }

    #[test]
    fn saying_here_lists_the_node_or_makes_the_record_from_this_nodes_copy() {
        let here = here(&[]);
        let local = record(&["a"]);
        let Change::Write(created) = next_record(None, &here, Some(&local), "a", &fold) else {
            panic!("no record: made from this node's copy");
        };
        assert_eq!(created.changed_by, "irc.example");
        let only_b = record(&["b"]);
        let Change::Write(listed) = next_record(Some(&only_b), &here, Some(&local), "a", &fold)
        else {
            panic!("this node is added");
        };
        assert_eq!(listed.nodes.len(), 2);
        assert_eq!(
            next_record(Some(&listed), &here, Some(&local), "a", &fold),
            Change::Keep,
            "already listed: read back only"
        );
        // Nobody here any more by the time it is written: this node leaves.
        assert!(matches!(
            next_record(Some(&listed), &here, None, "a", &fold),
            Change::Write(r) if r.nodes.len() == 1
        ));
        assert_eq!(
            next_record(Some(&record(&["a"])), &here, None, "a", &fold),
            Change::Delete
        );
        assert_eq!(next_record(None, &here, None, "a", &fold), Change::Keep);
    }
}
