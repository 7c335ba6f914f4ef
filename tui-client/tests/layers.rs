//! The client's layers (lib.rs): each module imports only those below it,
//! so the chat model never reaches for the view, the app or drawing.
//! Checked on the source text (tests left out), so a `use` of a higher
//! layer fails here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

/// Lowest first, as lib.rs lists them.
const LAYERS: &[&str] = &[
    "links", "text", "theme", "settings", "event", "redraw", "chat", "geometry", "view", "app",
    "ui",
];

/// `module.rs` and every `.rs` file under `module/`, unit tests (`tests.rs`,
/// `tests/`) left out: a test may build the app to drive a lower layer.
fn sources(module: &str) -> Vec<PathBuf> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found = Vec::new();
    let single = src.join(format!("{module}.rs"));
    if single.exists() {
        found.push(single);
    }
    let mut dirs = vec![src.join(module)];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() && !path.ends_with("tests") {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("tests.rs") {
                found.push(path);
            }
        }
    }
    found
}

/// The lines of `module` (its unit tests left out) that name a layer above it.
fn upward_imports(module: &str) -> Vec<String> {
    let level = LAYERS.iter().position(|m| *m == module).unwrap();
    let files = sources(module);
    assert!(!files.is_empty(), "no sources for {module}");
    let mut hits = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        for (number, line) in code.lines().enumerate() {
            for upper in &LAYERS[level + 1..] {
                if line.contains(&format!("crate::{upper}::"))
                    || line.contains(&format!("crate::{upper};"))
                    || line.contains(&format!("crate::{upper}}}"))
                    || line.contains(&format!("crate::{{{upper}"))
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
fn no_layer_imports_one_above_it() {
    let hits: Vec<String> = LAYERS.iter().flat_map(|m| upward_imports(m)).collect();
    assert_eq!(hits, Vec::<String>::new());
}
