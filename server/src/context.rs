//! What every session shares: the config, the hub, the history and counters.

use crate::accounts::Accounts;
use crate::cluster::ClusterNode;
use crate::command_counts::CommandCounts;
use crate::config::Config;
use crate::history::History;
use crate::hub::NickTaken;
use crate::hub::client::ClientId;
use crate::hub::{Hub, HubSettings};
use crate::net::admission::Admission;
use crate::reload::{Live, ReloadHooks};
use crate::tls::Tls;
use chrono::{DateTime, Utc};
use natter_protocol::Casemapping;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

/// natterd's version, as shown in 002, 004 and VERSION.
pub const VERSION: &str = concat!("natterd-", env!("CARGO_PKG_VERSION"));

/// The server's shared state, one per running server.
#[derive(Debug)]
pub struct Context {
    /// The configuration the server started with. Settings a reload can
    /// change (MOTD, password) are read through [`Context::live`] instead.
    pub config: Config,
    /// What a reload (SIGHUP) runs besides the live settings: other parts
    /// (e.g. the TLS certificate) register here.
    pub reload: ReloadHooks,
    live: RwLock<Arc<Live>>,
    /// When the server started (003).
    pub created: DateTime<Utc>,
    /// The routing core.
    pub hub: Hub,
    /// Message history, when enabled.
    pub history: Option<History>,
    /// Accounts (kept in the history database: none when history is off).
    pub accounts: Option<Accounts>,
    /// Connection counts and the caps on them (LUSERS 253 counts its unregistered).
    pub admission: Arc<Admission>,
    /// The TLS certificate in force, when the TLS listener is enabled.
    pub tls: Option<Arc<Tls>>,
    /// The TLS listener's actual port (the `sts` capability advertises it).
    pub tls_port: Option<u16>,
    /// This server as a node of a cluster, when `[cluster] nats` is set.
    pub cluster: Option<Arc<ClusterNode>>,
    /// How often each IRC command was received (`STATS m`).
    pub commands: CommandCounts,
    next_client_id: AtomicU64,
}

impl Context {
    /// Builds the shared state from a validated config.
    pub fn new(config: Config, motd: Option<String>, history: Option<History>) -> Context {
        let settings = HubSettings {
            casemapping: Casemapping::Rfc8265,
            limits: config.limits.clone(),
        };
        Context {
            hub: Hub::new(settings, history.clone()),
            live: RwLock::new(Arc::new(Live::new(&config, motd))),
            reload: ReloadHooks::default(),
            created: Utc::now(),
            accounts: history.as_ref().map(|h| h.accounts().clone()),
            history,
            admission: Arc::new(Admission::new(&config.limits)),
            tls: None,
            tls_port: None,
            cluster: None,
            commands: CommandCounts::default(),
            next_client_id: AtomicU64::new(1),
            config,
        }
    }

    /// The settings in force now (they change on reload): read them when they are used.
    pub fn live(&self) -> Arc<Live> {
        self.live
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Puts reloaded settings in force for every later reader.
    pub fn set_live(&self, live: Live) {
        *self
            .live
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Arc::new(live);
    }

    /// A fresh client id.
    pub fn next_client_id(&self) -> ClientId {
        self.next_client_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Claims `nick` for the registered client `id` across the cluster before
    /// the hub renames it (always granted on a single node). Pair a claim
    /// whose rename then fails with [`Context::release_nick`].
    pub async fn claim_nick(&self, nick: &str, id: ClientId) -> Result<(), NickTaken> {
        let Some(cluster) = &self.cluster else {
            return Ok(());
        };
        let account = self.hub.read(|hub| hub.account_of(id));
        let account = account.as_ref().map(|(_, folded)| folded.as_str());
        cluster.claim(nick, id, account).await
    }

    /// Claims the first nick of client `id`, about to register logged in to
    /// `account` (folded) or not, as [`Context::claim_nick`] does: the other
    /// nodes learn with the nick that its holder's account is online.
    pub async fn claim_first_nick(
        &self,
        nick: &str,
        id: ClientId,
        account: Option<&str>,
    ) -> Result<(), NickTaken> {
        match &self.cluster {
            Some(cluster) => cluster.claim(nick, id, account).await,
            None => Ok(()),
        }
    }

    /// Gives up a claim made by [`Context::claim_nick`] that was not used.
    pub fn release_nick(&self, nick: &str, id: ClientId) {
        if let Some(cluster) = &self.cluster {
            cluster.release(nick, id);
        }
    }

    /// The server's name, the source of its own messages.
    pub fn server_name(&self) -> &str {
        &self.config.server.name
    }
}
