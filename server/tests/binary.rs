//! The real `natterd` binary: flags, config errors, exit codes, and a clean
//! shutdown on SIGTERM/SIGINT.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod process;

use process::{natterd, signal, spawn, wait_exit};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::Child;
use std::time::Duration;

/// Starts natterd on 127.0.0.1:0 with history in `data_dir`, plus `extra` flags.
fn start(data_dir: &std::path::Path, extra: &[&str]) -> (Child, String) {
    let mut args: Vec<std::ffi::OsString> = ["--bind", "127.0.0.1:0", "--data-dir"]
        .map(Into::into)
        .into();
    args.push(data_dir.into());
    args.extend(extra.iter().map(Into::into));
    spawn(args)
}

fn register(address: &str, nick: &str) -> BufReader<TcpStream> {
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(stream, "NICK {nick}\r\nUSER {nick} 0 * :{nick}\r\n").unwrap();
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    while !(line.contains(" 376 ") || line.contains(" 422 ")) {
        line.clear();
        assert!(
            reader.read_line(&mut line).unwrap() > 0,
            "closed during registration"
        );
    }
    reader
}

fn read_rest(reader: &mut BufReader<TcpStream>) -> String {
    let mut rest = String::new();
    let _ = reader.read_to_string(&mut rest);
    rest
}

#[test]
fn sigterm_says_goodbye_to_every_client_and_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, address) = start(dir.path(), &[]);
    let mut alice = register(&address, "alice");
    let mut bob = register(&address, "bob");
    signal(&child, "TERM");
    assert!(read_rest(&mut alice).contains("ERROR :Server shutting down"));
    assert!(read_rest(&mut bob).contains("ERROR :Server shutting down"));
    assert!(wait_exit(&mut child).success());
}

#[test]
fn sigint_stops_cleanly_too() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, address) = start(dir.path(), &[]);
    let mut carol = register(&address, "carol");
    signal(&child, "INT");
    assert!(read_rest(&mut carol).contains("ERROR :Server shutting down"));
    assert_eq!(wait_exit(&mut child).code(), Some(0));
}

#[test]
fn bad_config_exits_2_naming_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("natterd.toml");
    std::fs::write(
        &path,
        "[server]\nname = \"lan\"\n[limits]\nmax_clients = \"many\"\n",
    )
    .unwrap();
    let output = natterd().arg("--config").arg(&path).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("{}:4:", path.display())),
        "{stderr}"
    );
    assert!(stderr.contains("limits.max_clients"), "{stderr}");
}

#[test]
fn missing_config_file_exits_2() {
    let output = natterd()
        .args(["--config", "/nonexistent/natterd.toml"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("/nonexistent/natterd.toml"));
}

#[test]
fn unusable_data_dir_exits_2_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let not_a_dir = dir.path().join("file");
    std::fs::write(&not_a_dir, "x").unwrap();
    let output = natterd()
        .args(["--bind", "127.0.0.1:0", "--data-dir"])
        .arg(&not_a_dir)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&not_a_dir.display().to_string()),
        "{stderr}"
    );
}

#[test]
fn cluster_settings_are_checked_and_not_silently_ignored() {
    let output = natterd()
        .args([
            "--no-history",
            "--bind",
            "127.0.0.1:0",
            "--cluster",
            "http://nats:4222",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cluster.nats") && stderr.contains("not supported"),
        "{stderr}"
    );
    // A credentials file that cannot be read stops start-up, naming the key.
    let dir = std::env::temp_dir().join(format!("natterd-cluster-conf-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("natterd.toml");
    std::fs::write(
        &config,
        "[cluster]\nnats = \"nats://127.0.0.1:4222\"\nnkey_seed_file = \"/nonexistent/seed.nk\"\n",
    )
    .unwrap();
    let output = natterd()
        .args(["--no-history", "--bind", "127.0.0.1:0", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cluster.nkey_seed_file") && stderr.contains("/nonexistent/seed.nk"),
        "{stderr}"
    );
}

#[test]
fn busy_port_is_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let output = natterd()
        .args(["--no-history", "--bind", &address])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains(&format!("cannot listen on {address}"))
    );
}

#[test]
fn help_lists_every_flag() {
    let output = natterd().arg("--help").output().unwrap();
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for flag in [
        "--config",
        "--bind",
        "--name",
        "--network",
        "--motd",
        "--password",
        "--data-dir",
        "--no-history",
        "--log",
        "--print-config",
        "--cluster",
        "--node",
        "--version",
        "EXAMPLES",
    ] {
        assert!(help.contains(flag), "--help lacks {flag}:\n{help}");
    }
}

#[test]
fn print_config_round_trips_through_the_config_loader() {
    let output = natterd()
        .args(["--print-config", "--bind", "127.0.0.1:7000"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("printed.toml");
    std::fs::write(&path, &output.stdout).unwrap();
    let config = natterd::Config::load(&path).unwrap();
    assert_eq!(config.server.bind.to_string(), "127.0.0.1:7000");
}

/// `natterd 2>&1 | tee log`, then Ctrl-C: tee dies first and natterd's stderr
/// is a broken pipe. Logging must not panic then, and shutdown must go on.
#[test]
fn a_closed_stderr_does_not_stop_a_clean_shutdown() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = natterd()
        .args(["--bind", "127.0.0.1:0", "--log", "info", "--data-dir"])
        .arg(dir.path())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let address = loop {
        let line = lines
            .next()
            .expect("natterd exited before listening")
            .unwrap();
        if let Some(rest) = line.strip_prefix("natterd: listening on ") {
            break rest.split_whitespace().next().unwrap().to_string();
        }
    };
    drop(lines);
    // Logs a connection (to the closed pipe) before and during shutdown.
    let mut dave = register(&address, "dave");
    signal(&child, "INT");
    assert!(read_rest(&mut dave).contains("ERROR :Server shutting down"));
    assert_eq!(wait_exit(&mut child).code(), Some(0));
}

/// The README's "Running natterd" synopsis names every flag and subcommand
/// `natterd --help` lists, so the two cannot drift apart (`hash-password`
/// once did).
#[test]
fn readme_synopsis_names_every_flag_and_subcommand_of_help() {
    let output = natterd().arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&output.stdout).into_owned();
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let start = readme.find("## Running natterd").unwrap();
    let end = start + readme[start..].find("\n```\n").unwrap();
    let synopsis = &readme[start..end];
    let mut checked = 0;
    let mut in_commands = false;
    for line in help.lines() {
        let trimmed = line.trim_start();
        if line.starts_with("Commands:") {
            in_commands = true;
            continue;
        }
        if in_commands && !line.starts_with("  ") {
            in_commands = false;
        }
        if in_commands && !line.starts_with("   ") {
            let name = trimmed.split_whitespace().next().unwrap();
            if name != "help" {
                assert!(
                    synopsis.contains(&format!("natterd {name}")),
                    "the README's synopsis lacks `natterd {name}`"
                );
                checked += 1;
            }
        }
        // Flags are indented 2 (with a short form) or 6 spaces; deeper
        // lines starting with '-' list a flag's possible values.
        let indent = line.len() - trimmed.len();
        if trimmed.starts_with('-') && (2..=6).contains(&indent) {
            let flag = trimmed
                .split([',', ' '])
                .find(|word| word.starts_with("--"))
                .unwrap();
            if !["--help", "--version"].contains(&flag) {
                assert!(
                    synopsis.contains(&format!("[{flag}"))
                        || synopsis.contains(&format!(" {flag} ")),
                    "the README's synopsis lacks {flag}"
                );
                checked += 1;
            }
        }
    }
    assert!(
        checked > 20,
        "found only {checked} flags and subcommands in:\n{help}"
    );
}

/// A reader that went away (`natterd completions bash | head -0`) is no
/// error: no panic (clap_complete panicked on a failed write), no message,
/// exit 0, as a program killed by SIGPIPE. The pipe's read end is closed
/// before natterd starts, so its first write fails every time.
#[test]
fn printing_into_a_closed_pipe_stops_quietly() {
    for args in [&["completions", "bash"][..], &["man"], &["--print-config"]] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let output = natterd()
            .args(args)
            .stdout(writer)
            .stderr(std::process::Stdio::piped())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(!stderr.contains("Broken pipe"), "{args:?}: {stderr}");
    }
}
