//! natterd's memory allocator: mimalloc, built without transparent huge pages.
//!
//! Why mimalloc: with glibc's malloc, the history writer thread frees every
//! stored row on another thread than the tokio worker that allocated it, and
//! those frees (plus the workers' own churn) cost `malloc_consolidate` and
//! arena locking: about 30% of the workers' CPU on the whisper path. mimalloc
//! gives cross-thread frees back through the owning page's lock-free list and
//! keeps per-thread free lists for the rest. Measured with `natter-bench
//! whisper` (README "Performance"): 15-35% less server CPU per delivery,
//! history on and off.
//!
//! Why without huge pages (the crate's `no_thp` feature): mimalloc reserves
//! its memory in 1 GiB arenas and, by default, asks the kernel for
//! transparent huge pages on them (`madvise(MADV_HUGEPAGE)`). Each touched
//! 2 MiB then counts whole in RSS: an idle server with 9 000 connections
//! measured ~0.9 KB more per connection (5.0-5.6 KB instead of 4.2), and
//! 3-6 MB more at start, than with huge pages off. natterd's memory is many small, scattered
//! allocations (per-connection state, queues), which gain nothing from huge
//! pages. Operators can still tune mimalloc with its `MIMALLOC_*` variables.
//!
//! Why mimalloc v2 (the crate's `v2` feature) and not v3, the crate's
//! default: tokio puts every task in a 128-byte aligned cell, and an idle
//! connection's task cell is 384 bytes. v2 lays out each page of small
//! blocks aligned to the block size, so every 384-byte block is 128-byte
//! aligned and the cell costs 384 bytes. v3 starts its blocks right after
//! the page's header: only its power-of-two blocks are aligned by
//! construction, and any other aligned request is over-allocated by
//! alignment - 1 bytes, so the same cell took a 512-byte block. Measured
//! with `natter-bench idle` at 19 000 connections (README "Performance"):
//! 2.19 -> 2.03 KB RSS per idle connection. The price: whispers with
//! history off cost 4-8% more server CPU per delivery than under v3, with
//! history on 0-5% (fan-out within noise); v2's 10 ms purge
//! delay (v3: 1 s) is not the whole of it: `MIMALLOC_PURGE_DELAY=1000`
//! measured +2% once and +6% once.

/// Every allocation of the natterd binary goes through mimalloc.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
