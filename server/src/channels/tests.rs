//! The store against a real history.db: what is put is there after a reopen,
//! plain records and dropped operators are forgotten, a bad row stops the open,
//! unregistered channels are taken at start.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::history::{History, HistoryConfig};
use std::collections::BTreeSet;

fn keyed(name: &str, key: &str) -> ChannelRecord {
    ChannelRecord {
        name: name.into(),
        created_ms: 1_700_000_000_000,
        flags: "nst".into(),
        key: Some(key.into()),
        operators: BTreeSet::from(["alice".to_string()]),
        founder: Some(founder("alice")),
        ..ChannelRecord::default()
    }
}

fn founder(account: &str) -> Founder {
    Founder {
        account: account.into(),
        name: account.into(),
        registered_ms: 1_700_000_000_000,
    }
}

const WAIT: Duration = Duration::from_secs(10);

#[test]
fn records_survive_a_reopen_and_plain_ones_are_forgotten() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.db");
    drop(History::open(dir.path(), &HistoryConfig::default()).unwrap());
    {
        let states = ChannelStates::open(&path).unwrap();
        states.put("#secret", Some(keyed("#Secret", "sesame")));
        states.put("#other", Some(keyed("#other", "x")));
        states.put("#other", Some(keyed("#other", "y")));
        let plain = ChannelRecord {
            name: "#plain".into(),
            flags: NEW_CHANNEL_FLAGS.into(),
            ..ChannelRecord::default()
        };
        states.put("#plain", Some(plain));
        assert!(states.get("#plain").is_none());
        assert_eq!(states.shutdown(WAIT), 0);
    }
    let states = ChannelStates::open(&path).unwrap();
    assert_eq!(states.get("#secret"), Some(keyed("#Secret", "sesame")));
    assert_eq!(states.get("#other").unwrap().key.as_deref(), Some("y"));
    states.put("#other", None);
    assert!(states.flush(WAIT));
    drop(states);
    let states = ChannelStates::open(&path).unwrap();
    assert!(states.get("#other").is_none());
    assert!(states.get("#secret").is_some());
}

#[test]
fn a_dropped_account_is_no_longer_anyones_operator() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.db");
    drop(History::open(dir.path(), &HistoryConfig::default()).unwrap());
    let states = ChannelStates::open(&path).unwrap();
    states.put("#secret", Some(keyed("#secret", "k")));
    let only_ops = ChannelRecord {
        name: "#team".into(),
        flags: NEW_CHANNEL_FLAGS.into(),
        operators: BTreeSet::from(["alice".to_string()]),
        ..ChannelRecord::default()
    };
    states.put("#team", Some(only_ops));
    let registered = ChannelRecord {
        name: "#kept".into(),
        operators: BTreeSet::from(["alice".to_string(), "bob".to_string()]),
        founder: Some(founder("bob")),
        ..keyed("#kept", "k")
    };
    states.put("#kept", Some(registered));
    states.put("#live", Some(keyed("#live", "k")));
    let vanished = states.forget_operator("alice", |folded| folded == "#live");
    let mut vanished: Vec<&str> = vanished.iter().map(|(folded, _)| folded.as_str()).collect();
    vanished.sort_unstable();
    assert_eq!(
        vanished,
        ["#secret", "#team"],
        "founded by alice (or never registered) and not live"
    );
    assert!(states.get("#secret").is_none());
    assert!(states.get("#team").is_none(), "nothing left to keep");
    let live = states.get("#live").unwrap();
    assert!(
        live.operators.is_empty() && !live.is_registered(),
        "live: unregistered, its members decide"
    );
    let kept = states.get("#kept").unwrap();
    assert_eq!(kept.operators, BTreeSet::from(["bob".to_string()]));
    assert_eq!(states.shutdown(WAIT), 0);
    let states = ChannelStates::open(&path).unwrap();
    assert!(states.get("#team").is_none());
    assert!(states.get("#secret").is_none());
    assert_eq!(states.get("#kept").unwrap().key.as_deref(), Some("k"));
}

#[test]
fn an_unreadable_row_names_the_channel() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.db");
    drop(History::open(dir.path(), &HistoryConfig::default()).unwrap());
    let conn = Connection::open(&path).unwrap();
    conn.execute(
        "INSERT INTO channel_state (folded, state, updated_ms) VALUES ('#broken', 'nope', 0)",
        [],
    )
    .unwrap();
    drop(conn);
    let error = ChannelStates::open(&path).unwrap_err();
    assert!(error.contains("#broken"), "{error}");
}

#[test]
fn unregistered_records_are_taken_and_registered_ones_stay() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.db");
    drop(History::open(dir.path(), &HistoryConfig::default()).unwrap());
    let states = ChannelStates::open(&path).unwrap();
    states.put("#owned", Some(keyed("#owned", "k")));
    let unowned = ChannelRecord {
        operators: BTreeSet::new(),
        founder: None,
        ..keyed("#unowned", "k")
    };
    states.put("#unowned", Some(unowned.clone()));
    assert_eq!(
        states.take_unregistered(),
        [("#unowned".to_string(), unowned)]
    );
    assert!(states.take_unregistered().is_empty());
    let all: Vec<String> = states.all().into_iter().map(|(folded, _)| folded).collect();
    assert_eq!(all, ["#owned"]);
    assert_eq!(states.shutdown(WAIT), 0);
    let states = ChannelStates::open(&path).unwrap();
    assert!(states.get("#unowned").is_none());
}

#[test]
fn a_channel_registered_before_chanserv_stays_registered_to_its_first_operator() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.db");
    drop(History::open(dir.path(), &HistoryConfig::default()).unwrap());
    let conn = Connection::open(&path).unwrap();
    conn.execute(
        "INSERT INTO accounts (name, folded, skeleton, password_hash, created_ms)
         VALUES ('Alice', 'alice', 'alice', 'x', 0)",
        [],
    )
    .unwrap();
    // As stored by the previous release: operators, no founder.
    conn.execute(
        "INSERT INTO channel_state (folded, state, updated_ms) VALUES ('#old', ?1, 0)",
        [r##"{"name":"#Old","created_ms":5,"flags":"int","operators":["bob","alice"]}"##],
    )
    .unwrap();
    drop(conn);
    let states = ChannelStates::open(&path).unwrap();
    let old = states.get("#old").unwrap();
    assert_eq!(
        old.founder,
        Some(Founder {
            account: "alice".into(),
            name: "Alice".into(),
            registered_ms: 5,
        })
    );
    assert_eq!(states.founded_by("alice"), 1);
    assert_eq!(states.founded_by("bob"), 0);
    assert!(states.take_unregistered().is_empty(), "still registered");
    assert_eq!(states.shutdown(WAIT), 0);
    // Written back: the row now names its founder.
    let conn = Connection::open(&path).unwrap();
    let state: String = conn
        .query_row(
            "SELECT state FROM channel_state WHERE folded = '#old'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert!(state.contains(r#""founder":{"account":"alice""#), "{state}");
}
