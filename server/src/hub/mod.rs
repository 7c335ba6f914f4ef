//! The hub: who is connected, which channels exist, and routing between them.
//!
//! It is plain data behind one mutex and does no I/O: an operation mutates the
//! state and pushes encoded lines into recipients' bounded [`Outbound`]
//! queues, which never block. One lock for everything gives every channel a
//! single order of events that all its members see. Sessions call these
//! methods and format the replies for their own dialect; the hub never knows
//! which dialect a client speaks (see [`event::Encoder`]).
//!
//! [`Outbound`]: crate::net::outbound::Outbound

pub mod channel;
pub mod client;
pub mod event;
mod fanout;
mod identity;
mod membership;
mod messaging;
mod modes;
mod ownership;
mod queries;
mod remembered;
pub mod state;

pub use membership::{BacklogEnd, InviteError, JoinError, JoinOutcome, KickError, PartError};
pub use messaging::{NickChangeError, PreparedSay, SayError, SayOutcome, SayRequest, TopicError};
pub use modes::{ChannelModeOutcome, ModeChange, ModeError};
pub use queries::{ChannelListing, MemberInfo, Names, WhoisInfo};
pub use remembered::CHANSERV;
pub use state::{HubState, NickTaken, RegisterError};

use crate::config::LimitsConfig;
use crate::history::History;
use client::ClientId;
use event::MessageKind;
use natter_protocol::Casemapping;
use std::sync::{Mutex, MutexGuard};

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
    state: Mutex<HubState>,
    /// The store, also reachable outside the lock: senders reserve room in
    /// its queue before taking the lock.
    history: Option<History>,
}

impl Hub {
    /// An empty hub; `history` receives every channel and private message.
    pub fn new(settings: HubSettings, history: Option<History>) -> Hub {
        Hub {
            state: Mutex::new(HubState::new(settings, history.clone())),
            history,
        }
    }

    /// Runs `operation` on the state under the lock, then drops every client
    /// whose queue overflowed during it (which may, in turn, overflow others).
    pub fn with<R>(&self, operation: impl FnOnce(&mut HubState) -> R) -> R {
        let mut state = self.lock();
        let result = operation(&mut state);
        state.drop_overflowed();
        result
    }

    /// Routes a message (see [`HubState::begin_say`]). First, with the lock
    /// not held, it waits for room in the history queue: when the disk is
    /// behind, the sender waits rather than its message going unrecorded.
    /// With `history.sync = "full"` the message is committed before it is
    /// delivered: the commit is awaited with the lock released, so other
    /// clients are never held up.
    pub async fn say(&self, id: ClientId, request: SayRequest) -> Result<SayOutcome, SayError> {
        let reservation = match (&self.history, request.kind) {
            (Some(history), MessageKind::Privmsg | MessageKind::Notice) => {
                Some(history.reserve().await)
            }
            _ => None,
        };
        let (outcome, pending) = self.with(|hub| hub.begin_say(id, request, reservation))?;
        if let Some((prepared, commit)) = pending {
            if let Err(error) = commit.committed().await {
                // Chat goes on: the writer keeps the message and retries.
                crate::warn_throttled!(%error, "message delivered before it could be committed");
            }
            self.with(|hub| hub.finish_say(prepared));
        }
        Ok(outcome)
    }

    fn lock(&self) -> MutexGuard<'_, HubState> {
        // A panic in one operation must not stop the whole server.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
