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

/// Every allocation of the natterd binary goes through mimalloc.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
