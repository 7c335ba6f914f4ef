//! External programs some tests drive (tmux, ngircd).
//!
//! A newcomer's `cargo test --workspace` needs only Rust, so where a program
//! is missing the test says how to install it and skips. Under `.ci/run`
//! (which installs them and sets `NATTER_REQUIRE_TEST_TOOLS=1`) or any CI
//! (`CI` set), a missing program fails the test instead, so these tests can
//! never pass there without running.

#[allow(dead_code)]
pub mod ngircd;

use std::path::PathBuf;
use std::process::Command;

/// The first of `candidates` that runs with `version_flag`, or `None` (after
/// a note on stderr) when none does and tools are not required.
pub fn require(candidates: &[&str], version_flag: &str, install: &str) -> Option<PathBuf> {
    for candidate in candidates {
        let runs = Command::new(candidate)
            .arg(version_flag)
            .output()
            .is_ok_and(|output| output.status.success() || !output.stdout.is_empty());
        if runs {
            return Some(PathBuf::from(candidate));
        }
    }
    let message = format!(
        "{} is not installed; this test needs it: {install} (.ci/run installs it)",
        candidates[0]
    );
    let required = std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false")
        || std::env::var_os("NATTER_REQUIRE_TEST_TOOLS").is_some_and(|v| v == "1");
    if required {
        panic!("{message}");
    }
    eprintln!("skipped: {message}");
    None
}
