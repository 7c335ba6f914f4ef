//! natter-bench: a load generator for any IRC server.
//!
//! It speaks only what every IRC server accepts (`NICK`, `USER`, `JOIN`,
//! `PRIVMSG`, `PONG`), so the same run can be pointed at natterd, ngIRCd,
//! InspIRCd or ergo and the numbers compared. Each message carries its sender,
//! a per-sender sequence number and the time it was written, so every receiver
//! can measure latency (into an HDR histogram), notice reordering, and the run
//! can count what never arrived. Given the server's PID it also reads the
//! server's CPU time and resident memory from `/proc`.
//!
//! Layout: [`payload`] writes and recognises the measured lines, [`stats`]
//! turns deliveries into numbers, [`conn`] registers connections, [`traffic`]
//! runs the fan-out and whisper scenarios, [`idle`] the idle-connection one,
//! [`procfs`] samples the server process, [`report`] prints one run's
//! results and [`comparison`] compares runs.

pub mod comparison;
pub mod conn;
pub mod idle;
pub mod payload;
pub mod procfs;
pub mod report;
pub mod stats;
pub mod traffic;
