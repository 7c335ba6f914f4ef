//! From the hub to NATS: the node as the hub's [`Bus`] and [`Directory`].
//!
//! [`Bus::publish`] is called under the hub's locks, so it only queues: the
//! queue is bounded in bytes ([`MAX_QUEUED_BYTES`]); past that, events are
//! not shared with other nodes (logged, counted) rather than holding up
//! local users. One publisher task sends the queue in order: channel events
//! into their room's stream (several in flight, stored in the order sent),
//! whispers to their recipient's user subject. A local user joining a room
//! this node did not follow makes the node follow it from that join on; the
//! last local member leaving stops that.
//!
//! - `queue`: the bounded queue between the hub and the publisher;
//! - `bus`: the node as the hub's `Bus` (and held messages);
//! - `remote_users`: the node as the hub's `Directory`;
//! - `publisher`: the task that sends the queue, in order;
//! - `whispers_out`: whispers and invitations to other nodes' users.

mod bus;
mod publisher;
mod queue;
mod remote_users;
mod whispers_out;

pub(crate) use queue::Outbox;
