//! The data directory is private: it holds whispers, password hashes and
//! (with TLS) a private key, so it is created 0700 and every file in it 0600,
//! whatever the umask. A directory that already exists with looser modes is
//! the admin's choice and only gets a warning.

use std::fs::File;
use std::io;
use std::path::Path;

/// Permission bits of the data directory natterd creates.
pub const DIR_MODE: u32 = 0o700;
/// Permission bits of every file natterd creates in it.
pub const FILE_MODE: u32 = 0o600;

/// Creates `dir` (and missing parents) with mode 0700, or warns (once, in the
/// log) when an existing `dir` lets group or others in.
pub fn prepare(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        warn_if_loose(dir);
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, DIR_MODE);
    builder.create(dir)?;
    // The umask may have taken bits off, never added; set exactly 0700.
    set_mode(dir, DIR_MODE)
}

/// Makes sure `path` exists with mode 0600 (creating it empty, or tightening
/// an existing file), so that a program opening it later (SQLite) never
/// creates it with its own, looser default. SQLite gives its `-wal`, `-shm`
/// and `-journal` files the mode of the database file.
pub fn private_file(path: &Path) -> io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, FILE_MODE);
    let file: File = options.open(path)?;
    drop(file);
    set_mode(path, FILE_MODE)
}

/// Tightens an existing file to 0600; a missing file is fine.
pub fn tighten_if_present(path: &Path) -> io::Result<()> {
    match set_mode(path, FILE_MODE) {
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) -> io::Result<()> {
    Ok(())
}

#[cfg(unix)]
fn warn_if_loose(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(metadata) = std::fs::metadata(dir) {
        let mode = metadata.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            tracing::warn!(
                path = %dir.display(),
                mode = format!("{mode:o}"),
                "the data directory is readable by other users; it holds private messages: chmod 700 it"
            );
        }
    }
}

#[cfg(not(unix))]
fn warn_if_loose(_dir: &Path) {}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path)
            .map(|m| m.permissions().mode() & 0o777)
            .unwrap_or(0)
    }

    #[test]
    fn a_new_directory_is_0700_and_files_0600() {
        let temp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let dir = temp.path().join("a/b");
        prepare(&dir).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(mode(&dir), 0o700);
        let file = dir.join("f");
        std::fs::write(&file, b"x").unwrap_or_else(|e| panic!("{e}"));
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644))
            .unwrap_or_else(|e| panic!("{e}"));
        private_file(&file).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(mode(&file), 0o600);
        assert_eq!(std::fs::read(&file).unwrap_or_default(), b"x");
        tighten_if_present(&dir.join("missing")).unwrap_or_else(|e| panic!("{e}"));
    }
}
