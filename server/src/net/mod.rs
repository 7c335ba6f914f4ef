//! Byte-level plumbing shared by both dialects: framing lines off the socket,
//! the bounded outbound queue and its writer, and flood control.

pub mod codec;
pub mod flood;
pub mod outbound;
