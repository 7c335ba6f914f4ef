//! The administration subcommands: `natterd backup`, `export`, `completions`
//! and `man`. They run instead of the server and never take its lock, so they
//! work beside a running natterd.

pub mod docs;
pub mod export;
