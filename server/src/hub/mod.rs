//! The hub: who is connected, which channels exist, and routing between them.
//!
//! It is plain data and does no I/O: an operation changes the state and
//! pushes encoded lines into recipients' bounded [`Outbound`] queues, which
//! never block. Sessions call these methods and format the replies for their
//! own dialect; the hub never knows which dialect a client speaks (see
//! [`event::Encoder`]).
//!
//! Two levels of locking let unrelated channels use different cores:
//! - the state sits behind a read-write lock. Operations that change who is
//!   where (register, join, part, nick, modes, quit, ...) take it exclusively
//!   ([`Hub::with`]); they are rare and short.
//! - messages (the hot path) take it shared ([`Hub::say`]) and then the
//!   order lock of what they go to: the channel's, or for a whisper both
//!   clients' (in id order). That lock fixes the one order every member sees
//!   (stamp, record in history, publish to the bus, push), so two channels'
//!   messages run in parallel while each channel keeps a single order. An
//!   exclusive operation waits for messages in flight, so a join or quit sits
//!   at one point of every affected channel's order.
//!
//! No lock is ever held across I/O or an `.await`. A queue that overflows
//! during a shared operation is dropped right after it, under the exclusive
//! lock.
//!
//! [`Outbound`]: crate::net::outbound::Outbound

pub mod bus;
pub mod channel;
mod chanserv;
pub mod client;
pub(crate) mod clock;
mod deliver;
pub mod event;
mod fanout;
mod identity;
mod join;
mod membership;
mod messaging;
mod modes;
pub mod name;
mod nicks;
mod operators;
mod ownership;
mod queries;
mod remembered;
mod remote;
mod route;
mod say;
pub mod shared;
pub mod source;
pub mod state;
pub mod whowas;

pub use chanserv::{ChannelDropError, ChannelRegisterError, ChannelRegistration};
pub use join::{BacklogEnd, JoinError, JoinOutcome};
pub use membership::{InviteError, KickError, PartError};
pub use messaging::{NickChangeError, TopicError};
pub use modes::{ChannelModeOutcome, ModeChange, ModeError};
pub use name::Folded;
pub use nicks::NickTaken;
pub use operators::KillError;
pub use queries::{ChannelListing, MemberInfo, Names, WhoisInfo};
pub use remembered::CHANSERV;
pub use remote::LocalMember;
pub use say::{PreparedSay, SayError, SayOutcome, SayRequest, unreachable_text};
pub use state::{HubState, RegisterError};

use crate::config::LimitsConfig;
use crate::history::History;
use bus::Bus;
use client::{Client, ClientId};
use event::MessageKind;
use natter_protocol::Casemapping;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

/// The longest a join backlog or CHATHISTORY waits for the bus to complete
/// a channel's history ([`Hub::history_ready`]) before reading what is there.
pub const HISTORY_READY_WAIT: Duration = Duration::from_secs(5);
/// The longest a JOIN waits for the bus to learn the channel's members on
/// other nodes ([`Hub::members_ready`]).
pub const MEMBERS_READY_WAIT: Duration = Duration::from_secs(2);

/// Settings the hub needs: how names compare, and the configured limits
/// (lengths of names, topics and reasons; channels per client).
#[derive(Debug, Clone)]
pub struct HubSettings {
    /// How names compare.
    pub casemapping: Casemapping,
    /// The `[limits]` table.
    pub limits: LimitsConfig,
}

/// The shared routing core. Cheap to call from any session task.
#[derive(Debug)]
pub struct Hub {
    state: RwLock<HubState>,
    /// The store, also reachable outside the lock: senders reserve room in
    /// its queue before taking the lock.
    history: Option<History>,
}

impl Hub {
    /// An empty hub; `history` receives every channel and private message.
    pub fn new(settings: HubSettings, history: Option<History>) -> Hub {
        Hub {
            state: RwLock::new(HubState::new(settings, history.clone(), None)),
            history,
        }
    }

    /// Publishes every event routed from now on to `bus` (see [`bus`]).
    pub fn attach_bus(&self, bus: Arc<dyn Bus>) {
        self.with(|hub| hub.bus = Some(bus));
    }

    /// Waits (at most [`HISTORY_READY_WAIT`]) until this node's history of
    /// the channel `folded` is complete as far as the bus knows (see
    /// [`Bus::history_ready`]); at once without a bus.
    pub async fn history_ready(&self, folded: &Folded) {
        let Some(ready) = self.read(|hub| hub.bus.as_ref().map(|bus| bus.history_ready(folded)))
        else {
            return;
        };
        if tokio::time::timeout(HISTORY_READY_WAIT, ready)
            .await
            .is_err()
        {
            crate::warn_throttled!(channel = %&**folded, "history of a channel read before other nodes' messages were copied in");
        }
    }

    /// Waits (at most [`MEMBERS_READY_WAIT`]) until the bus knows who
    /// other nodes have in the channel `folded` (see
    /// [`Bus::members_ready`]); at once without a bus. Before a JOIN.
    pub async fn members_ready(&self, folded: &Folded) {
        let Some(ready) = self.read(|hub| hub.bus.as_ref().map(|bus| bus.members_ready(folded)))
        else {
            return;
        };
        let _ = tokio::time::timeout(MEMBERS_READY_WAIT, ready).await;
    }

    /// Answers questions about users on other nodes from `directory` from
    /// now on (NAMES, WHO, WHOIS, LUSERS, nick checks, whispers).
    pub fn attach_directory(&self, directory: Arc<dyn bus::Directory>) {
        self.with(|hub| hub.directory = Some(directory));
    }

    /// Runs `operation` on the state under the exclusive lock, then drops
    /// every client whose queue overflowed during it (which may, in turn,
    /// overflow others). For operations that change the state.
    pub fn with<R>(&self, operation: impl FnOnce(&mut HubState) -> R) -> R {
        let mut state = self.write();
        let result = operation(&mut state);
        state.drop_overflowed();
        result
    }

    /// Runs a read-only `operation` under the shared lock: questions (NAMES,
    /// WHOIS, a nick's holder) run alongside messages and each other.
    pub fn read<R>(&self, operation: impl FnOnce(&HubState) -> R) -> R {
        operation(&self.state_read())
    }

    /// Routes a message (see [`HubState::begin_say`]) under the shared lock.
    /// First, with no lock held, it waits for room in the history queue: when
    /// the disk is behind, the sender waits rather than its message going
    /// unrecorded. With `history.sync = "full"` the message is committed
    /// before it is delivered: the commit is awaited with every lock
    /// released, so other clients are never held up.
    pub async fn say(&self, id: ClientId, request: SayRequest) -> Result<SayOutcome, SayError> {
        let reservation = match self.recording(request.kind) {
            Some(history) => Some(history.reserve().await),
            None => None,
        };
        let mut overflowed = Vec::new();
        let begun = self.read(|hub| hub.begin_say(id, request, reservation, &mut overflowed));
        self.drop_overflowed(overflowed);
        let (outcome, pending) = begun?;
        if let Some((prepared, commit)) = pending {
            if let Err(error) = commit.committed().await {
                // Chat goes on: the writer keeps the message and retries.
                crate::warn_throttled!(%error, "message delivered before it could be committed");
            }
            let mut overflowed = Vec::new();
            self.read(|hub| hub.finish_say(*prepared, &mut overflowed));
            self.drop_overflowed(overflowed);
        }
        Ok(outcome)
    }

    /// [`Hub::say`] when it can be done without waiting: history off, or
    /// batched with room in its queue now. `first` runs under the same shared
    /// lock just before (the session's look at its own state, so that a line
    /// takes the lock once). `None`, with nothing done, when it would wait
    /// (history queue full, or `sync = "full"`): then call [`Hub::say`].
    pub fn try_say<R>(
        &self,
        id: ClientId,
        request: SayRequest,
        first: impl FnOnce(&HubState) -> R,
    ) -> Option<(R, Result<SayOutcome, SayError>)> {
        self.try_say_at(id, request, clock::Reading::now(), |hub, _| first(hub))
    }

    /// [`Hub::try_say`] with the clock read already: its batch's (see
    /// [`clock::Reading::of_batch`]), put in order under the lock. `first`
    /// is also given the sender as the hub has it (`None` once gone): the
    /// one look-up of it serves both (a look-up each was ~1% of a whisper).
    pub(crate) fn try_say_at<R>(
        &self,
        id: ClientId,
        request: SayRequest,
        at: clock::Reading,
        first: impl FnOnce(&HubState, Option<&Client>) -> R,
    ) -> Option<(R, Result<SayOutcome, SayError>)> {
        let reservation = match self.recording(request.kind) {
            Some(history) if history.sync_mode() == crate::history::SyncMode::Full => return None,
            // A glance, not a reservation: one lock round trip less per
            // message (see `History::try_room`).
            Some(history) => Some(history.try_room()?),
            None => None,
        };
        let mut overflowed = Vec::new();
        let (first, begun) = self.read(|hub| {
            let sender = hub.client(id);
            let first = first(hub, sender);
            let sender = sender.ok_or(SayError::NoSuchNick);
            (
                first,
                sender.and_then(|sender| {
                    hub.begin_say_by(sender, request, at, reservation, &mut overflowed)
                }),
            )
        });
        let outcome = begun.map(|(outcome, pending)| {
            // Only `sync = "full"` leaves a message pending, and that returned
            // above; were one pending anyway, it is delivered rather than lost.
            if let Some((prepared, _commit)) = pending {
                self.read(|hub| hub.finish_say(*prepared, &mut overflowed));
            }
            outcome
        });
        self.drop_overflowed(overflowed);
        Some((first, outcome))
    }

    /// The history that records a message of `kind`, if any (see
    /// [`say::stored_kind`]: TAGMSG is not kept).
    fn recording(&self, kind: MessageKind) -> Option<&History> {
        say::stored_kind(kind).and(self.history.as_ref())
    }

    /// Drops the clients whose queues overflowed during a shared operation.
    fn drop_overflowed(&self, overflowed: Vec<ClientId>) {
        if !overflowed.is_empty() {
            self.with(|hub| hub.note_overflowed(overflowed));
        }
    }

    fn write(&self) -> RwLockWriteGuard<'_, HubState> {
        // A panic in one operation must not stop the whole server.
        self.state
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn state_read(&self) -> RwLockReadGuard<'_, HubState> {
        self.state
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
