//! The network task as the net tests drive it: started on its own with the
//! channels the app would hold, read event by event against a deadline, and
//! asked to quit. Shared by net.rs, sts_net.rs, tls_net.rs and client_cert_net.rs.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::Duration;

use natter::event::{AppEvent, NetEvent};
use natter::net::registration::Identity;
use natter::net::{self, NetCommand, NetConfig};
use natter_protocol::Message;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// How long an expected event may take before a test fails (turns a hang
/// into a failure; never a speed check).
pub const PATIENCE: Duration = Duration::from_secs(20);

/// `nick` as username and real name too, no password, no account.
pub fn identity(nick: &str) -> Identity {
    Identity {
        nick: nick.to_owned(),
        username: nick.to_owned(),
        realname: nick.to_owned(),
        password: None,
        account: None,
        client_cert: None,
    }
}

/// Plaintext to `host:port` as `nick`, no STS, the default registration timeout.
pub fn config(host: &str, port: u16, nick: &str) -> NetConfig {
    NetConfig {
        host: host.to_owned(),
        port,
        registration_timeout: net::REGISTRATION_TIMEOUT,
        tls: None,
        sts: None,
        identity: identity(nick),
    }
}

/// A running network task and the app's ends of its channels.
pub struct NetClient {
    events: mpsc::Receiver<AppEvent>,
    commands: mpsc::Sender<NetCommand>,
    task: tokio::task::JoinHandle<()>,
}

impl NetClient {
    /// Starts the network task with `config`.
    pub fn start(config: NetConfig) -> NetClient {
        let (app_tx, events) = mpsc::channel(256);
        let (commands, net_rx) = mpsc::channel(64);
        let task = tokio::spawn(net::run(config, app_tx, net_rx));
        NetClient {
            events,
            commands,
            task,
        }
    }

    /// The next network event before `deadline` (other app events are
    /// skipped); panics naming `what` when none comes or the task ended.
    pub async fn next_net(&mut self, what: &str, deadline: Instant) -> NetEvent {
        loop {
            let event = tokio::time::timeout_at(deadline, self.events.recv())
                .await
                .unwrap_or_else(|_| panic!("no {what} within {PATIENCE:?}"))
                .unwrap_or_else(|| panic!("network task ended before {what}"));
            if let AppEvent::Net(event) = event {
                return event;
            }
        }
    }

    /// Waits for the first network event that `pick` accepts.
    pub async fn until<T>(
        &mut self,
        what: &str,
        mut pick: impl FnMut(&NetEvent) -> Option<T>,
    ) -> T {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let event = self.next_net(what, deadline).await;
            if let Some(found) = pick(&event) {
                return found;
            }
        }
    }

    /// Waits for a line from the server that passes `test`.
    pub async fn line(&mut self, what: &str, test: impl Fn(&Message) -> bool) -> Message {
        self.until(what, |event| match event {
            NetEvent::Line { message, .. } if test(message) => Some(message.clone()),
            _ => None,
        })
        .await
    }

    /// Hands the network task a command, as the app does.
    pub async fn command(&self, command: NetCommand) {
        self.commands
            .send(command)
            .await
            .expect("the network task ended");
    }

    /// Asks the network task to quit and waits for it to end.
    pub async fn quit(self) {
        // The task may have ended already (a permanent failure); then there is nobody to tell.
        let _ = self.commands.send(NetCommand::Quit("bye".into())).await;
        tokio::time::timeout(PATIENCE, self.task)
            .await
            .expect("the network task did not end")
            .expect("the network task panicked");
    }
}

/// Whether `event` is the welcome (001).
pub fn is_welcome(event: &NetEvent) -> bool {
    matches!(event, NetEvent::Line { message, .. } if message.command == "001")
}

/// A file's permission bits.
#[cfg(unix)]
pub fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}
