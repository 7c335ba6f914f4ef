//! systemd's readiness protocol (`Type=notify`): `READY=1` once the server
//! accepts connections, `RELOADING=1` … `READY=1` around a reload, `STOPPING=1`
//! when shutdown starts. Without `NOTIFY_SOCKET` (not under systemd) these do nothing.

use sd_notify::NotifyState;

fn send(states: &[NotifyState<'_>]) {
    if let Err(error) = sd_notify::notify(states) {
        tracing::warn!(%error, "cannot notify the service manager");
    }
}

/// The server listens and history is open.
pub fn ready(status: &str) {
    send(&[NotifyState::Ready, NotifyState::Status(status)]);
}

/// A reload starts; [`ready`] must follow when it is done (successful or not).
pub fn reloading() {
    match NotifyState::monotonic_usec_now() {
        Ok(now) => send(&[NotifyState::Reloading, now]),
        Err(_) => send(&[NotifyState::Reloading]),
    }
}

/// Shutdown starts: clients are being told goodbye and history committed.
pub fn stopping() {
    send(&[NotifyState::Stopping, NotifyState::Status("shutting down")]);
}
