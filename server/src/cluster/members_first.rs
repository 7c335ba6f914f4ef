//! A room new to this node starts with everyone in its member list.
//!
//! A node learns who is in a room on other nodes from the room's roster
//! exchange, which starts when it follows the room, that is after its first
//! local user joined. So that user's NAMES used to miss the other nodes'
//! members, who then appeared as JOINs although they were there first, and
//! without their `@`. Now the hub asks [`Bus::members_ready`] before a JOIN:
//! for a room that lives on other nodes (its shared record lists them) and
//! is not followed here yet, the node asks each of those nodes on its node
//! subject for its members in the room and puts the answers in the roster
//! before the JOIN is applied. Bounded by [`ASK_PATIENCE`]: members of a node
//! that does not answer in time come with the room's roster exchange, as
//! before.
//!
//! [`Bus::members_ready`]: crate::hub::bus::Bus::members_ready

use super::node::ClusterNode;
use super::wire::{self, Envelope, Event};
use crate::hub::Folded;
use futures::StreamExt;
use futures::future::BoxFuture;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

/// How long a joiner waits, at most, for the other nodes' member lists.
const ASK_PATIENCE: Duration = Duration::from_millis(1500);
/// When a room asked about is still not followed this long after (the JOIN
/// was refused), what was learnt about it is dropped: nothing keeps it fresh.
const FORGET_UNJOINED: Duration = Duration::from_secs(5);
/// Pause before subscribing again to this node's subject after a failure.
const RESUBSCRIBE: Duration = Duration::from_secs(1);

impl ClusterNode {
    /// Resolves once the members other nodes have in `room` are in the
    /// roster, or at once when there is nothing to ask (see the module).
    pub(crate) fn members_ready_for(&self, room: &Folded) -> BoxFuture<'static, ()> {
        let room = room.to_string();
        let ready: BoxFuture<'static, ()> = Box::pin(std::future::ready(()));
        if self.followed().contains_key(&room) {
            return ready;
        }
        let others: BTreeSet<String> = self
            .shared()
            .record(&room)
            .map(|record| {
                record
                    .nodes
                    .iter()
                    .filter(|node| **node != self.me.name)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        // The node as the context holds it, to take into the future.
        let Some(node) = self.context().and_then(|context| context.cluster.clone()) else {
            return ready;
        };
        if others.is_empty() {
            return ready;
        }
        Box::pin(async move {
            let asked = tokio::time::timeout(ASK_PATIENCE, node.ask_members(&room, others));
            if asked.await.is_err() {
                tracing::debug!(%room, "cluster: not every node listed its members in time");
            }
            let later = node.clone();
            node.tasks.spawn(async move {
                tokio::select! {
                    () = later.shutdown.cancelled() => return,
                    () = tokio::time::sleep(FORGET_UNJOINED) => {}
                }
                if !later.followed().contains_key(&room) {
                    later.roster().forget_channel(&room);
                }
            });
        })
    }

    /// Asks each of `nodes` for its members in `room` and applies the
    /// answers to the roster, until every one of them has answered whole.
    async fn ask_members(&self, room: &str, mut waiting: BTreeSet<String>) {
        let client = self.link.client();
        let inbox = client.new_inbox();
        let mut answers = match client.subscribe(inbox.clone()).await {
            Ok(answers) => answers,
            Err(error) => {
                crate::warn_throttled!(%error, "cluster: cannot ask other nodes who is in a room");
                return;
            }
        };
        let question = Event::RosterRequest {
            channel: room.to_string(),
        };
        let Ok(payload) = Envelope::new(&self.me.name, self.me.incarnation, question).encode()
        else {
            return;
        };
        for node in &waiting {
            let subject = self.subjects.node(node);
            let sent = client
                .publish_with_reply(subject, inbox.clone(), payload.clone().into())
                .await;
            if let Err(error) = sent {
                crate::warn_throttled!(%error, "cluster: cannot ask other nodes who is in a room");
                return;
            }
        }
        while !waiting.is_empty() {
            let Some(answer) = answers.next().await else {
                return;
            };
            let envelope = match Envelope::decode(&answer.payload) {
                Ok(envelope) => envelope,
                Err(error) => {
                    wire::log_rejected(&inbox, answer.payload.len(), &error);
                    continue;
                }
            };
            let Event::Roster {
                channel, complete, ..
            } = &envelope.event
            else {
                continue;
            };
            if channel != room {
                continue;
            }
            if *complete {
                waiting.remove(&envelope.node);
            }
            // Nobody here is in the room yet: there is nobody to show the
            // changes to, and the JOIN's member list will show them.
            let _ = self.roster().apply(&envelope);
        }
    }

    /// Answers other nodes' questions about this node's members of a room
    /// (see [`ClusterNode::members_ready_for`]) until the node stops.
    pub(crate) async fn answer_member_questions(self: Arc<Self>) {
        let client = self.link.client().clone();
        let subject = self.subjects.node(&self.me.name);
        loop {
            match client.subscribe(subject.clone()).await {
                Ok(mut questions) => loop {
                    let question = tokio::select! {
                        () = self.shutdown.cancelled() => return,
                        question = questions.next() => question,
                    };
                    let Some(question) = question else {
                        break;
                    };
                    self.answer(&subject, question).await;
                },
                Err(error) => {
                    crate::warn_throttled!(%error, "cluster: cannot listen for other nodes' questions; retrying");
                }
            }
            tokio::select! {
                () = self.shutdown.cancelled() => return,
                () = tokio::time::sleep(RESUBSCRIBE) => {}
            }
        }
    }

    /// Sends this node's members of the room `question` asks about to its
    /// reply subject, as roster envelopes (the last one complete).
    async fn answer(&self, subject: &str, question: async_nats::Message) {
        let Some(reply) = question.reply else {
            return;
        };
        let room = match Envelope::decode(&question.payload) {
            Ok(Envelope {
                event: Event::RosterRequest { channel },
                ..
            }) => channel,
            Ok(_) => return,
            Err(error) => {
                wire::log_rejected(subject, question.payload.len(), &error);
                return;
            }
        };
        let Some(context) = self.context() else {
            return;
        };
        for chunk in self.roster_of(&context, &room) {
            let Ok(payload) = chunk.encode() else {
                return;
            };
            if let Err(error) = self
                .link
                .client()
                .publish(reply.clone(), payload.into())
                .await
            {
                crate::warn_throttled!(%error, "cluster: cannot answer another node's question");
                return;
            }
        }
    }
}
