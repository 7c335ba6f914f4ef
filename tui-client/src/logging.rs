//! Logging for bug reports: off unless asked for (`--log-file`), because a
//! full-screen program must never write to its own terminal. The file is
//! created 0600 (it names servers and channels); message text is never
//! logged, and `NATTER_LOG` (an env-filter such as `debug`) sets the level.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::Context;

/// Where `--log-file` without a path writes: the platform state directory
/// (`~/.local/state/natter/natter.log` on Linux), else the cache directory.
pub fn default_path() -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "natter")?;
    let dir = dirs.state_dir().unwrap_or_else(|| dirs.cache_dir());
    Some(dir.join("natter.log"))
}

/// Starts writing log records to `path` (appending; created 0600 with its
/// directory).
pub fn init(path: &Path) -> anyhow::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("creating the log directory {}", dir.display()))?;
    }
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options
        .open(path)
        .with_context(|| format!("opening the log file {}", path.display()))?;
    let filter = tracing_subscriber::EnvFilter::try_from_env("NATTER_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(Mutex::new(file))
        .try_init()
        .map_err(|error| anyhow::anyhow!("starting the log: {error}"))?;
    tracing::info!(version = env!("CARGO_PKG_VERSION"), "natter starting");
    Ok(())
}
