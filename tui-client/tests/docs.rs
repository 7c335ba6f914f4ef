//! The client's documentation lists every key and command the help overlay
//! lists, so the two cannot drift apart.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use natter::chat::commands::COMMAND_HELP;
use natter::ui::help::{MOUSE_HELP, QUESTION_HELP};
use natter::view::keymap::{Action, KeyMap};

/// The README, whose client section documents keys, commands and the config.
fn client_docs() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

#[test]
fn every_key_is_documented() {
    let docs = client_docs();
    for (key, name, what) in KeyMap::default().help_entries() {
        let row = format!("| {key} | `{name}` | {what} |");
        assert!(docs.contains(&row), "the client docs lack the row {row}");
    }
    for (key, what) in MOUSE_HELP.iter().chain(QUESTION_HELP) {
        let row = format!("| {key} | | {what} |");
        assert!(docs.contains(&row), "the client docs lack the row {row}");
    }
}

#[test]
fn every_command_is_documented() {
    let docs = client_docs();
    for (usage, what) in COMMAND_HELP {
        let row = format!("| `{usage}` | {what} |");
        assert!(docs.contains(&row), "the client docs lack the row {row}");
    }
}

#[test]
fn the_example_config_is_quoted_in_full() {
    let docs = client_docs();
    let example = include_str!("../../assets/natter.toml");
    assert!(
        docs.contains(example.trim_end()),
        "the README should quote assets/natter.toml"
    );
}

#[test]
fn every_action_name_is_documented() {
    let docs = client_docs();
    for action in Action::all() {
        if matches!(action, Action::Buffer(_)) {
            continue;
        }
        let name = format!("`{}`", action.name());
        assert!(
            docs.contains(&name),
            "the client docs lack the action {name}"
        );
    }
}

#[test]
fn every_theme_entry_is_documented_in_the_example_config() {
    let example = include_str!("../../assets/natter.toml");
    for name in natter::theme::STYLE_NAMES.iter().chain(&["nicks"]) {
        assert!(
            example.contains(&format!(" {name},"))
                || example.contains(&format!(" {name} "))
                || example.contains(&format!(" {name};"))
                || example.contains(&format!(" {name}\n")),
            "assets/natter.toml does not name the theme entry {name}"
        );
    }
}
