//! What natterd logs: who connected (nick, account), nick changes and
//! disconnects, one line per fact, never message or quit text; `--log debug`
//! adds command names and numerics; `--log-format json` writes JSON lines.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod process;

use process::{Irc, Log, Running, signal, spawn_logged, wait_exit};
use std::ffi::OsStr;

fn start(dir: &std::path::Path, filter: &str, extra: &[&str]) -> (Running, String, Log) {
    let mut args: Vec<&OsStr> = vec![
        "--bind".as_ref(),
        "127.0.0.1:0".as_ref(),
        "--data-dir".as_ref(),
        dir.as_os_str(),
    ];
    args.extend(extra.iter().map(OsStr::new));
    spawn_logged(args, filter, &[])
}

/// alice chats, renames herself and quits with a message; returns the whole log.
fn session(mut server: Running, address: &str, log: &Log) -> Vec<String> {
    let (mut alice, _) = Irc::register(address, "alice");
    alice.send("JOIN #lobby");
    alice.until(|line| line.contains(" 366 "));
    alice.send("PRIVMSG #lobby :secret words");
    alice.send("NICK alice2");
    alice.until(|line| line.contains("NICK"));
    alice.send("QUIT :my secret farewell");
    alice.until(|line| line.starts_with("ERROR"));
    signal(&server.child, "TERM");
    assert!(wait_exit(&mut server.child).success());
    log.rest()
}

#[test]
fn info_names_who_and_never_what_they_said() {
    let dir = tempfile::tempdir().unwrap();
    let (server, address, log) = start(dir.path(), "info", &[]);
    let lines = session(server, &address, &log);
    let all = lines.join("\n");
    let find = |needle: &str| lines.iter().filter(|line| line.contains(needle)).count();
    assert_eq!(find("registered (irc)"), 1, "{all}");
    assert!(all.contains("nick=alice account=none"), "{all}");
    assert_eq!(find("nick changed"), 1, "{all}");
    assert!(all.contains("old=alice new=alice2"), "{all}");
    let disconnected: Vec<&String> = lines
        .iter()
        .filter(|l| l.contains("disconnected"))
        .collect();
    assert_eq!(disconnected.len(), 1, "{all}");
    assert!(
        disconnected[0].contains("nick=alice2") && disconnected[0].contains("reason=quit"),
        "{all}"
    );
    assert!(!all.contains("secret"), "text in the log:\n{all}");
}

#[test]
fn debug_shows_commands_and_numerics_but_no_text() {
    let dir = tempfile::tempdir().unwrap();
    let (server, address, log) = start(dir.path(), "natterd=debug", &[]);
    let lines = session(server, &address, &log);
    let all = lines.join("\n");
    assert!(all.contains("command=\"PRIVMSG\""), "{all}");
    assert!(all.contains("numeric=\"001\""), "{all}");
    assert!(!all.contains("secret"), "text in the log:\n{all}");
}

#[test]
fn trace_shows_the_lines() {
    let dir = tempfile::tempdir().unwrap();
    let (server, address, log) = start(dir.path(), "natterd=trace", &[]);
    let all = session(server, &address, &log).join("\n");
    assert!(all.contains("PRIVMSG #lobby :secret words"), "{all}");
}

#[test]
fn json_format_writes_one_object_per_line() {
    let dir = tempfile::tempdir().unwrap();
    let (server, address, log) = start(dir.path(), "info", &["--log-format", "json"]);
    let lines = session(server, &address, &log);
    let events: Vec<serde_json::Value> = lines
        .iter()
        .filter(|line| !line.starts_with("natterd: "))
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    let registered = events
        .iter()
        .find(|event| event["fields"]["message"] == "registered (irc)")
        .unwrap();
    assert_eq!(registered["fields"]["nick"], "alice");
    assert_eq!(registered["level"], "INFO");
}
