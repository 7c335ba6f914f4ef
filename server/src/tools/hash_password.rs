//! `natterd hash-password`: the argon2id hash an `[[operators]]` block's
//! `password` holds, so the config file never contains a password.

use crate::accounts::password;
use anyhow::{Context as _, bail};
use std::io::{BufRead, IsTerminal, Write};

/// Reads the password (asked twice without echo on a terminal, else the
/// first line of stdin) and prints its hash on stdout.
pub fn run() -> anyhow::Result<()> {
    let stdin = std::io::stdin();
    let password = if stdin.is_terminal() {
        let first = prompt("Password: ")?;
        let second = prompt("Again: ")?;
        if first != second {
            bail!("the two passwords differ; nothing printed");
        }
        first
    } else {
        read_line(&mut stdin.lock())?
    };
    let hash = hash_line(&password)?;
    writeln!(std::io::stdout(), "{hash}").context("cannot write to stdout")
}

/// The hash of `password`, refusing an empty one.
pub fn hash_line(password: &str) -> anyhow::Result<String> {
    if password.is_empty() {
        bail!("the password is empty");
    }
    password::hash(password).map_err(|error| anyhow::anyhow!("cannot hash: {error}"))
}

/// The first line of `input` without its line ending.
fn read_line(input: &mut impl BufRead) -> anyhow::Result<String> {
    let mut line = String::new();
    input
        .read_line(&mut line)
        .context("cannot read the password from stdin")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

/// Asks on stderr and reads one line from the terminal with echo off.
fn prompt(question: &str) -> anyhow::Result<String> {
    let mut stderr = std::io::stderr();
    let _ = write!(stderr, "{question}");
    let _ = stderr.flush();
    let stdin = std::io::stdin();
    let line = without_echo(|| read_line(&mut stdin.lock()));
    let _ = writeln!(stderr);
    line
}

#[cfg(unix)]
fn without_echo<T>(read: impl FnOnce() -> T) -> T {
    use rustix::termios::{LocalModes, OptionalActions, tcgetattr, tcsetattr};
    let stdin = std::io::stdin();
    let Ok(saved) = tcgetattr(&stdin) else {
        return read();
    };
    let mut quiet = saved.clone();
    quiet.local_modes.remove(LocalModes::ECHO);
    let _ = tcsetattr(&stdin, OptionalActions::Now, &quiet);
    let result = read();
    let _ = tcsetattr(&stdin, OptionalActions::Now, &saved);
    result
}

#[cfg(not(unix))]
fn without_echo<T>(read: impl FnOnce() -> T) -> T {
    read()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_one_line_and_hashes_it() {
        let mut input = std::io::Cursor::new("operpassword\r\nrest\n");
        let line = read_line(&mut input).unwrap();
        assert_eq!(line, "operpassword");
        let hash = hash_line(&line).unwrap();
        assert!(password::is_argon2id(&hash), "{hash}");
        assert!(password::verify("operpassword", &hash));
        assert!(hash_line("").is_err());
    }
}
