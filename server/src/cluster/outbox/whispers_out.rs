//! Whispers and invitations to users of other nodes: sent one after the
//! other, each until the recipient's node acknowledged it; the sender is
//! told when that fails.

use crate::cluster::node::ClusterNode;
use crate::cluster::wire;
use std::sync::Arc;
use tokio::sync::mpsc;

/// Whispers waiting for their own sender task (each awaits its
/// acknowledgement, so they do not hold up the rooms).
pub(super) const WHISPERS_WAITING: usize = 1024;

/// Whispers on their way to the whisper task: recipient (folded) and envelope.
pub(super) type WhisperQueue = mpsc::Sender<(String, wire::Envelope)>;

impl ClusterNode {
    pub(super) async fn send_whisper(
        &self,
        to: String,
        event: wire::Event,
        whispers: &WhisperQueue,
    ) {
        // A whisper between two users of this node is already delivered.
        let local = self
            .context()
            .is_some_and(|context| context.hub.read(|hub| hub.client_by_nick(&to).is_some()));
        if local {
            return;
        }
        let envelope = wire::Envelope::new(&self.me.name, self.me.incarnation, event);
        let _ = whispers.send((to, envelope)).await;
    }

    /// Sends whispers one after the other (so one sender's whispers keep
    /// their order), each until the recipient's node acknowledged it.
    pub(super) async fn send_whispers(
        self: Arc<Self>,
        mut waiting: mpsc::Receiver<(String, wire::Envelope)>,
    ) {
        while let Some((to, envelope)) = waiting.recv().await {
            let Some(parts) = self.parts.get() else {
                continue;
            };
            if let Err(error) = parts.whispers.send(&to, &envelope).await {
                crate::warn_throttled!(%error, "cluster: a whisper could not be delivered to another node");
                self.tell_undelivered(&envelope.event);
            }
        }
    }

    /// A whisper (PRIVMSG) or invitation of a local user did not reach the
    /// recipient's node (it did not acknowledge in time: cut off, or NATS
    /// went away while it was sent): the sender is told, so nothing is lost
    /// silently. NOTICEs and TAGMSGs get no answer, as in IRC.
    fn tell_undelivered(&self, event: &wire::Event) {
        let (from, to) = match event {
            wire::Event::Whisper {
                from,
                to,
                kind: wire::Kind::Privmsg,
                ..
            } => (from, to),
            wire::Event::Invite { by, to, .. } => (by, to),
            _ => return,
        };
        let Some(context) = self.context() else {
            return;
        };
        let server = context.server_name().to_string();
        let text = crate::hub::unreachable_text(to);
        context
            .hub
            .with(|hub| hub.notice_nick(&server, &from.nick, &text));
    }
}
