//! One reload: read the config again, prepare every part, commit all or nothing.

use super::{HookError, Live, Staged, restart_needed};
use crate::config::{Config, ConfigError};
use crate::context::Context;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where the configuration comes from: a file (or none: the defaults) with the
/// command line's flags on top. Reloads read the same source again.
pub struct ConfigSource {
    path: Option<PathBuf>,
    overrides: Box<dyn Fn(&mut Config) + Send + Sync>,
}

impl std::fmt::Debug for ConfigSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConfigSource")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl ConfigSource {
    /// A source reading `path` (the defaults when `None`), then applying `overrides` (the flags).
    pub fn new(
        path: Option<PathBuf>,
        overrides: impl Fn(&mut Config) + Send + Sync + 'static,
    ) -> ConfigSource {
        ConfigSource {
            path,
            overrides: Box::new(overrides),
        }
    }

    /// The config file, if there is one.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Reads the file, applies the flags and validates the result.
    pub fn load(&self) -> Result<Config, ReloadFailed> {
        let mut config = match &self.path {
            Some(path) => Config::load(path)?,
            None => Config::default(),
        };
        (self.overrides)(&mut config);
        config
            .validate()
            .map_err(|(key, message)| ReloadFailed::Flag { key, message })?;
        Ok(config)
    }
}

/// Why a reload changed nothing. The `Display` text is what the operator sees.
#[derive(Debug, thiserror::Error)]
pub enum ReloadFailed {
    /// The config file (or the MOTD it names) could not be read or is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A flag's value is invalid.
    #[error("{key} {message} (set by a flag)")]
    Flag {
        /// The dotted key the flag sets.
        key: &'static str,
        /// What is wrong.
        message: String,
    },
    /// A reload hook refused the new settings.
    #[error("{name}: {source}")]
    Hook {
        /// The hook's name.
        name: &'static str,
        /// Its reason.
        source: HookError,
    },
}

/// What a successful reload did.
#[derive(Debug)]
pub struct ReloadReport {
    /// The file read, if any.
    pub path: Option<PathBuf>,
    /// The parts that took the new settings (`"motd"`, `"password"`, then the hooks').
    pub applied: Vec<&'static str>,
    /// Changed keys that only take effect after a restart.
    pub restart_needed: Vec<String>,
}

/// Reloads a running server from its [`ConfigSource`].
#[derive(Debug)]
pub struct Reloader {
    context: Arc<Context>,
    source: ConfigSource,
}

impl Reloader {
    /// A reloader for the server sharing `context`, which was started from `source`.
    pub fn new(context: Arc<Context>, source: ConfigSource) -> Reloader {
        Reloader { context, source }
    }

    /// Reads the config again and applies what can change at run time; on any
    /// error nothing changes. Blocks briefly on file reads.
    pub fn reload(&self) -> Result<ReloadReport, ReloadFailed> {
        let config = self.source.load()?;
        let live = Live::load(&config)?;
        let hooks = self.context.reload.snapshot();
        let mut staged: Vec<Staged> = Vec::with_capacity(hooks.len());
        for hook in &hooks {
            let commit = hook.prepare(&config).map_err(|source| ReloadFailed::Hook {
                name: hook.name(),
                source,
            })?;
            staged.push(commit);
        }
        let mut applied = vec!["motd", "password", "operators", "admin"];
        self.context.set_live(live);
        for (hook, commit) in hooks.iter().zip(staged) {
            commit();
            applied.push(hook.name());
        }
        let mut reloadable: Vec<&str> = Live::KEYS.to_vec();
        reloadable.extend(self.context.reload.keys());
        Ok(ReloadReport {
            path: self.source.path.clone(),
            applied,
            restart_needed: restart_needed(&self.context.config, &config, &reloadable),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reload::Reload;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A hook that counts commits, or refuses every config.
    struct Counter {
        commits: Arc<AtomicUsize>,
        refuse: bool,
    }

    impl Reload for Counter {
        fn name(&self) -> &'static str {
            "counter"
        }
        fn keys(&self) -> &'static [&'static str] {
            &["limits.max_clients"]
        }
        fn prepare(&self, _config: &Config) -> Result<Staged, super::HookError> {
            if self.refuse {
                return Err("the new certificate does not match its key".into());
            }
            let commits = Arc::clone(&self.commits);
            Ok(Box::new(move || {
                commits.fetch_add(1, Ordering::SeqCst);
            }))
        }
    }

    fn setup(text: &str) -> (tempfile::TempDir, PathBuf, Arc<Context>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("natterd.toml");
        std::fs::write(&path, text).unwrap();
        let config = Config::load(&path).unwrap();
        let context = Arc::new(Context::new(config, None, None));
        (dir, path, context)
    }

    #[test]
    fn hooks_commit_and_their_keys_need_no_restart() {
        let (_dir, path, context) = setup("");
        let commits = Arc::new(AtomicUsize::new(0));
        context.reload.register(Arc::new(Counter {
            commits: Arc::clone(&commits),
            refuse: false,
        }));
        std::fs::write(
            &path,
            "[server]\npassword = \"pw\"\ndescription = \"lab\"\n[limits]\nmax_clients = 7\n[admin]\nemail = \"ops@lab\"\n",
        )
        .unwrap();
        let reloader = Reloader::new(context.clone(), ConfigSource::new(Some(path), |_| {}));
        let report = reloader.reload().unwrap();
        assert_eq!(
            report.applied,
            ["motd", "password", "operators", "admin", "counter"]
        );
        assert!(
            report.restart_needed.is_empty(),
            "{:?}",
            report.restart_needed
        );
        assert_eq!(commits.load(Ordering::SeqCst), 1);
        assert_eq!(context.live().password.as_deref(), Some("pw"));
        assert_eq!(context.live().admin.email, "ops@lab");
        assert_eq!(context.live().description, "lab");
    }

    #[test]
    fn a_refusing_hook_changes_nothing_anywhere() {
        let (_dir, path, context) = setup("[server]\npassword = \"old\"\n");
        let commits = Arc::new(AtomicUsize::new(0));
        context.reload.register(Arc::new(Counter {
            commits: Arc::clone(&commits),
            refuse: false,
        }));
        context.reload.register(Arc::new(Counter {
            commits: Arc::new(AtomicUsize::new(0)),
            refuse: true,
        }));
        std::fs::write(&path, "[server]\npassword = \"new\"\n").unwrap();
        let reloader = Reloader::new(context.clone(), ConfigSource::new(Some(path), |_| {}));
        let error = reloader.reload().unwrap_err().to_string();
        assert_eq!(error, "counter: the new certificate does not match its key");
        assert_eq!(commits.load(Ordering::SeqCst), 0);
        assert_eq!(context.live().password.as_deref(), Some("old"));
    }

    #[test]
    fn flags_still_win_over_the_reloaded_file() {
        let (_dir, path, context) = setup("");
        std::fs::write(&path, "[server]\npassword = \"from-file\"\n").unwrap();
        let source = ConfigSource::new(Some(path), |config| {
            config.server.password = Some("from-flag".into());
        });
        Reloader::new(context.clone(), source).reload().unwrap();
        assert_eq!(context.live().password.as_deref(), Some("from-flag"));
    }
}
