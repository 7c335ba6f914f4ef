//! Opening a link the user picked (`/url N`, Alt+U) with the configured
//! opener: the program and its arguments, then the link as one more
//! argument. No shell ever sees the link, the program's input and output
//! are detached from the terminal natter draws on, and a thread reaps it.

use std::io;
use std::process::{Command, Stdio};

/// Why a link was not opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The link is not one natter recognised (never expected: links come
    /// from `links::target`, checked again here).
    #[error("{0} is not a web link natter opens")]
    NotALink(String),
    /// The `opener` setting is empty.
    #[error("no opener is configured: set opener = \"xdg-open\" in config.toml")]
    NoOpener,
    /// The program could not be started.
    #[error("could not run {program}: {source}")]
    Spawn {
        /// The program.
        program: String,
        /// Why.
        source: io::Error,
    },
}

/// Starts `opener` with `link` as its last argument; does not wait for it
/// (a thread reaps it).
pub fn open(opener: &[String], link: &str) -> Result<(), OpenError> {
    let mut child = spawn(opener, link)?;
    std::thread::spawn(move || child.wait());
    Ok(())
}

/// Starts `opener` with `link` as its last argument.
fn spawn(opener: &[String], link: &str) -> Result<std::process::Child, OpenError> {
    if crate::links::target(link).as_deref() != Some(link) {
        return Err(OpenError::NotALink(crate::text::clean(link)));
    }
    let (program, arguments) = opener.split_first().ok_or(OpenError::NoOpener)?;
    Command::new(program)
        .args(arguments)
        .arg(link)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|source| OpenError::Spawn {
            program: program.clone(),
            source,
        })
}

#[cfg(all(test, unix))]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_link_reaches_the_program_as_one_untouched_argument() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("argv");
        let script = format!("printf '%s|' \"$@\" > '{}'", out.display());
        let opener = vec!["sh".to_owned(), "-c".to_owned(), script, "sh".to_owned()];
        let link = "https://a.example/$(touch%20x);id&a=1|b";
        assert!(spawn(&opener, link).unwrap().wait().unwrap().success());
        let written = std::fs::read_to_string(&out).unwrap();
        assert_eq!(written, format!("{link}|"));
        assert!(!dir.path().join("x").exists());
    }

    #[test]
    fn only_checked_links_and_real_programs_run() {
        let opener = vec!["true".to_owned()];
        assert!(matches!(
            open(&opener, "file:///etc/passwd"),
            Err(OpenError::NotALink(_))
        ));
        assert!(matches!(
            open(&opener, "https://a.example/ x"),
            Err(OpenError::NotALink(_))
        ));
        assert!(matches!(
            open(&[], "https://a.example/"),
            Err(OpenError::NoOpener)
        ));
        let missing = vec!["/nonexistent/natter-opener".to_owned()];
        assert!(matches!(
            open(&missing, "https://a.example/"),
            Err(OpenError::Spawn { .. })
        ));
    }
}
