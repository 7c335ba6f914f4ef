//! Byte-level plumbing shared by both dialects: framing lines off the socket
//! (without a buffer while idle), the bounded outbound queue and its writer, capturing a command's output
//! (labeled-response), and flood control.

pub mod admission;
pub mod capture;
pub mod codec;
pub mod fd_limit;
pub mod flood;
pub mod outbound;
pub mod reader;
pub mod socket;
pub mod writer;
