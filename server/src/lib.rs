//! natterd: the natter chat server as a library, so tests can run it in-process.
//!
//! The layout follows the data flow (ARCHITECTURE.md): [`server`] accepts
//! connections, [`net`] frames lines and queues output, [`session`] runs one
//! connection and picks its dialect ([`irc`] or [`plain`]), and both dialects
//! drive the same [`hub`], which routes messages and knows neither dialect.
//! [`history`] stores what was said. [`tls`] serves the same sessions over TLS.
//! [`cluster`] lets several nodes share rooms over NATS.

pub mod accounts;
pub mod backlog;
pub mod channels;
pub mod cli;
pub mod cluster;
pub mod command_counts;
pub mod config;
pub mod context;
pub mod datadir;
pub mod discovery;
pub mod history;
pub mod hub;
pub mod irc;
pub(crate) mod keyed;
pub mod metrics;
pub mod net;
pub mod nick_guard;
pub mod operators;
pub mod plain;
pub mod refusal;
pub mod reload;
pub mod server;
pub mod service;
pub mod session;
pub mod testing;
pub mod throttle;
pub mod tls;
pub mod tools;
pub mod username;

pub use config::Config;
pub use server::{Server, ServerError};
