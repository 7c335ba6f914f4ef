//! The `natter` binary's command line, without a terminal: help, config
//! errors that name the file and line, and a clear refusal to run without a
//! terminal.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Stdio};

fn natter(args: &[&str]) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_natter"))
        .args(args)
        .env_remove("NATTER_CONFIG")
        .env_remove("NATTER_NICK")
        .stdin(Stdio::null())
        .output()
        .expect("running natter");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn help_lists_every_option_with_examples() {
    let (ok, out, _) = natter(&["--help"]);
    assert!(ok);
    for needle in [
        "HOST[:PORT]",
        "--nick",
        "--join",
        "--password",
        "--config",
        "--no-bell",
        "Examples:",
        "Alt+Enter",
        "config.toml",
    ] {
        assert!(out.contains(needle), "--help lacks {needle}:\n{out}");
    }
}

#[test]
fn a_bad_config_file_names_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("natter.toml");
    std::fs::write(&path, "nick = \"alice\"\ncolour = \"blue\"\n").unwrap();
    let (ok, _, err) = natter(&["--config", path.to_str().unwrap()]);
    assert!(!ok);
    assert!(
        err.contains(&format!("{}, line 2", path.display())),
        "{err}"
    );
    assert!(err.contains("colour"), "{err}");
}

#[test]
fn a_missing_named_config_file_is_an_error() {
    let (ok, _, err) = natter(&["--config", "/nonexistent/natter.toml"]);
    assert!(!ok);
    assert!(
        err.contains("cannot read config file /nonexistent/natter.toml"),
        "{err}"
    );
}

#[test]
fn a_bad_server_address_is_explained() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.toml");
    std::fs::write(&path, "").unwrap();
    let (ok, _, err) = natter(&["host:http", "--config", path.to_str().unwrap()]);
    assert!(!ok);
    assert!(err.contains("not a port number"), "{err}");
}

#[test]
fn without_a_terminal_it_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.toml");
    std::fs::write(&path, "").unwrap();
    let (ok, _, err) = natter(&["--config", path.to_str().unwrap()]);
    assert!(!ok);
    assert!(err.contains("needs a terminal"), "{err}");
}

#[test]
fn print_config_path_prints_the_given_file() {
    let (ok, out, _) = natter(&["--config", "/tmp/x.toml", "--print-config-path"]);
    assert!(ok);
    assert_eq!(out.trim(), "/tmp/x.toml");
}

#[test]
fn log_file_records_the_run_privately() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("logs").join("natter.log");
    let (ok, _, err) = natter(&["--log-file", path.to_str().unwrap(), "--nick", "alice"]);
    assert!(!ok);
    assert!(err.contains("needs a terminal"), "{err}");
    let log = std::fs::read_to_string(&path).unwrap();
    assert!(log.contains("natter starting"), "{log}");
    assert!(log.contains("needs a terminal"), "{log}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn without_log_file_nothing_is_logged_anywhere() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_natter"))
        .args(["--nick", "alice"])
        .env("HOME", dir.path())
        .env("XDG_STATE_HOME", dir.path().join("state"))
        .env("XDG_CACHE_HOME", dir.path().join("cache"))
        .env_remove("NATTER_CONFIG")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(!dir.path().join("state").exists());
    assert!(!dir.path().join("cache").exists());
}

#[test]
fn print_keys_lists_every_action_with_rebindings_applied() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "[keys]\nhelp = \"F5\"\n").unwrap();
    let (ok, out, err) = natter(&["--config", config.to_str().unwrap(), "--print-keys"]);
    assert!(ok, "{err}");
    assert!(out.starts_with("[keys]\n"), "{out}");
    assert!(out.contains("help = [\"F5\"]"), "{out}");
    assert!(
        out.contains("next_buffer = [\"Ctrl+N\", \"Alt+Right\"]"),
        "{out}"
    );
    // What it prints is a valid [keys] table.
    let printed = dir.path().join("printed.toml");
    std::fs::write(&printed, &out).unwrap();
    let (ok, again, err) = natter(&["--config", printed.to_str().unwrap(), "--print-keys"]);
    assert!(ok, "{err}");
    assert_eq!(again, out);
}

#[test]
fn a_bad_key_binding_names_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "nick = \"a\"\n[keys]\nhelp = \"Hyper+X\"\n").unwrap();
    let (ok, _, err) = natter(&["--config", config.to_str().unwrap(), "--print-keys"]);
    assert!(!ok);
    assert!(err.contains("line 3"), "{err}");
    assert!(err.contains("Hyper"), "{err}");
}

#[test]
fn completions_and_man_page_come_from_the_flags() {
    let (ok, bash, _) = natter(&["completions", "bash"]);
    assert!(ok);
    assert!(
        bash.contains("_natter()") && bash.contains("--nick"),
        "{bash}"
    );
    let (ok, fish, _) = natter(&["completions", "fish"]);
    assert!(ok);
    assert!(fish.contains("complete -c natter"), "{fish}");
    let (ok, man, _) = natter(&["man"]);
    assert!(ok);
    assert!(
        man.contains(".TH natter 1") && man.contains("\\-\\-join"),
        "{man}"
    );
}

#[test]
fn a_server_argument_is_still_a_server() {
    use clap::Parser;
    let cli =
        natter::cli::Cli::try_parse_from(["natter", "chat.lan:6667", "--nick", "bo"]).unwrap();
    assert_eq!(cli.server.as_deref(), Some("chat.lan:6667"));
    assert!(cli.command.is_none());
}

/// The README documents every flag `natter --help` lists (`--no-bell` once
/// was only in the help), so a user reading either finds the same options.
#[test]
fn the_readme_documents_every_flag_of_help() {
    let (ok, help, _) = natter(&["--help"]);
    assert!(ok);
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let mut checked = 0;
    for line in help.lines() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        // Flags are indented 2 (with a short form) or 6 spaces.
        if !trimmed.starts_with('-') || !(2..=6).contains(&indent) {
            continue;
        }
        let flag = trimmed
            .split([',', ' '])
            .find(|word| word.starts_with("--"))
            .unwrap();
        if ["--help", "--version"].contains(&flag) {
            continue;
        }
        assert!(readme.contains(flag), "the README does not mention {flag}");
        checked += 1;
    }
    assert!(checked > 10, "found only {checked} flags in:\n{help}");
}

/// A reader that went away (`natter --print-keys | head -0`) is no error:
/// no panic (println! and clap_complete panicked on a failed write), no
/// message, exit 0. The pipe's read end is closed before natter starts, so
/// its first write fails every time.
#[test]
fn printing_into_a_closed_pipe_stops_quietly() {
    let home = tempfile::tempdir().unwrap();
    for args in [
        &["completions", "bash"][..],
        &["man"],
        &["--print-keys"],
        &["--print-config-path"],
    ] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let output = Command::new(env!("CARGO_BIN_EXE_natter"))
            .args(args)
            .env_remove("NATTER_CONFIG")
            .env("HOME", home.path())
            .env("XDG_CONFIG_HOME", home.path())
            .stdin(Stdio::null())
            .stdout(writer)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
    }
}
