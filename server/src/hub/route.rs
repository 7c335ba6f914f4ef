//! Where a message goes: who receives it and how history files it, worked
//! out under the shared hub lock before the message is stamped (see
//! [`super::say`]).

use super::client::{Client, ClientId, Source};
use super::name::Folded;
use super::say::{SayError, SayOutcome};
use super::state::HubState;
use smallvec::SmallVec;

/// Where a message goes: the lock that orders it and the bus scope.
#[derive(Debug, Clone)]
pub(super) enum Destination {
    /// A channel, by folded name.
    Channel(Folded),
    /// A user, by id.
    User(ClientId),
}

/// Who a message goes to and how it is filed, as worked out under the lock
/// (borrowing the hub's state for what history copies).
pub(super) struct Route<'a> {
    pub(super) recipients: Recipients,
    /// The recipient of a whisper (its identity files the conversation).
    pub(super) peer: Option<&'a Client>,
    /// The channel's display name or the recipient's nick: how history names it.
    pub(super) stored_target: &'a str,
    pub(super) destination: Destination,
    pub(super) outcome: SayOutcome,
}

/// Who receives a message: inline for a whisper (its recipient, then the
/// sender's echo), so that one allocates no list; a channel's members spill
/// to the heap as a `Vec` would.
pub(super) type Recipients = SmallVec<[ClientId; 2]>;

/// The registered `name` of a message's recipient for [`SayOutcome`]:
/// `None` when the sender wrote it exactly so.
pub(super) fn renamed(name: &str, target: &str) -> Option<String> {
    (name != target).then(|| name.to_owned())
}

impl HubState {
    /// Checks that `id` may speak in `channel` and lists who receives it.
    pub(super) fn route_channel<'a>(
        &self,
        id: ClientId,
        source: &Source,
        channel: &'a super::channel::Channel,
        folded: Folded,
        target: &str,
    ) -> Result<Route<'a>, SayError> {
        let membership = channel.membership(id);
        if membership.is_none() && channel.modes.no_external {
            return Err(SayError::CannotSendToChannel(
                "no external messages (+n): join the channel first",
            ));
        }
        let privileged = membership.is_some_and(|m| m.op || m.voice);
        if channel.modes.moderated && !privileged {
            return Err(SayError::CannotSendToChannel("channel is moderated (+m)"));
        }
        if !privileged
            && channel.is_banned(&self.fold_text(&source.prefix()), |mask| {
                self.fold_text(mask)
            })
        {
            return Err(SayError::CannotSendToChannel("you are banned (+b)"));
        }
        // Sized once: collecting from a filter grew a 100-member list six times.
        let mut recipients = Recipients::with_capacity(channel.members.len());
        recipients.extend(
            channel
                .members
                .keys()
                .copied()
                .filter(|member| *member != id),
        );
        Ok(Route {
            recipients,
            peer: None,
            stored_target: &channel.name,
            destination: Destination::Channel(folded),
            outcome: SayOutcome {
                renamed_recipient: renamed(&channel.name, target),
                ..SayOutcome::default()
            },
        })
    }
}

/// A whisper's route. Its history belongs to the identities of both sides
/// (account, or connection when not logged in; see `stamp`), never to the
/// nicks they use.
pub(super) fn route_private<'a>(recipient: &'a Client, target: &str) -> Route<'a> {
    let away = recipient
        .away
        .clone()
        .map(|message| (recipient.nick.clone(), message));
    Route {
        recipients: Recipients::from_elem(recipient.id, 1),
        peer: Some(recipient),
        stored_target: &recipient.nick,
        destination: Destination::User(recipient.id),
        outcome: SayOutcome {
            away,
            renamed_recipient: renamed(&recipient.nick, target),
        },
    }
}
