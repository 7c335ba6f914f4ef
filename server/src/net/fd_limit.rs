//! The process's file descriptor limit, checked against `max_clients` at
//! start-up: below it, connections past the limit could not even be accepted.

/// Descriptors natterd needs besides its clients: listener, history, logs, the spare.
const OVERHEAD: u64 = 32;

/// Warns when the soft `RLIMIT_NOFILE` cannot hold `max_clients` connections.
pub fn warn_if_below(max_clients: usize) {
    let Some(limit) = soft_limit() else {
        return;
    };
    let needed = max_clients as u64 + OVERHEAD;
    if limit < needed {
        tracing::warn!(
            open_files_limit = limit,
            max_clients,
            "the open-files limit (RLIMIT_NOFILE, systemd LimitNOFILE=) is below max_clients + {OVERHEAD}: \
             clients past it are refused; raise it to at least {needed} or lower max_clients"
        );
    }
}

/// The soft limit on open files, when the platform has one.
#[cfg(unix)]
pub fn soft_limit() -> Option<u64> {
    rustix::process::getrlimit(rustix::process::Resource::Nofile).current
}

/// The soft limit on open files, when the platform has one.
#[cfg(not(unix))]
pub fn soft_limit() -> Option<u64> {
    None
}
