//! This natterd as one node of a cluster: the parts of [`super`] put to
//! work for the hub.
//!
//! Life of a node: the [`Link`] is made with the listeners (a bad
//! `[cluster]` setting stops start-up); [`ClusterNode::start`] runs in the
//! background and never holds up local users: it waits for NATS, opens the
//! node bucket, nick bucket and room stream (retrying while NATS is away),
//! then attaches itself to the hub as its bus and directory and announces
//! what is already here (nicks claimed, rooms followed, members listed).
//! [`ClusterNode::stop`] sends what is queued, says goodbye (others see
//! this node's users quit at once) and closes the connection.
//!
//! The work is split by direction: [`super::outbox`] sends what the hub
//! routes, [`super::inbound`] delivers what other nodes send, and
//! [`super::presence`] follows nodes and the link (deaths, outages,
//! re-announcing) and nick claims.

use super::accounts::AccountBucket;
use super::catchup::CatchUps;
use super::channels::ChannelStore;
use super::directory::NickDirectory;
use super::held::HeldMessages;
use super::liveness::Liveness;
use super::nicks::NickRegistry;
use super::ordering::RoomLog;
use super::outbox::Outbox;
use super::registrations::RegistrationBucket;
use super::roster::Roster;
use super::shared_state::{SharedState, StateChange};
use super::whispers::Whispers;
use super::{ClusterConfig, ClusterError, Link, NodeId, Subjects};
use crate::context::Context;
use natter_protocol::Casemapping;
use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, Weak};
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// How long to wait between attempts to open the cluster's buckets and
/// stream while NATS is out of reach at start.
const OPEN_RETRY: Duration = Duration::from_secs(1);

/// How long the room stream keeps events when history is off: long
/// enough for a node to resume its rooms after a NATS outage.
const NO_HISTORY_RETENTION: Duration = Duration::from_secs(3600);

/// The JetStream parts, opened once NATS answered.
#[derive(Debug)]
pub(crate) struct Parts {
    pub(crate) accounts: AccountBucket,
    pub(crate) registrations: RegistrationBucket,
    pub(crate) liveness: Liveness,
    pub(crate) channels: ChannelStore,
    pub(crate) nicks: NickRegistry,
    pub(crate) rooms: RoomLog,
    pub(crate) whispers: Whispers,
}

/// A room this node follows.
#[derive(Debug)]
pub(crate) struct Follow {
    /// Stops its follower.
    pub(crate) stop: CancellationToken,
    /// The last stream sequence it delivered (0: none yet): where it
    /// resumes after an outage.
    pub(crate) last: Arc<AtomicU64>,
    /// How far this node's history of the room is complete (0: not
    /// known): `last`, except that it stops before the first message that
    /// was not recorded. The follower may read a few events after the last
    /// local member left, before it is stopped, and those messages went
    /// nowhere: the next catch-up must start before them.
    pub(crate) recorded: Arc<AtomicU64>,
}

/// A local user's claim on a nick: which client, and its whisper listener.
#[derive(Debug)]
pub(crate) struct Holder {
    pub(crate) client: u64,
    pub(crate) listening: CancellationToken,
}

/// One running node. Shared by the hub (as its bus and directory), the
/// sessions (nick claims) and the node's own tasks.
#[derive(Debug)]
pub struct ClusterNode {
    pub(crate) me: NodeId,
    pub(crate) config: ClusterConfig,
    pub(crate) subjects: Subjects,
    pub(crate) link: Link,
    pub(crate) casemapping: Casemapping,
    /// History retention, which the room stream follows.
    history_max_age: Duration,
    history_per_room: i64,
    context: OnceLock<Weak<Context>>,
    pub(crate) parts: OnceLock<Parts>,
    /// Who is on other nodes (behind a short, never-awaited lock).
    pub(crate) roster: Mutex<Roster>,
    /// Rooms followed (folded name): how far, and how to stop each follower.
    pub(crate) followed: Mutex<HashMap<String, Follow>>,
    /// Nicks this node claimed for its users (folded).
    pub(crate) holders: Mutex<HashMap<String, Holder>>,
    pub(crate) outbox: Outbox,
    /// Every nick held in the cluster (the nick bucket watched).
    pub(crate) directory: Mutex<NickDirectory>,
    /// Asks the nick watch to read the whole bucket again (this node is
    /// back from an outage: see [`ClusterNode::reread_nicks`]).
    reread_nicks: tokio::sync::Notify,
    /// This node's channel messages waiting for their place in the room order.
    pub(crate) held: Mutex<HeldMessages>,
    /// The channel bucket as watched, and our own changes on their way.
    pub(crate) shared: Mutex<SharedState>,
    /// The queue of the task writing this node's changes to it.
    pub(crate) writes: OnceLock<tokio::sync::mpsc::Sender<(String, StateChange)>>,
    /// Which followed rooms' histories are complete here.
    pub(crate) catch_ups: CatchUps,
    pub(crate) shutdown: CancellationToken,
    pub(crate) tasks: TaskTracker,
    /// Whether the node has joined (attached to the hub, announced).
    joined: tokio::sync::watch::Sender<bool>,
}

impl ClusterNode {
    /// A node on `link` for the server configured by `config`; it does
    /// nothing until [`ClusterNode::start`].
    pub fn new(link: Link, config: &crate::Config, casemapping: Casemapping) -> Arc<ClusterNode> {
        // The room stream keeps what history keeps (zero: no age limit);
        // with history off, an hour, enough to resume after an outage.
        let history_max_age = if config.history.enabled {
            config.history.max_age.unwrap_or(Duration::ZERO)
        } else {
            NO_HISTORY_RETENTION
        };
        Arc::new(ClusterNode {
            me: NodeId::new(&config.cluster.node_name()),
            config: config.cluster.clone(),
            subjects: Subjects::new(&config.server.network),
            link,
            casemapping,
            history_max_age,
            history_per_room: config
                .history
                .max_per_target
                .and_then(|max| i64::try_from(max).ok())
                .unwrap_or(0),
            context: OnceLock::new(),
            parts: OnceLock::new(),
            roster: Mutex::new(Roster::new(casemapping)),
            followed: Mutex::new(HashMap::new()),
            holders: Mutex::new(HashMap::new()),
            outbox: Outbox::new(),
            held: Mutex::new(HeldMessages::default()),
            catch_ups: CatchUps::default(),
            shared: Mutex::new(SharedState::default()),
            writes: OnceLock::new(),
            directory: Mutex::new(NickDirectory::default()),
            reread_nicks: tokio::sync::Notify::new(),
            shutdown: CancellationToken::new(),
            tasks: TaskTracker::new(),
            joined: tokio::sync::watch::Sender::new(false),
        })
    }

    /// This node's run.
    pub fn me(&self) -> &NodeId {
        &self.me
    }

    /// Waits until this node has joined the cluster (at most `timeout`);
    /// whether it has.
    pub async fn wait_joined(&self, timeout: Duration) -> bool {
        let mut joined = self.joined.subscribe();
        tokio::time::timeout(timeout, joined.wait_for(|joined| *joined))
            .await
            .is_ok_and(|result| result.is_ok())
    }

    /// Joins the cluster in the background for `context`'s hub.
    pub fn start(self: &Arc<Self>, context: &Arc<Context>) {
        let _ = self.context.set(Arc::downgrade(context));
        let node = self.clone();
        self.tasks.spawn(async move { node.join().await });
    }

    /// Sends what is queued, leaves the cluster and closes the link.
    pub async fn stop(&self) {
        self.outbox.close();
        self.shutdown.cancel();
        self.tasks.close();
        if tokio::time::timeout(self.config.node_timeout, self.tasks.wait())
            .await
            .is_err()
        {
            tracing::warn!("cluster: some tasks did not stop in time");
        }
        self.link.clone().close().await;
    }

    /// The server's shared state, while it runs.
    pub(crate) fn context(&self) -> Option<Arc<Context>> {
        self.context.get().and_then(Weak::upgrade)
    }

    /// Folds a name the way the hub does.
    pub(crate) fn fold(&self, name: &str) -> String {
        self.casemapping.fold(name)
    }

    pub(crate) fn roster(&self) -> MutexGuard<'_, Roster> {
        self.roster.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn followed(&self) -> MutexGuard<'_, HashMap<String, Follow>> {
        self.followed.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn directory(&self) -> MutexGuard<'_, NickDirectory> {
        self.directory.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn held(&self) -> MutexGuard<'_, HeldMessages> {
        self.held.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn shared(&self) -> MutexGuard<'_, SharedState> {
        self.shared.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn holders(&self) -> MutexGuard<'_, HashMap<String, Holder>> {
        self.holders.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits for NATS, opens the parts, attaches to the hub and announces.
    async fn join(self: Arc<Self>) {
        let parts = loop {
            tokio::select! {
                _ = self.shutdown.cancelled() => return,
                up = self.link.wait_up(OPEN_RETRY) => if !up { continue },
            }
            match self.open().await {
                Ok(parts) => break parts,
                Err(error) => {
                    crate::warn_throttled!(%error, "cluster: cannot open the cluster's state yet; retrying");
                    tokio::select! {
                        _ = self.shutdown.cancelled() => return,
                        _ = tokio::time::sleep(OPEN_RETRY) => {}
                    }
                }
            }
        };
        let liveness = parts.liveness.clone();
        let _ = self.parts.set(parts);
        let Some(context) = self.context() else {
            return;
        };
        context.hub.attach_directory(self.clone());
        context.hub.attach_bus(self.clone());
        tracing::info!(node = %self.me, "cluster: joined; sharing rooms with the other nodes");
        let (rejoined, rejoins) = tokio::sync::mpsc::channel(4);
        self.tasks
            .spawn(liveness.clone().run(rejoined, self.shutdown.clone()));
        self.spawn_publisher();
        self.tasks.spawn(self.clone().watch_nicks());
        self.tasks.spawn(self.clone().answer_member_questions());
        if let Some(parts) = self.parts.get() {
            let (accounts, registrations) = (parts.accounts.clone(), parts.registrations.clone());
            self.tasks.spawn(self.clone().share_accounts(accounts));
            self.tasks
                .spawn(self.clone().share_registrations(registrations));
        }
        let channels = self.parts.get().map(|parts| parts.channels.clone());
        if let Some(channels) = channels {
            self.tasks.spawn(self.clone().watch_channels(channels));
        }
        self.spawn_presence(&liveness, rejoins);
        self.announce().await;
        self.joined.send_replace(true);
    }

    /// Makes the nick watch read every claim again, as at start: after an
    /// outage, a watch that resumed only brings the changes made meanwhile,
    /// while this node may have forgotten claims that did not change (the
    /// nodes it counted dead: [`NickDirectory::forget_node`]). Read again,
    /// every login elsewhere is known (an owned nick refused here while its
    /// owner is online) and an impostor this node let onto a nick whose
    /// owner is logged in elsewhere is renamed (`claim_seen`).
    pub(crate) fn reread_nicks(&self) {
        self.reread_nicks.notify_one();
    }

    /// Keeps [`NickDirectory`] in step with the nick bucket; watches again
    /// (replaying what stands) whenever the watch ends or
    /// [`ClusterNode::reread_nicks`] asks.
    async fn watch_nicks(self: Arc<Self>) {
        let Some(parts) = self.parts.get() else {
            return;
        };
        let node = &*self;
        // The replay brings every key's last value, deletions included, so
        // it is applied over what is known: the directory never lacks a
        // claim meanwhile (a whisper sent then would find nobody, an owned
        // nick would be let in, a kept privilege given back to a member
        // whose nick another node holds). A watch that ended may also have
        // missed releases whose key is gone from the bucket altogether (a
        // NATS server that lost its store): claims of nicks the bucket no
        // longer holds are forgotten first. A reread on request needs no
        // listing: the watch was not broken.
        let open = |reread: bool| async move {
            let claims = parts.nicks.watch().await?;
            if !reread {
                let standing = parts.nicks.standing().await?;
                node.directory().keep_only(&standing);
            }
            Ok(claims)
        };
        let each = |(folded, owner): (String, Option<super::nicks::NickOwner>)| async move {
            let seen = owner.clone();
            node.directory().apply(folded, owner);
            node.claim_seen(seen.as_ref());
        };
        self.follow_bucket("nick bucket", Some(&self.reread_nicks), open, each)
            .await;
    }

    async fn open(&self) -> Result<Parts, ClusterError> {
        let replicas = self.config.replicas;
        let liveness = Liveness::start(
            &self.link,
            &self.subjects,
            self.me.clone(),
            self.config.heartbeat,
            self.config.node_timeout,
            replicas,
        )
        .await?;
        let nicks =
            NickRegistry::open(&self.link, &self.subjects, liveness.clone(), replicas).await?;
        let rooms = RoomLog::open(
            &self.link,
            &self.subjects,
            self.history_max_age,
            self.history_per_room,
            replicas,
        )
        .await?;
        let whispers = Whispers::new(&self.link, &self.subjects);
        let channels = ChannelStore::open(&self.link, &self.subjects, replicas).await?;
        let accounts = AccountBucket::open(&self.link, &self.subjects, replicas).await?;
        let registrations = RegistrationBucket::open(&self.link, &self.subjects, replicas).await?;
        Ok(Parts {
            accounts,
            registrations,
            liveness,
            channels,
            nicks,
            rooms,
            whispers,
        })
    }
}
