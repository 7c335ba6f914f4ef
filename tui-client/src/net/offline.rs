//! While there is no connection (dialling, waiting to retry, or stopped
//! until the user acts): the app's commands are still obeyed, a nick change
//! is remembered, and quitting stops the task at once.

use natter_protocol::Fingerprint;
use tokio::sync::mpsc;

use super::registration::Identity;
use super::{NetCommand, NetConfig};
use crate::event::{AppEvent, NetEvent};

/// How the user lets a stopped network task go on.
enum Resume {
    /// /reconnect: try again as before.
    Retry,
    /// Trust this certificate (and keep it when `remember`).
    Trust {
        fingerprint: Fingerprint,
        remember: bool,
    },
}

/// Runs `work` (dialling or waiting to retry) while still obeying the app:
/// a nick change is remembered, lines to send are dropped (the app does not
/// send while offline), and quitting returns `None` at once.
pub(super) async fn while_offline<F: std::future::Future>(
    work: F,
    identity: &mut Identity,
    commands: &mut mpsc::Receiver<NetCommand>,
) -> Option<F::Output> {
    tokio::pin!(work);
    loop {
        tokio::select! {
            output = &mut work => return Some(output),
            command = commands.recv() => match command {
                None | Some(NetCommand::Quit(_)) => return None,
                Some(NetCommand::SetNick(nick)) => identity.nick = nick,
                Some(NetCommand::Send(_) | NetCommand::Reconnect | NetCommand::Trust { .. }) => {}
            },
        }
    }
}

/// Reports `event` (a permanent failure or an untrusted certificate) and
/// waits for the user: true to connect again (with a trusted certificate
/// applied to `config`), false when the user quit or the app is gone.
pub(super) async fn stop_until_resumed(
    event: NetEvent,
    config: &mut NetConfig,
    app: &mpsc::Sender<AppEvent>,
    identity: &mut Identity,
    commands: &mut mpsc::Receiver<NetCommand>,
) -> bool {
    if app.send(AppEvent::Net(event)).await.is_err() {
        return false;
    }
    loop {
        match until_resumed(identity, commands).await {
            None => return false,
            Some(Resume::Retry) => return true,
            Some(Resume::Trust {
                fingerprint,
                remember,
            }) => {
                let address = config.address();
                let Some(tls) = config.tls.as_mut() else {
                    return true;
                };
                tls.once = Some(fingerprint);
                if !remember {
                    return true;
                }
                match tls.known.remember(&address, &fingerprint) {
                    Ok(()) => {
                        tracing::info!(%address, %fingerprint, "certificate fingerprint remembered");
                        return true;
                    }
                    Err(error) => {
                        let reason = format!(
                            "cannot keep the certificate fingerprint: {error}. Fix that, or \
                             accept the certificate for this session only"
                        );
                        tls.once = None;
                        let event = NetEvent::Failed { reason };
                        if app.send(AppEvent::Net(event)).await.is_err() {
                            return false;
                        }
                    }
                }
            }
        }
    }
}

/// After a permanent failure: waits until the user asks to go on, or
/// quits (`None`), remembering nick changes meanwhile.
async fn until_resumed(
    identity: &mut Identity,
    commands: &mut mpsc::Receiver<NetCommand>,
) -> Option<Resume> {
    loop {
        match commands.recv().await {
            None | Some(NetCommand::Quit(_)) => return None,
            Some(NetCommand::Reconnect) => return Some(Resume::Retry),
            Some(NetCommand::Trust {
                fingerprint,
                remember,
            }) => {
                return Some(Resume::Trust {
                    fingerprint,
                    remember,
                });
            }
            Some(NetCommand::SetNick(nick)) => identity.nick = nick,
            Some(NetCommand::Send(_)) => {}
        }
    }
}
