//! Whispers and invitations from other nodes to a nick a local user holds.

use crate::cluster::node::ClusterNode;
use crate::cluster::translate;
use crate::cluster::wire;
use crate::hub::Folded;
use crate::hub::bus::{Published, Scope};
use futures::StreamExt;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

impl ClusterNode {
    /// Listens for whispers to `folded` (a nick a local user holds) until
    /// the returned token is cancelled; subscribed when this returns.
    pub(crate) async fn listen_whispers(self: &Arc<Self>, folded: &str) -> CancellationToken {
        let stop = self.shutdown.child_token();
        let Some(parts) = self.parts.get() else {
            return stop;
        };
        let whispers = match parts.whispers.receive(folded).await {
            Ok(whispers) => whispers,
            Err(error) => {
                crate::warn_throttled!(%error, "cluster: cannot receive whispers from other nodes");
                return stop;
            }
        };
        let node = self.clone();
        let folded = Folded::from_folded(folded.to_string());
        let until = stop.clone();
        self.tasks.spawn(async move {
            let mut whispers = std::pin::pin!(whispers);
            loop {
                let next = tokio::select! {
                    () = until.cancelled() => return,
                    next = whispers.next() => next,
                };
                let Some(envelope) = next else {
                    return;
                };
                let own =
                    envelope.node == node.me.name && envelope.incarnation == node.me.incarnation;
                let Some(context) = node.context().filter(|_| !own) else {
                    continue;
                };
                if let Some(invite) = translate::invite(&envelope.event) {
                    if let wire::Event::Invite { channel, .. } = &envelope.event {
                        node.note_invitation(channel, &folded).await;
                    }
                    context
                        .hub
                        .with(|hub| hub.invited_remotely(&folded, invite));
                    continue;
                }
                let Some(message) = translate::whisper(&envelope.event) else {
                    continue;
                };
                let published = Published {
                    scope: Scope::User(folded.clone()),
                    envelope: Arc::new(message),
                };
                context.hub.deliver_remote(published).await;
            }
        });
        stop
    }
}
