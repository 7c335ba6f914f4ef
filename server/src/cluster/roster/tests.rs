//! The roster's tests: joins, parts, quits, renames, snapshots, restarts.

use super::*;
use crate::cluster::wire::Source;
use crate::cluster::wire::{Envelope, Event};

fn node(name: &str, incarnation: u64) -> NodeId {
    NodeId {
        name: name.into(),
        incarnation,
    }
}

fn source(nick: &str) -> Source {
    Source {
        nick: nick.into(),
        user: nick.into(),
        host: "h".into(),
        account: None,
    }
}

fn member(nick: &str) -> RosterMember {
    RosterMember {
        member: source(nick),
        realname: format!("{nick} real"),
        away: None,
    }
}

fn from(node: &NodeId, event: Event) -> Envelope {
    Envelope::new(&node.name, node.incarnation, event)
}

fn join(node: &NodeId, channel: &str, nick: &str) -> Envelope {
    from(
        node,
        Event::Join {
            channel: channel.into(),
            member: member(nick),
        },
    )
}

fn nicks(roster: &Roster, channel: &str) -> Vec<String> {
    roster
        .members(channel)
        .iter()
        .map(|user| user.member.member.nick.clone())
        .collect()
}

#[test]
fn joins_parts_and_names_merge_by_folded_name() {
    let b = node("b", 1);
    let mut roster = Roster::new(Casemapping::Rfc8265);
    assert_eq!(
        roster.apply(&join(&b, "#Lobby", "Bob")),
        [Seen::Joined {
            channel: "#lobby".into(),
            member: member("Bob")
        }]
    );
    assert!(
        roster.apply(&join(&b, "#lobby", "Bob")).is_empty(),
        "no double join"
    );
    roster.apply(&join(&b, "#lobby", "Zoë"));
    roster.apply(&join(&b, "#dev", "Bob"));
    assert_eq!(nicks(&roster, "#LOBBY"), ["Bob", "Zoë"]);
    assert_eq!(roster.user("ZOË").unwrap().member.realname, "Zoë real");
    assert_eq!(roster.len(), 2);
    let part = from(
        &b,
        Event::Part {
            channel: "#lobby".into(),
            from: source("Bob"),
            reason: None,
        },
    );
    assert_eq!(
        roster.apply(&part),
        [Seen::Left {
            channel: "#lobby".into(),
            who: source("Bob")
        }]
    );
    assert_eq!(nicks(&roster, "#lobby"), ["Zoë"]);
    assert_eq!(nicks(&roster, "#dev"), ["Bob"]);
}

#[test]
fn quits_renames_and_a_dead_node_take_users_away() {
    let b = node("b", 1);
    let c = node("c", 1);
    let mut roster = Roster::new(Casemapping::Rfc8265);
    roster.apply(&join(&b, "#lobby", "bob"));
    roster.apply(&join(&b, "#dev", "bob"));
    roster.apply(&join(&c, "#lobby", "cat"));
    let rename = from(
        &b,
        Event::Nick {
            from: source("bob"),
            new: "Robert".into(),
        },
    );
    assert_eq!(
        roster.apply(&rename),
        [Seen::Renamed {
            who: source("bob"),
            new: "Robert".into()
        }]
    );
    assert_eq!(nicks(&roster, "#lobby"), ["cat", "Robert"]);
    // Someone else's node cannot make Robert quit.
    let forged = from(
        &c,
        Event::Quit {
            from: source("robert"),
            reason: "x".into(),
        },
    );
    assert!(roster.apply(&forged).is_empty());
    assert_eq!(
        roster.node_down(&b),
        [Seen::Quit {
            who: Source {
                nick: "Robert".into(),
                ..source("bob")
            },
            channels: ["#dev".to_string(), "#lobby".to_string()].into()
        }]
    );
    assert_eq!(nicks(&roster, "#lobby"), ["cat"]);
    assert!(roster.members("#dev").is_empty());
    let quit = from(
        &c,
        Event::Quit {
            from: source("cat"),
            reason: "bye".into(),
        },
    );
    assert_eq!(roster.apply(&quit).len(), 1);
    assert!(roster.is_empty());
}

#[test]
fn a_snapshot_adds_the_new_and_removes_the_missing_of_that_node_only() {
    let b = node("b", 1);
    let c = node("c", 1);
    let mut roster = Roster::new(Casemapping::Rfc8265);
    roster.apply(&join(&b, "#lobby", "bob"));
    roster.apply(&join(&b, "#lobby", "ben"));
    roster.apply(&join(&c, "#lobby", "cat"));
    let snapshot = from(
        &b,
        Event::Roster {
            channel: "#lobby".into(),
            members: vec![member("bob")],
            complete: false,
        },
    );
    assert!(
        roster.apply(&snapshot).is_empty(),
        "a partial roster changes nothing"
    );
    let snapshot = from(
        &b,
        Event::Roster {
            channel: "#lobby".into(),
            members: vec![member("bea")],
            complete: true,
        },
    );
    assert_eq!(
        roster.apply(&snapshot),
        [
            Seen::Left {
                channel: "#lobby".into(),
                who: source("ben")
            },
            Seen::Joined {
                channel: "#lobby".into(),
                member: member("bea")
            },
        ]
    );
    assert_eq!(nicks(&roster, "#lobby"), ["bea", "bob", "cat"]);
}

#[test]
fn a_restarted_node_replaces_its_dead_run() {
    let old = node("b", 1);
    let new = node("b", 2);
    let mut roster = Roster::new(Casemapping::Rfc8265);
    roster.apply(&join(&old, "#lobby", "bob"));
    assert_eq!(
        roster.apply(&join(&new, "#dev", "bob")),
        [
            Seen::Quit {
                who: source("bob"),
                channels: ["#lobby".to_string()].into()
            },
            Seen::Joined {
                channel: "#dev".into(),
                member: member("bob")
            },
        ]
    );
    let user = roster.user("bob").unwrap();
    assert_eq!(user.node, new);
    assert_eq!(user.channels, ["#dev".to_string()].into());
    assert!(roster.members("#lobby").is_empty());
    // The dead run going down later takes nothing of the new one's.
    assert!(roster.node_down(&old).is_empty());
    assert_eq!(nicks(&roster, "#dev"), ["bob"]);
    assert_eq!(roster.apply(&from(&new, Event::Leaving)).len(), 1);
    assert!(roster.is_empty());
}

fn roster_of(node: &NodeId, channel: &str, nicks: &[&str]) -> Envelope {
    from(
        node,
        Event::Roster {
            channel: channel.into(),
            members: nicks.iter().map(|nick| member(nick)).collect(),
            complete: true,
        },
    )
}

#[test]
fn a_kicked_member_stays_out_until_their_node_has_applied_the_kick() {
    let (a, b, c) = (node("a", 1), node("b", 1), node("c", 1));
    let mut roster = Roster::new(Casemapping::Rfc8265);
    roster.apply(&join(&b, "#c", "bob"));
    roster.apply(&join(&b, "#c", "ben"));
    roster.apply(&join(&c, "#c", "cid"));
    // Kicked from node a (here, or a KICK read from the stream).
    let kick = from(
        &a,
        Event::Kick {
            channel: "#c".into(),
            by: source("alice"),
            nick: "Bob".into(),
            reason: "out".into(),
        },
    );
    assert_eq!(roster.apply(&kick).len(), 1);
    // Node b's roster composed before it read the kick still lists bob:
    // he is not put back, the rest of it applies.
    assert!(
        roster
            .apply(&roster_of(&b, "#c", &["bob", "ben"]))
            .is_empty()
    );
    assert_eq!(nicks(&roster, "#c"), ["ben", "cid"]);
    // Another node's roster without him says nothing about node b's.
    roster.apply(&roster_of(&c, "#c", &["cid"]));
    assert!(
        roster
            .apply(&roster_of(&b, "#C", &["BOB", "ben"]))
            .is_empty()
    );
    assert_eq!(nicks(&roster, "#c"), ["ben", "cid"]);
    // Node b's roster without him: the kick holds there; from then on its
    // rosters are taken as they are.
    assert!(roster.apply(&roster_of(&b, "#c", &["ben"])).is_empty());
    assert_eq!(
        roster.apply(&roster_of(&b, "#c", &["bob", "ben"])),
        [Seen::Joined {
            channel: "#c".into(),
            member: member("bob"),
        }]
    );
    assert_eq!(nicks(&roster, "#c"), ["ben", "bob", "cid"]);
}

#[test]
fn a_kicked_member_who_joins_again_is_a_member_again() {
    let b = node("b", 1);
    let mut roster = Roster::new(Casemapping::Rfc8265);
    roster.apply(&join(&b, "#c", "bob"));
    roster.kick("#c", "bob");
    assert_eq!(roster.apply(&join(&b, "#c", "bob")).len(), 1);
    roster.apply(&roster_of(&b, "#c", &["bob"]));
    assert_eq!(nicks(&roster, "#c"), ["bob"]);
    // Kicked again, this time while this node stops following the room:
    // nothing is remembered for a later follow.
    roster.kick("#c", "bob");
    roster.forget_channel("#c");
    roster.apply(&roster_of(&b, "#c", &["bob"]));
    assert_eq!(nicks(&roster, "#c"), ["bob"]);
}
