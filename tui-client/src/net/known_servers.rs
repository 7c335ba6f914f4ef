//! `known_servers`: the certificate fingerprints the user accepted for servers
//! whose certificates no authority vouches for, like ssh's `known_hosts`.
//!
//! One `HOST:PORT FINGERPRINT` per line (the fingerprint in hex), `#` starts a
//! comment. The file lives in natter's data directory with mode 0600. A server
//! whose certificate changed is refused until its line is edited or removed.

use natter_protocol::Fingerprint;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Why the file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum KnownServersError {
    /// Reading or writing failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// A line is not `HOST:PORT FINGERPRINT`.
    #[error("{}:{line}: expected `HOST:PORT FINGERPRINT`, found `{text}`", path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// The line, shortened.
        text: String,
    },
}

/// The known servers file.
#[derive(Debug, Clone)]
pub struct KnownServers {
    path: PathBuf,
}

/// The default place: `known_servers` in natter's data directory.
pub fn default_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "natter")
        .map(|dirs| dirs.data_dir().join("known_servers"))
}

impl KnownServers {
    /// The file at `path` (it need not exist yet).
    pub fn at(path: PathBuf) -> KnownServers {
        KnownServers { path }
    }

    /// Where the file is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The fingerprint remembered for `server` (`HOST:PORT`), if any.
    pub fn lookup(&self, server: &str) -> Result<Option<Fingerprint>, KnownServersError> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(KnownServersError::Io {
                    path: self.path.clone(),
                    source,
                });
            }
        };
        for (index, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let syntax = || KnownServersError::Syntax {
                path: self.path.clone(),
                line: index + 1,
                text: line.chars().take(80).collect(),
            };
            let mut words = line.split_whitespace();
            let (Some(name), Some(fingerprint), None) = (words.next(), words.next(), words.next())
            else {
                return Err(syntax());
            };
            let fingerprint: Fingerprint = fingerprint.parse().map_err(|_| syntax())?;
            if name.eq_ignore_ascii_case(server) {
                return Ok(Some(fingerprint));
            }
        }
        Ok(None)
    }

    /// Remembers `fingerprint` for `server`, creating the file (0600, in a
    /// 0700 directory) if needed.
    pub fn remember(
        &self,
        server: &str,
        fingerprint: &Fingerprint,
    ) -> Result<(), KnownServersError> {
        let io = |source| KnownServersError::Io {
            path: self.path.clone(),
            source,
        };
        if let Some(dir) = self.path.parent() {
            let mut builder = std::fs::DirBuilder::new();
            builder.recursive(true);
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
            builder.create(dir).map_err(io)?;
        }
        let fresh = !self.path.exists();
        let mut options = std::fs::OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&self.path).map_err(io)?;
        if fresh {
            writeln!(
                file,
                "# natter: servers whose self-signed certificates you accepted.\n\
                 # HOST:PORT SHA-256-FINGERPRINT; delete a line to be asked again."
            )
            .map_err(io)?;
        }
        writeln!(file, "{server} {}", fingerprint.hex()).map_err(io)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembered_fingerprints_are_found_again() {
        let dir = tempfile::tempdir().unwrap();
        let known = KnownServers::at(dir.path().join("sub").join("known_servers"));
        assert_eq!(known.lookup("chat.lan:6697").unwrap(), None);
        let first = Fingerprint::of_der(b"one");
        let second = Fingerprint::of_der(b"two");
        known.remember("chat.lan:6697", &first).unwrap();
        known.remember("[::1]:6697", &second).unwrap();
        assert_eq!(known.lookup("CHAT.lan:6697").unwrap(), Some(first));
        assert_eq!(known.lookup("[::1]:6697").unwrap(), Some(second));
        assert_eq!(known.lookup("chat.lan:7000").unwrap(), None);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(known.path())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_bad_line_names_the_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("known_servers");
        std::fs::write(&path, "# ok\nchat.lan:6697 nothex\n").unwrap();
        let error = KnownServers::at(path.clone()).lookup("x:1").unwrap_err();
        assert_eq!(
            error.to_string(),
            format!(
                "{}:2: expected `HOST:PORT FINGERPRINT`, found `chat.lan:6697 nothex`",
                path.display()
            )
        );
    }
}
