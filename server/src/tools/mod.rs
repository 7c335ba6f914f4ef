//! The administration subcommands: `natterd backup`, `export`, `channel`,
//! `completions` and `man`. They run instead of the server. All but
//! `channel forget` never take its lock, so they work beside a running natterd.

pub mod channel;
pub mod docs;
pub mod export;
