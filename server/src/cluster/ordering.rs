//! One order per room for every node: the JetStream room stream.
//!
//! Every channel event is published to the room's subject
//! (`natter.<network>.room.<folded>`), which one JetStream stream captures
//! ([`Subjects::room_stream`]). The stream gives each event a sequence number
//! when it is stored; a node delivers a room's events, its own users' too,
//! only as they come back from the stream, in that sequence (an ordered
//! consumer filtered to the room, [`RoomLog::follow`]).
//!
//! What is guaranteed, precisely:
//! - **One order per room.** Every node delivers a room's events in
//!   increasing stream sequence, which is the order the stream stored them;
//!   so all members of a room, on every node, see its events in the same
//!   order. [`RoomCursor`] drops anything at or below the last sequence
//!   delivered, so a resumed or re-created consumer can never deliver an
//!   event twice or go backwards.
//! - **A sender's order.** One publisher that waits for each ack before the
//!   next publish (natterd does, per client) has its events stored, and so
//!   seen by everyone, in the order sent.
//! - **Exactly once into the stream.** Each event carries its msgid as
//!   `Nats-Msg-Id`; a publish retried after a lost ack within the stream's
//!   duplicate window (2 min) is stored once (the ack says `duplicate`).
//! - **Nothing skipped while following.** The ordered consumer notices a gap
//!   (a lost delivery, a reconnect) and re-creates itself just after the last
//!   sequence it delivered.
//!
//! Not guaranteed: an order between different rooms (each room has its own;
//! sequences of different rooms interleave arbitrarily), nor between a room
//! and whispers (which go over plain NATS subjects, not the stream). An event
//! whose publish failed (NATS unreachable) is in no order: the sender is told.
//! The price of one order is latency: a node shows its own users' messages
//! after one round trip to the stream, not at once.

use super::wire::{Envelope, log_rejected};
use super::{ClusterError, Link, Subjects};
use async_nats::HeaderMap;
use async_nats::jetstream::{self, consumer, stream};
use futures::{Stream, StreamExt};
use std::time::Duration;

/// How long the stream remembers msgids to drop duplicate publishes.
const DUPLICATE_WINDOW: Duration = Duration::from_secs(120);

/// Where a follower starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum From {
    /// With the next event stored.
    Now,
    /// With the first event after this sequence (to resume).
    After(u64),
}

/// An event read back from the room stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sequenced {
    /// Its stream sequence: its place in the room's order.
    pub sequence: u64,
    /// The folded room it belongs to.
    pub room: String,
    /// The event.
    pub envelope: Envelope,
}

/// The room stream as seen from one node.
#[derive(Debug, Clone)]
pub struct RoomLog {
    jetstream: jetstream::Context,
    stream: stream::Stream,
    subjects: Subjects,
}

impl RoomLog {
    /// Opens the room stream, creating it when no node has yet. `max_age`
    /// is how long events are kept (zero: until `max_per_room` pushes them
    /// out); `max_per_room` how many per room (zero: no limit).
    pub async fn open(
        link: &Link,
        subjects: &Subjects,
        max_age: Duration,
        max_per_room: i64,
        replicas: usize,
    ) -> Result<RoomLog, ClusterError> {
        let jetstream = link.jetstream().clone();
        let name = subjects.room_stream();
        let stream = match jetstream.get_stream(&name).await {
            Ok(stream) => stream,
            Err(_) => {
                let config = stream::Config {
                    name: name.clone(),
                    description: Some(
                        "natterd rooms: the cluster's channel events and history".into(),
                    ),
                    subjects: vec![subjects.all_rooms()],
                    storage: stream::StorageType::File,
                    num_replicas: replicas,
                    max_age,
                    max_messages_per_subject: if max_per_room > 0 { max_per_room } else { -1 },
                    max_message_size: i32::try_from(super::wire::MAX_WIRE_BYTES)
                        .unwrap_or(i32::MAX),
                    duplicate_window: DUPLICATE_WINDOW,
                    discard: stream::DiscardPolicy::Old,
                    allow_direct: true,
                    ..stream::Config::default()
                };
                match jetstream.create_stream(config).await {
                    Ok(stream) => stream,
                    Err(create) => jetstream
                        .get_stream(&name)
                        .await
                        .map_err(|_| ClusterError::jetstream("creating the room stream", create))?,
                }
            }
        };
        Ok(RoomLog {
            jetstream,
            stream,
            subjects: subjects.clone(),
        })
    }

    /// Stores `envelope` in `room`'s order; returns its sequence. `msgid`
    /// makes a retried publish a no-op.
    pub async fn publish(
        &self,
        room: &str,
        msgid: &str,
        envelope: &Envelope,
    ) -> Result<u64, ClusterError> {
        let payload = envelope.encode()?;
        let mut headers = HeaderMap::new();
        headers.insert("Nats-Msg-Id", msgid);
        let ack = self
            .jetstream
            .publish_with_headers(self.subjects.room(room), headers, payload.into())
            .await
            .map_err(|error| ClusterError::jetstream("publishing to a room", error))?
            .await
            .map_err(|error| ClusterError::jetstream("publishing to a room", error))?;
        Ok(ack.sequence)
    }

    /// Hands `envelope` to NATS for `room` without waiting for the stream's
    /// ack; the returned future resolves to the stored sequence. Publishes
    /// sent one after another on this connection are stored in that order,
    /// so a node can keep several in flight and still keep its users' order.
    pub async fn send(
        &self,
        room: &str,
        msgid: &str,
        envelope: &Envelope,
    ) -> Result<jetstream::context::PublishAckFuture, ClusterError> {
        let payload = envelope.encode()?;
        let mut headers = HeaderMap::new();
        headers.insert("Nats-Msg-Id", msgid);
        self.jetstream
            .publish_with_headers(self.subjects.room(room), headers, payload.into())
            .await
            .map_err(|error| ClusterError::jetstream("publishing to a room", error))
    }

    /// `room`'s events from `from` on, in stream order, forever (the
    /// consumer survives reconnects). Events that do not decode are logged
    /// and skipped; they still advance the cursor.
    pub async fn follow(
        &self,
        room: &str,
        from: From,
    ) -> Result<impl Stream<Item = Sequenced> + Send + use<>, ClusterError> {
        let deliver_policy = match from {
            From::Now => consumer::DeliverPolicy::New,
            From::After(sequence) => consumer::DeliverPolicy::ByStartSequence {
                start_sequence: sequence + 1,
            },
        };
        let config = consumer::pull::OrderedConfig {
            filter_subject: self.subjects.room(room),
            deliver_policy,
            ..consumer::pull::OrderedConfig::default()
        };
        let consumer = self
            .stream
            .create_consumer(config)
            .await
            .map_err(|error| ClusterError::jetstream("following a room", error))?;
        let messages = consumer
            .messages()
            .await
            .map_err(|error| ClusterError::jetstream("following a room", error))?;
        let subjects = self.subjects.clone();
        let mut cursor = RoomCursor::after(match from {
            From::Now => 0,
            From::After(sequence) => sequence,
        });
        Ok(messages.filter_map(move |message| {
            let event = message.ok().and_then(|message| {
                let sequence = message.info().ok()?.stream_sequence;
                if !cursor.advance(sequence) {
                    return None;
                }
                let room = subjects.room_of(message.subject.as_str())?;
                match Envelope::decode(&message.payload) {
                    Ok(envelope) => Some(Sequenced {
                        sequence,
                        room,
                        envelope,
                    }),
                    Err(error) => {
                        log_rejected(message.subject.as_str(), message.payload.len(), &error);
                        None
                    }
                }
            });
            std::future::ready(event)
        }))
    }

    /// The sequence of `room`'s last stored event (0: the stream keeps none).
    pub async fn last_in_room(&self, room: &str) -> Result<u64, ClusterError> {
        use async_nats::jetstream::stream::LastRawMessageErrorKind;
        match self
            .stream
            .get_last_raw_message_by_subject(&self.subjects.room(room))
            .await
        {
            Ok(message) => Ok(message.sequence),
            Err(error) if error.kind() == LastRawMessageErrorKind::NoMessageFound => Ok(0),
            Err(error) => Err(ClusterError::jetstream(
                "reading a room's last event",
                error,
            )),
        }
    }

    /// Deletes `room`'s stored events up to sequence `through` (inclusive),
    /// later ones kept; returns how many went. For a channel whose history
    /// must not outlive it (see `cluster::ended`).
    pub async fn purge_room(&self, room: &str, through: u64) -> Result<u64, ClusterError> {
        let purged = self
            .stream
            .purge()
            .filter(self.subjects.room(room))
            .sequence(through.saturating_add(1))
            .await
            .map_err(|error| ClusterError::jetstream("purging a room's history", error))?;
        Ok(purged.purged)
    }

    /// `room`'s stored events after sequence `after` up to `through`
    /// (inclusive), in stream order, at most `max` of them (read the rest
    /// after the last returned): what a node missed while it did not follow
    /// the room. Ends early when the stream holds nothing more; an event that
    /// does not come within `patience` is an error (NATS away). Also returns
    /// the last sequence read (`after` when none), which undecodable events
    /// advance too.
    pub async fn read_range(
        &self,
        room: &str,
        (after, through): (u64, u64),
        max: usize,
        patience: Duration,
    ) -> Result<(Vec<Sequenced>, u64), ClusterError> {
        let mut events = Vec::new();
        let mut last = after;
        if through <= after {
            return Ok((events, last));
        }
        let deliver_policy = match after {
            0 => consumer::DeliverPolicy::All,
            after => consumer::DeliverPolicy::ByStartSequence {
                start_sequence: after + 1,
            },
        };
        let config = consumer::pull::OrderedConfig {
            filter_subject: self.subjects.room(room),
            deliver_policy,
            ..consumer::pull::OrderedConfig::default()
        };
        let reading = |error: &dyn std::fmt::Display| {
            ClusterError::jetstream("reading a room's history", error.to_string())
        };
        let consumer = self
            .stream
            .create_consumer(config)
            .await
            .map_err(|error| reading(&error))?;
        let mut messages = consumer.messages().await.map_err(|error| reading(&error))?;
        loop {
            let next = tokio::time::timeout(patience, messages.next())
                .await
                .map_err(|_| reading(&"no answer from the room stream"))?;
            let Some(message) = next else {
                return Ok((events, last));
            };
            let message = message.map_err(|error| reading(&error))?;
            let info = message.info().map_err(|error| reading(&error))?;
            let (sequence, pending) = (info.stream_sequence, info.pending);
            if sequence > through {
                return Ok((events, last));
            }
            last = sequence;
            match (
                self.subjects.room_of(message.subject.as_str()),
                Envelope::decode(&message.payload),
            ) {
                (Some(room), Ok(envelope)) => events.push(Sequenced {
                    sequence,
                    room,
                    envelope,
                }),
                (_, Err(error)) => {
                    log_rejected(message.subject.as_str(), message.payload.len(), &error);
                }
                (None, Ok(_)) => {}
            }
            if sequence >= through || pending == 0 || events.len() >= max {
                return Ok((events, last));
            }
        }
    }

    /// The last sequence stored in the stream (0 when empty): where a node
    /// that has caught up stands.
    pub async fn last_sequence(&self) -> Result<u64, ClusterError> {
        let mut stream = self.stream.clone();
        let info = stream
            .info()
            .await
            .map_err(|error| ClusterError::jetstream("reading the room stream", error))?;
        Ok(info.state.last_sequence)
    }
}

/// The last sequence delivered for one room: what keeps delivery strictly
/// increasing whatever the consumer does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoomCursor {
    last: u64,
}

impl RoomCursor {
    /// A cursor that has delivered everything up to `sequence`.
    pub fn after(sequence: u64) -> RoomCursor {
        RoomCursor { last: sequence }
    }

    /// Whether `sequence` is new (then it becomes the last delivered); a
    /// sequence at or below the last is a duplicate or late, and refused.
    pub fn advance(&mut self, sequence: u64) -> bool {
        if sequence > self.last {
            self.last = sequence;
            true
        } else {
            false
        }
    }

    /// The last sequence delivered.
    pub fn last(&self) -> u64 {
        self.last
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_only_moves_forward() {
        let mut cursor = RoomCursor::after(0);
        assert!(cursor.advance(3));
        assert!(!cursor.advance(3), "a duplicate");
        assert!(!cursor.advance(2), "a late one");
        assert!(cursor.advance(10), "gaps are other rooms' sequences");
        assert_eq!(cursor.last(), 10);
        assert!(!RoomCursor::after(5).advance(5));
    }
}
