//! Following rooms: a room stream consumer per room with local members,
//! from this node's own join on, resumed after an outage from the last
//! sequence it delivered.

use crate::cluster::node::{ClusterNode, Follow};
use crate::cluster::ordering::From;
use crate::cluster::wire;
use futures::StreamExt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Pause before following a room again after the stream refused.
const FOLLOW_RETRY: Duration = Duration::from_secs(1);

impl ClusterNode {
    /// Follows `room` (folded) from just after `after` (or from now),
    /// unless it is followed already.
    pub(crate) fn follow(self: &Arc<Self>, room: &str, after: Option<u64>) {
        let start = after.unwrap_or(0);
        self.follow_from(room, start, start);
    }

    /// Follows `room` from just after `after` (0: from now), its history
    /// complete through `recorded`, unless it is followed already.
    fn follow_from(self: &Arc<Self>, room: &str, after: u64, recorded: u64) {
        let (stop, positions) = {
            let mut followed = self.followed();
            if followed.contains_key(room) {
                return;
            }
            let follow = Follow {
                stop: self.shutdown.child_token(),
                last: Arc::new(AtomicU64::new(after)),
                recorded: Arc::new(AtomicU64::new(recorded)),
            };
            let handles = (
                follow.stop.clone(),
                (follow.last.clone(), follow.recorded.clone()),
            );
            followed.insert(room.to_string(), follow);
            handles
        };
        let node = self.clone();
        let room = room.to_string();
        self.tasks
            .spawn(async move { node.follow_room(room, positions, stop).await });
    }

    /// Follows every followed room anew from the last event it delivered:
    /// after an outage, rather than trusting a consumer that lived through it.
    pub(crate) fn refollow_all(self: &Arc<Self>) {
        let rooms: Vec<(String, Follow)> = self
            .followed()
            .drain()
            .inspect(|(_, follow)| follow.stop.cancel())
            .collect();
        for (room, follow) in rooms {
            let after = follow.last.load(Ordering::Relaxed);
            let recorded = follow.recorded.load(Ordering::Relaxed);
            self.follow_from(&room, after, recorded);
        }
    }

    /// Stops following `room` when no local user is in it any more.
    pub(crate) fn unfollow_if_empty(&self, room: &str) {
        let empty = self
            .context()
            .is_none_or(|context| context.hub.read(|hub| hub.channel(room).is_none()));
        if !empty {
            return;
        }
        if let Some(follow) = self.followed().remove(room) {
            follow.stop.cancel();
            self.stop_catching_up(room, follow.recorded.load(Ordering::Relaxed));
        }
        self.held().forget_room(room);
        self.roster().forget_channel(room);
    }

    async fn follow_room(
        self: Arc<Self>,
        room: String,
        (last, recorded): (Arc<AtomicU64>, Arc<AtomicU64>),
        stop: CancellationToken,
    ) {
        let Some(parts) = self.parts.get() else {
            return;
        };
        let mut asked = false;
        loop {
            let from = match last.load(Ordering::Relaxed) {
                0 => From::Now,
                sequence => From::After(sequence),
            };
            match parts.rooms.follow(&room, from).await {
                Ok(events) => {
                    if !asked {
                        // Following now: whoever is there says so.
                        let request = wire::Event::RosterRequest {
                            channel: room.clone(),
                        };
                        self.send_control(parts, &room, request).await;
                        asked = true;
                    }
                    if !self.catch_ups.is_done(&room) {
                        // What the room said before this follower took over.
                        let through = last.load(Ordering::Relaxed);
                        self.catch_up(parts, &room, through).await;
                    }
                    let mut events = std::pin::pin!(events);
                    // Whether every message so far was recorded here.
                    let mut complete = true;
                    loop {
                        let next = tokio::select! {
                            () = stop.cancelled() => return,
                            next = events.next() => next,
                        };
                        let Some(sequenced) = next else {
                            break;
                        };
                        let sequence = sequenced.sequence;
                        // Before delivering: a follower started anew while
                        // this one delivers must not deliver it again.
                        last.store(sequence, Ordering::Relaxed);
                        // After recording: the room may be left meanwhile.
                        complete &= self.receive_room(parts, sequenced).await;
                        if complete {
                            recorded.store(sequence, Ordering::Relaxed);
                        }
                    }
                }
                Err(error) => {
                    crate::warn_throttled!(%error, %room, "cluster: cannot follow a room yet; retrying");
                }
            }
            tokio::select! {
                () = stop.cancelled() => return,
                () = tokio::time::sleep(FOLLOW_RETRY) => {}
            }
        }
    }
}

#[cfg(test)]
#[path = "follow_tests.rs"]
mod tests;
