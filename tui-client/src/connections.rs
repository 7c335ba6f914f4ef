//! One connection task per network: each network's `net::run` gets its own
//! command channel, and a small forwarder tags what it reports with the
//! network's id before it joins the app's one event channel. A network
//! that fails, reconnects or quits touches no other.

use std::collections::HashMap;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::event::{AppEvent, NetworkId};
use crate::net::{self, NetCommand, NetConfig};

/// Capacity of each network's command channel.
const COMMANDS: usize = 512;
/// Capacity of each network's event channel (before the forwarder).
const EVENTS: usize = 256;
/// How long quitting waits for the networks to say goodbye.
const QUIT_GRACE: Duration = Duration::from_secs(2);

/// The running network tasks.
pub struct Connections {
    app: mpsc::Sender<AppEvent>,
    running: HashMap<NetworkId, Connection>,
}

struct Connection {
    commands: mpsc::Sender<NetCommand>,
    task: JoinHandle<()>,
}

impl Connections {
    /// No connections yet; their news will go to `app`.
    pub fn new(app: mpsc::Sender<AppEvent>) -> Connections {
        Connections {
            app,
            running: HashMap::new(),
        }
    }

    /// Starts the task of `network` connecting with `config`.
    pub fn start(&mut self, network: NetworkId, config: NetConfig) {
        let (commands, commands_rx) = mpsc::channel(COMMANDS);
        let (events, mut events_rx) = mpsc::channel::<AppEvent>(EVENTS);
        let app = self.app.clone();
        let task = tokio::spawn(async move {
            let forward = async move {
                while let Some(event) = events_rx.recv().await {
                    let event = match event {
                        AppEvent::Net(event) => AppEvent::NetOf { network, event },
                        other => other,
                    };
                    if app.send(event).await.is_err() {
                        break;
                    }
                }
            };
            tokio::join!(net::run(config, events, commands_rx), forward);
        });
        self.running.insert(network, Connection { commands, task });
    }

    /// Hands `command` to `network`'s task without waiting; false when its
    /// queue is full (or it is gone).
    pub fn send(&self, network: NetworkId, command: NetCommand) -> bool {
        self.running
            .get(&network)
            .is_some_and(|connection| connection.commands.try_send(command).is_ok())
    }

    /// Ends `network`: QUIT with `reason`, then its task stops by itself.
    pub fn stop(&mut self, network: NetworkId, reason: String) {
        if let Some(connection) = self.running.remove(&network) {
            let _ = connection.commands.try_send(NetCommand::Quit(reason));
        }
    }

    /// QUIT on every network, waiting a moment for the goodbyes.
    pub async fn quit_all(self, reason: &str) {
        let mut tasks = Vec::new();
        for (_, connection) in self.running {
            let _ = connection
                .commands
                .send(NetCommand::Quit(reason.to_owned()))
                .await;
            tasks.push(connection.task);
        }
        let _ = tokio::time::timeout(QUIT_GRACE, futures::future::join_all(tasks)).await;
    }
}
