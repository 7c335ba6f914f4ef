//! Lower layers never import upper ones (ARCHITECTURE.md): the two dialects
//! share only what sits below both, and the hub and history know no dialect.
//! Checked on the source text, so a new `use` of the wrong layer fails here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
    found
}

/// The places in `module`'s files that name one of `forbidden`.
fn imports(module: &str, forbidden: &[&str]) -> Vec<String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = sources(&src.join(module));
    let single = src.join(format!("{module}.rs"));
    if single.exists() {
        files.push(single);
    }
    assert!(!files.is_empty(), "no sources for {module}");
    let mut hits = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (number, line) in text.lines().enumerate() {
            for upper in forbidden {
                if line.contains(&format!("crate::{upper}::"))
                    || line.contains(&format!("crate::{upper};"))
                    || line.contains(&format!("crate::{upper}}}"))
                {
                    hits.push(format!(
                        "{}:{}: {}",
                        file.display(),
                        number + 1,
                        line.trim()
                    ));
                }
            }
        }
    }
    hits
}

#[test]
fn the_plain_dialect_borrows_nothing_from_the_irc_dialect() {
    assert_eq!(imports("plain", &["irc"]), Vec::<String>::new());
}

#[test]
fn the_irc_dialect_borrows_nothing_from_the_plain_dialect() {
    assert_eq!(imports("irc", &["plain"]), Vec::<String>::new());
}

#[test]
fn the_hub_and_history_know_no_dialect() {
    for module in ["hub", "history"] {
        assert_eq!(
            imports(module, &["irc", "plain", "session"]),
            Vec::<String>::new(),
            "{module}"
        );
    }
}
