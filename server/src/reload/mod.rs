//! Changing a running server's settings without dropping anyone (SIGHUP).
//!
//! A reload re-reads the config file the server started from (flags still win),
//! and only if the whole file is valid does anything change. Then it works in
//! two phases so that one bad part leaves everything as it was:
//!
//! 1. **prepare**: the server's own live settings ([`Live`]: MOTD, password)
//!    and every registered [`Reload`] hook (say, the TLS certificate) read and
//!    check what the new config asks for, changing nothing;
//! 2. **commit**: only when every part prepared, each swaps its new state in.
//!
//! Keys that no part can apply at run time (bind addresses, the data directory,
//! limits, ...) are compared with what the server is running with and reported
//! as needing a restart.
//!
//! Other parts of natterd plug in through [`ReloadHooks::register`] on
//! [`crate::context::Context::reload`].

mod diff;
mod live;
mod reloader;

pub use diff::restart_needed;
pub use live::Live;
pub use reloader::{ConfigSource, ReloadFailed, ReloadReport, Reloader};

use crate::config::Config;
use std::sync::{Arc, Mutex};

/// What a hook's [`Reload::prepare`] hands back: applying it swaps the new state in.
/// It runs only after every part prepared successfully, and must not fail.
pub type Staged = Box<dyn FnOnce() + Send>;

/// Why a hook could not take the new config (the old state stays).
pub type HookError = Box<dyn std::error::Error + Send + Sync>;

/// A part of the server that can take new settings at run time.
///
/// ```
/// use natterd::reload::{Reload, Staged, HookError};
/// use natterd::Config;
///
/// struct Certificate;
/// impl Reload for Certificate {
///     fn name(&self) -> &'static str { "tls certificate" }
///     fn keys(&self) -> &'static [&'static str] { &["tls.certificate", "tls.key"] }
///     fn prepare(&self, _config: &Config) -> Result<Staged, HookError> {
///         // read and check the new files here; swap them in inside the closure
///         Ok(Box::new(|| {}))
///     }
/// }
/// ```
pub trait Reload: Send + Sync {
    /// A short name for the logs, e.g. `"tls certificate"`.
    fn name(&self) -> &'static str;

    /// The dotted config keys (or whole tables, e.g. `"tls"`) this hook applies
    /// at run time; changes to them are not reported as needing a restart.
    fn keys(&self) -> &'static [&'static str];

    /// Reads and checks what `config` asks for without changing anything yet.
    fn prepare(&self, config: &Config) -> Result<Staged, HookError>;
}

/// The hooks a reload runs, in registration order.
#[derive(Default)]
pub struct ReloadHooks {
    hooks: Mutex<Vec<Arc<dyn Reload>>>,
}

impl std::fmt::Debug for ReloadHooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&'static str> = self.snapshot().iter().map(|hook| hook.name()).collect();
        f.debug_struct("ReloadHooks")
            .field("hooks", &names)
            .finish()
    }
}

impl ReloadHooks {
    /// Adds a hook; every later reload prepares and commits it.
    pub fn register(&self, hook: Arc<dyn Reload>) {
        self.hooks
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(hook);
    }

    /// The hooks registered so far.
    pub fn snapshot(&self) -> Vec<Arc<dyn Reload>> {
        self.hooks
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Every key some hook applies at run time.
    pub fn keys(&self) -> Vec<&'static str> {
        self.snapshot()
            .iter()
            .flat_map(|hook| hook.keys().iter().copied())
            .collect()
    }
}
