//! The administration subcommands: `natterd backup`, `export`, `channel`,
//! `completions`, `man` and `hash-password`. They run instead of the server. All but
//! `channel forget` never take its lock, so they work beside a running natterd.

pub mod channel;
pub mod docs;
pub mod export;
pub mod hash_password;
