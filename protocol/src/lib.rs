//! The IRC message type shared by natterd and natter.
