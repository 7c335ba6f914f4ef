//! What signals do: SIGHUP reloads the configuration (the "rehash" admins
//! expect, and what a closing SSH session sends: it must not kill the server);
//! SIGTERM and SIGINT stop it cleanly.

use super::notify;
use crate::reload::Reloader;
use tokio_util::sync::CancellationToken;

/// The signal handlers, installed as early as possible so that a signal
/// arriving during start-up is queued instead of killing the process.
///
/// All three are installed by [`Signals::install`], not when first awaited:
/// a SIGINT handler created lazily (`tokio::signal::ctrl_c()` inside the
/// loop) left SIGINT's default action, killing the process without a
/// goodbye, until the signal task first ran, which under load could be
/// after clients were already served.
#[derive(Debug)]
pub struct Signals {
    #[cfg(unix)]
    hangup: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
}

impl Signals {
    /// Installs the handlers (must run inside the tokio runtime).
    pub fn install() -> std::io::Result<Signals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Signals {
                hangup: signal(SignalKind::hangup())?,
                terminate: signal(SignalKind::terminate())?,
                interrupt: signal(SignalKind::interrupt())?,
            })
        }
        #[cfg(not(unix))]
        {
            Ok(Signals {})
        }
    }

    /// Reloads on every SIGHUP until SIGTERM or SIGINT, then cancels `shutdown`.
    pub async fn run(mut self, reloader: Reloader, shutdown: CancellationToken) {
        loop {
            match self.next().await {
                Event::Reload => reload(&reloader),
                Event::Stop(name) => {
                    tracing::info!("{name}: shutting down");
                    break;
                }
            }
        }
        notify::stopping();
        shutdown.cancel();
    }

    #[cfg(unix)]
    async fn next(&mut self) -> Event {
        tokio::select! {
            _ = self.hangup.recv() => Event::Reload,
            _ = self.terminate.recv() => Event::Stop("SIGTERM"),
            _ = self.interrupt.recv() => Event::Stop("SIGINT"),
        }
    }

    #[cfg(not(unix))]
    async fn next(&mut self) -> Event {
        let _ = tokio::signal::ctrl_c().await;
        Event::Stop("Ctrl-C")
    }
}

enum Event {
    Reload,
    Stop(&'static str),
}

/// One reload, logged: what was applied, what needs a restart, or why nothing changed.
fn reload(reloader: &Reloader) {
    notify::reloading();
    tracing::info!("SIGHUP: reloading the configuration");
    match reloader.reload() {
        Ok(report) => {
            let file = report
                .path
                .as_ref()
                .map_or_else(|| "no config file".to_string(), |p| p.display().to_string());
            tracing::info!(
                file,
                applied = report.applied.join(", "),
                "configuration reloaded"
            );
            for key in &report.restart_needed {
                tracing::warn!(
                    file,
                    key,
                    "changed in the config file but needs a restart to take effect"
                );
            }
        }
        Err(error) => {
            tracing::error!("reload failed, the running configuration stays: {error}");
        }
    }
    notify::ready("reloaded");
}
