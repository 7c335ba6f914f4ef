//! Routing PRIVMSG/NOTICE/TAGMSG: the hot path, run under the shared hub lock.
//!
//! A channel message takes the channel's order lock, a whisper both clients'
//! (lower id first); under it the message is stamped (msgid, time), queued for
//! history, published to the bus and pushed to every recipient. That lock is
//! the one order all recipients (and history) see; messages to other channels
//! run at the same time on other cores.
//!
//! Who receives a message is worked out in [`super::route`]; publishing and
//! pushing it is [`super::deliver`].

use super::channel::ChannelOrder;
use super::client::{Client, ClientId, Source};
use super::clock::{LATEST, Reading};
use super::event::{Envelope, Event, MessageKind};
use super::route::{Destination, Recipients, Route, route_private};
use super::state::HubState;
use crate::history::{
    Between, DurableCommit, MessageKind as StoredKind, Reservation, Said, SyncMode, new_msgid_at,
};
use natter_protocol::Tag;
use std::sync::Arc;

/// A message a client wants delivered.
#[derive(Debug, Clone)]
pub struct SayRequest {
    /// PRIVMSG, NOTICE or TAGMSG.
    pub kind: MessageKind,
    /// A channel name or a nickname.
    pub target: String,
    /// The text (empty for TAGMSG).
    pub text: String,
    /// Client-only tags to relay.
    pub client_tags: Vec<Tag>,
}

/// What the sender's session may need after a successful send.
#[derive(Debug, Clone, Default)]
pub struct SayOutcome {
    /// The recipient's nickname and away message, for a whisper to someone away (RPL_AWAY).
    pub away: Option<(String, String)>,
    /// The recipient's name as registered, when it is not the target as
    /// written (see [`SayOutcome::recipient`]): nearly every message names
    /// its target exactly, and copying the name was an allocation of each.
    pub renamed_recipient: Option<String>,
}

impl SayOutcome {
    /// The recipient's nickname or channel name as registered (for
    /// confirmations), given the `target` the message was sent to.
    pub fn recipient<'a>(&'a self, target: &'a str) -> &'a str {
        self.renamed_recipient.as_deref().unwrap_or(target)
    }
}

/// Why a message was not delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SayError {
    /// No client has that nickname.
    NoSuchNick,
    /// No channel has that name.
    NoSuchChannel,
    /// The channel refuses (+n from outside, +m without voice, or banned).
    CannotSendToChannel(&'static str),
    /// The recipient (their nick) is on another node that cannot be reached
    /// now (the cluster's NATS is away): refused rather than lost.
    Unreachable(String),
}

/// What the sender of a whisper to `nick`, a user of a node this node
/// cannot reach now, is told (the message was not delivered).
pub fn unreachable_text(nick: &str) -> String {
    format!("Cannot reach {nick}'s node right now; message not delivered")
}

/// A message validated and stamped whose delivery waits for its commit
/// (`history.sync = "full"`); see [`crate::hub::Hub::say`].
#[derive(Debug)]
pub struct PreparedSay {
    /// Shared from the start (the fan-out and the bus share it): built in
    /// place rather than moved with the rest of the message through
    /// stamping and delivery and then copied into an `Arc` (those copies
    /// were most of a whisper's memmove).
    pub(super) envelope: Arc<Envelope>,
    pub(super) sender: ClientId,
    pub(super) echo: bool,
    /// Who was to receive it when it was said; members who join meanwhile get
    /// it in their backlog instead (it is committed before their query).
    pub(super) recipients: Recipients,
    pub(super) destination: Destination,
}

/// What the caller gets back from [`HubState::begin_say`]. The message
/// left pending (`sync = "full"` only) is boxed: inline, its envelope made
/// every message's result ~300 bytes, copied on the way out of the hub's
/// lock (memcpy ~1.5% of a whisper's CPU).
pub(crate) type Begun = (SayOutcome, Option<(Box<PreparedSay>, DurableCommit)>);

impl HubState {
    /// Validates, stamps (msgid, time) and stores a message, under the shared
    /// hub lock and the order lock of its destination. With batched history
    /// (or none) it is delivered now and `None` is returned; with
    /// `sync = "full"` its commit is queued and the caller awaits it with every
    /// lock released, then calls [`finish_say`](Self::finish_say).
    ///
    /// `reservation` is room in the history queue taken before the lock
    /// ([`crate::history::History::reserve`], or
    /// [`crate::history::History::try_room`]); without one the message is
    /// recorded only if the queue has room. Clients whose queue overflowed are
    /// added to `overflowed`, for the caller to drop.
    pub fn begin_say(
        &self,
        id: ClientId,
        request: SayRequest,
        reservation: Option<Reservation<'_>>,
        overflowed: &mut Vec<ClientId>,
    ) -> Result<Begun, SayError> {
        let sender = self.client(id).ok_or(SayError::NoSuchNick)?;
        self.begin_say_by(sender, request, Reading::now(), reservation, overflowed)
    }

    /// [`begin_say`](Self::begin_say) for the `sender` looked up already,
    /// with the clock read already (its batch's, see [`Reading::of_batch`]).
    pub(crate) fn begin_say_by(
        &self,
        sender: &Client,
        request: SayRequest,
        at: Reading,
        reservation: Option<Reservation<'_>>,
        overflowed: &mut Vec<ClientId>,
    ) -> Result<Begun, SayError> {
        // Activity is marked when the message is stamped (one clock reading
        // for both), or here when it is refused.
        let active = request.kind != MessageKind::Tagmsg;
        self.route_and_stamp(sender, request, (at, reservation), overflowed)
            .inspect_err(|_| {
                if active {
                    sender.last_active.touch_at(at.millis());
                }
            })
    }

    /// [`begin_say`](Self::begin_say) once the sender is found.
    fn route_and_stamp(
        &self,
        sender: &Client,
        request: SayRequest,
        (at, reservation): (Reading, Option<Reservation<'_>>),
        overflowed: &mut Vec<ClientId>,
    ) -> Result<Begun, SayError> {
        let id = sender.id;
        let source = sender.shared_source();
        if natter_protocol::is_channel_name(&request.target) {
            let folded = self.fold(&request.target);
            let channel = self.channels.get(&folded).ok_or(SayError::NoSuchChannel)?;
            let route = self.route_channel(id, &source, channel, folded, &request.target)?;
            let mut order = channel.lock_order();
            let said = self.stamp(
                sender,
                source,
                request,
                route,
                (LATEST.ordered(at), reservation),
                Some(&mut order),
            );
            Ok(self.deliver_unless_pending(said, overflowed))
        } else {
            let Some(recipient) = self.client_by_nick(&request.target) else {
                return self.whisper_remote(sender, source, request, overflowed);
            };
            let route = route_private(recipient, &request.target);
            let _order = Client::lock_private_pair(sender, recipient);
            let stamp = (LATEST.ordered(at), reservation);
            let said = self.stamp(sender, source, request, route, stamp, None);
            Ok(self.deliver_unless_pending(said, overflowed))
        }
    }

    /// Delivers a prepared message (its commit done) to those of its
    /// recipients still here, taking its destination's order lock again.
    pub fn finish_say(&self, prepared: PreparedSay, overflowed: &mut Vec<ClientId>) {
        match &prepared.destination {
            Destination::Channel(folded) => match self.channels.get(folded) {
                Some(channel) => {
                    let _order = channel.lock_order();
                    self.deliver(prepared, overflowed);
                }
                // Everyone left meanwhile; the sender's echo still goes out.
                None => self.deliver(prepared, overflowed),
            },
            Destination::User(recipient) => {
                let sender = self.clients.get(&prepared.sender);
                let recipient = self.clients.get(recipient);
                let _order = match (sender, recipient) {
                    (Some(a), Some(b)) => Some(Client::lock_private_pair(a, b)),
                    (Some(one), None) | (None, Some(one)) => {
                        Some(Client::lock_private_pair(one, one))
                    }
                    (None, None) => None,
                };
                self.deliver(prepared, overflowed);
            }
        }
    }

    fn deliver_unless_pending(
        &self,
        (outcome, prepared, commit): (SayOutcome, PreparedSay, Option<DurableCommit>),
        overflowed: &mut Vec<ClientId>,
    ) -> Begun {
        match commit {
            Some(commit) => (outcome, Some((Box::new(prepared), commit))),
            None => {
                // Routed under the same shared hub lock: the members are those routed to.
                self.deliver_routed(prepared, overflowed, false);
                (outcome, None)
            }
        }
    }

    /// Gives the message its msgid and time (`now`, already put in its
    /// order by [`LATEST`]) and queues it for history; the caller holds the
    /// destination's order lock (`order` for a channel).
    fn stamp(
        &self,
        sender: &Client,
        source: Arc<Source>,
        request: SayRequest,
        route: Route<'_>,
        (now, reservation): (Reading, Option<Reservation<'_>>),
        order: Option<&mut ChannelOrder>,
    ) -> (SayOutcome, PreparedSay, Option<DurableCommit>) {
        // One reading for the msgid (which carries its millisecond), the
        // server time and the sender's activity; ordered under the order
        // lock, so the times a target sees follow the order it receives
        // messages in.
        let msgid = new_msgid_at(now.millis());
        let time = now.time();
        if request.kind != MessageKind::Tagmsg {
            sender.last_active.touch_at(now.millis());
        }
        let stored_kind = stored_kind(request.kind);
        let mut commit = None;
        if let (Some(history), Some(kind)) = (&self.history, stored_kind) {
            let between = match (&route.destination, route.peer) {
                (Destination::Channel(folded), _) => Between::Channel(folded),
                (Destination::User(_), peer) => Between::Private {
                    sender: sender.identity_key_pieces(),
                    recipient: peer.unwrap_or(sender).identity_key_pieces(),
                },
            };
            // Packed straight into the writer's queue (see history::records).
            let stored = Said {
                msgid: &msgid,
                time,
                kind,
                source: source.mask(),
                target: route.stored_target,
                text: &request.text,
                between,
            };
            // Queued under the order lock, so the store's order is the destination's.
            match (history.sync_mode(), reservation) {
                (SyncMode::Full, Some(room)) => commit = Some(room.record_durable(stored)),
                (SyncMode::Full, None) => commit = history.try_record_durable(stored),
                (SyncMode::Batched, Some(room)) => room.record(stored),
                (SyncMode::Batched, None) => history.record(stored),
            }
            if let Some(order) = order {
                order.last_message = Some(msgid.clone());
            }
        }
        let private = matches!(route.destination, Destination::User(_));
        let outcome = route.outcome;
        let prepared = PreparedSay {
            envelope: Arc::new(Envelope {
                event: Event::Message {
                    source,
                    target: request.target,
                    private,
                    kind: request.kind,
                    text: request.text,
                    msgid,
                    client_tags: request.client_tags,
                },
                time,
            }),
            sender: sender.id,
            echo: sender.format.echo_own_messages,
            recipients: route.recipients,
            destination: route.destination,
        };
        (outcome, prepared, commit)
    }
}

/// How history keeps a message of `kind`; `None` for a kind it does not
/// keep (TAGMSG).
pub(super) fn stored_kind(kind: MessageKind) -> Option<StoredKind> {
    match kind {
        MessageKind::Privmsg => Some(StoredKind::Privmsg),
        MessageKind::Notice => Some(StoredKind::Notice),
        MessageKind::Tagmsg => None,
    }
}
