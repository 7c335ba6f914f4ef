//! IRCv3 Strict Transport Security (<https://ircv3.net/specs/extensions/sts>):
//! reading the `sts` capability's value, and `sts_policies`, the file of
//! persistence policies natter keeps beside `known_servers`.
//!
//! A server that advertises `sts=port=P` on a plaintext connection is asking
//! to be spoken to over TLS on port P: natter closes the connection at once
//! (nothing more is sent in clear) and reconnects with TLS. On a TLS
//! connection `sts=duration=D` is a promise that the host will speak TLS for
//! D seconds: natter keeps `HOST PORT EXPIRY` and, until then, goes to TLS
//! on that port even when told to connect in plaintext. `duration=0` removes
//! the policy. Policies are per host name (the port is not part of the key),
//! as the specification says.
//!
//! The file holds one `HOST PORT EXPIRY` per line (EXPIRY in Unix seconds),
//! `#` starts a comment; it is 0600 in a 0700 directory and rewritten whole
//! (through a temporary file and a rename) on every change.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::known_servers::KnownServers;

/// What an `sts` capability value says (unknown keys are ignored, as the
/// specification requires; a key with a malformed value counts as absent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Advertised {
    /// `port=`: the TLS port to upgrade to (meaningful on plaintext only).
    pub port: Option<u16>,
    /// `duration=`: seconds the policy lasts (meaningful on TLS only).
    pub duration: Option<u64>,
}

impl Advertised {
    /// Reads a value such as `port=6697,duration=300,preload`.
    pub fn parse(value: &str) -> Advertised {
        let mut advertised = Advertised::default();
        for token in value.split(',') {
            let (key, value) = token.split_once('=').unwrap_or((token, ""));
            match key {
                "port" => advertised.port = value.parse().ok().filter(|port| *port != 0),
                "duration" => advertised.duration = value.parse().ok(),
                _ => {}
            }
        }
        advertised
    }
}

/// One stored persistence policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// The host name, lowercased, as the user named the server.
    pub host: String,
    /// The TLS port to use.
    pub port: u16,
    /// When the policy stops binding.
    pub expires: DateTime<Utc>,
}

/// Why the policy file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum StsError {
    /// Reading or writing failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// A line is not `HOST PORT EXPIRY`.
    #[error("{}:{line}: expected `HOST PORT EXPIRY`, found `{text}`", path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// The line, shortened.
        text: String,
    },
}

/// What storing a policy changed, so the user hears about news only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// There was no policy for the host before (or it had expired).
    New,
    /// An existing policy got a new expiry (or port).
    Refreshed,
    /// `duration=0` removed the policy that was there.
    Removed,
    /// `duration=0` and there was nothing to remove.
    Nothing,
}

/// The `sts_policies` file.
#[derive(Debug, Clone)]
pub struct StsPolicies {
    path: PathBuf,
}

impl StsPolicies {
    /// The file at `path` (it need not exist yet).
    pub fn at(path: PathBuf) -> StsPolicies {
        StsPolicies { path }
    }

    /// `sts_policies` in the same directory as `known`.
    pub fn beside(known: &KnownServers) -> StsPolicies {
        StsPolicies::at(known.path().with_file_name("sts_policies"))
    }

    /// Where the file is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The `known_servers` file beside this one, for certificates met on
    /// an upgrade.
    pub fn known_servers(&self) -> KnownServers {
        KnownServers::at(self.path.with_file_name("known_servers"))
    }

    /// The live policy for `host` at `now`, if any.
    pub fn lookup(&self, host: &str, now: DateTime<Utc>) -> Result<Option<Policy>, StsError> {
        let host = host.to_ascii_lowercase();
        Ok(self
            .read()?
            .into_iter()
            .find(|policy| policy.host == host && policy.expires > now))
    }

    /// Applies `duration` seconds (seen on a TLS connection to `host` on
    /// `port` at `now`): 0 removes the host's policy, anything else (re)sets
    /// it to expire `duration` seconds from `now`. Expired lines go.
    pub fn store(
        &self,
        host: &str,
        port: u16,
        duration: u64,
        now: DateTime<Utc>,
    ) -> Result<Stored, StsError> {
        let host = host.to_ascii_lowercase();
        let mut policies = self.read()?;
        let before = policies
            .iter()
            .position(|policy| policy.host == host && policy.expires > now);
        policies.retain(|policy| policy.host != host && policy.expires > now);
        let outcome = if duration == 0 {
            if before.is_some() {
                Stored::Removed
            } else {
                Stored::Nothing
            }
        } else {
            let seconds = i64::try_from(duration).unwrap_or(i64::MAX);
            let expires = chrono::TimeDelta::try_seconds(seconds)
                .and_then(|delta| now.checked_add_signed(delta))
                .unwrap_or(DateTime::<Utc>::MAX_UTC);
            policies.push(Policy {
                host,
                port,
                expires,
            });
            if before.is_some() {
                Stored::Refreshed
            } else {
                Stored::New
            }
        };
        if outcome != Stored::Nothing {
            self.write(&policies)?;
        }
        Ok(outcome)
    }

    fn io(&self, source: std::io::Error) -> StsError {
        StsError::Io {
            path: self.path.clone(),
            source,
        }
    }

    fn read(&self) -> Result<Vec<Policy>, StsError> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => return Err(self.io(source)),
        };
        let mut policies = Vec::new();
        for (index, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let syntax = || StsError::Syntax {
                path: self.path.clone(),
                line: index + 1,
                text: line.chars().take(80).collect(),
            };
            let words: Vec<&str> = line.split_whitespace().collect();
            let [host, port, expires] = words[..] else {
                return Err(syntax());
            };
            let port: u16 = port.parse().ok().filter(|p| *p != 0).ok_or_else(syntax)?;
            let expires = expires
                .parse::<i64>()
                .ok()
                .and_then(|seconds| DateTime::from_timestamp(seconds, 0))
                .ok_or_else(syntax)?;
            policies.push(Policy {
                host: host.to_ascii_lowercase(),
                port,
                expires,
            });
        }
        Ok(policies)
    }

    fn write(&self, policies: &[Policy]) -> Result<(), StsError> {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir).map_err(|e| self.io(e))?;
        let mut text = String::from(
            "# natter: IRCv3 STS policies (hosts that must be reached over TLS until EXPIRY).\n\
             # HOST PORT EXPIRY (Unix seconds); natter rewrites this file.\n",
        );
        for policy in policies {
            text.push_str(&format!(
                "{} {} {}\n",
                policy.host,
                policy.port,
                policy.expires.timestamp()
            ));
        }
        let temporary = self
            .path
            .with_file_name(format!(".sts_policies.{}.tmp", std::process::id()));
        let mut options = std::fs::OpenOptions::new();
        options.create(true).write(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let written = options
            .open(&temporary)
            .and_then(|mut file| {
                file.write_all(text.as_bytes())
                    .and_then(|()| file.sync_all())
            })
            .and_then(|()| std::fs::rename(&temporary, &self.path));
        if let Err(error) = written {
            let _ = std::fs::remove_file(&temporary);
            return Err(self.io(error));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(seconds, 0).unwrap()
    }

    #[test]
    fn values_are_read_and_unknown_or_bad_keys_ignored() {
        assert_eq!(
            Advertised::parse("port=6697"),
            Advertised {
                port: Some(6697),
                duration: None
            }
        );
        assert_eq!(
            Advertised::parse("duration=300,preload,future=x"),
            Advertised {
                port: None,
                duration: Some(300)
            }
        );
        assert_eq!(
            Advertised::parse("port=0,duration=-5"),
            Advertised::default()
        );
        assert_eq!(Advertised::parse("port=99999"), Advertised::default());
    }

    #[test]
    fn a_policy_lives_for_its_duration_and_zero_removes_it() {
        let dir = tempfile::tempdir().unwrap();
        let policies = StsPolicies::at(dir.path().join("natter").join("sts_policies"));
        assert_eq!(policies.lookup("chat.lan", at(1000)).unwrap(), None);
        assert_eq!(
            policies.store("Chat.LAN", 6697, 60, at(1000)).unwrap(),
            Stored::New
        );
        let live = policies.lookup("CHAT.lan", at(1059)).unwrap().unwrap();
        assert_eq!((live.host.as_str(), live.port), ("chat.lan", 6697));
        assert_eq!(live.expires, at(1060));
        assert_eq!(policies.lookup("chat.lan", at(1060)).unwrap(), None);
        assert_eq!(
            policies.store("chat.lan", 7000, 60, at(1030)).unwrap(),
            Stored::Refreshed
        );
        assert_eq!(
            policies.lookup("chat.lan", at(1089)).unwrap().unwrap().port,
            7000
        );
        assert_eq!(
            policies.store("chat.lan", 7000, 0, at(1031)).unwrap(),
            Stored::Removed
        );
        assert_eq!(policies.lookup("chat.lan", at(1031)).unwrap(), None);
        assert_eq!(
            policies.store("chat.lan", 7000, 0, at(1031)).unwrap(),
            Stored::Nothing
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(policies.path()), 0o600);
            assert_eq!(mode(policies.path().parent().unwrap()), 0o700);
        }
    }

    #[test]
    fn other_hosts_are_kept_and_expired_lines_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let policies = StsPolicies::at(dir.path().join("sts_policies"));
        policies.store("old.lan", 6697, 10, at(0)).unwrap();
        policies.store("a.lan", 6697, 100, at(0)).unwrap();
        policies.store("b.lan", 6698, 100, at(50)).unwrap();
        let text = std::fs::read_to_string(policies.path()).unwrap();
        assert!(!text.contains("old.lan"), "{text}");
        assert!(text.contains("a.lan 6697 100\n"), "{text}");
        assert!(text.contains("b.lan 6698 150\n"), "{text}");
        assert_eq!(
            policies.lookup("a.lan", at(60)).unwrap().unwrap().port,
            6697
        );
    }

    #[test]
    fn a_huge_duration_does_not_overflow() {
        let dir = tempfile::tempdir().unwrap();
        let policies = StsPolicies::at(dir.path().join("sts_policies"));
        policies.store("a.lan", 6697, u64::MAX, at(0)).unwrap();
        assert!(
            policies
                .lookup("a.lan", at(i64::from(u32::MAX)))
                .unwrap()
                .is_some()
        );
    }

    #[test]
    fn a_bad_line_names_the_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sts_policies");
        std::fs::write(&path, "# ok\nchat.lan 6697 soon\n").unwrap();
        let error = StsPolicies::at(path.clone())
            .lookup("chat.lan", at(0))
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            format!(
                "{}:2: expected `HOST PORT EXPIRY`, found `chat.lan 6697 soon`",
                path.display()
            )
        );
    }

    #[test]
    fn it_lives_beside_known_servers() {
        let known = KnownServers::at(PathBuf::from("/data/natter/known_servers"));
        let policies = StsPolicies::beside(&known);
        assert_eq!(policies.path(), Path::new("/data/natter/sts_policies"));
        assert_eq!(policies.known_servers().path(), known.path());
    }
}
