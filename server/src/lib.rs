//! natterd: the natter chat server as a library, so tests can run it in-process.
