//! The IRC message type shared by natterd and natter: parsing, serialization, message tags,
//! nickname and channel validation, case-mapping, numerics, CTCP, ISUPPORT, capabilities,
//! formatting codes, masks and certificate fingerprints. No I/O.
//!
//! ```
//! use natter_protocol::Message;
//!
//! let msg = Message::parse("@time=2026-01-01T00:00:00.000Z :alice!a@host privmsg #lobby :hi all\r\n")?;
//! assert_eq!(msg.command, "PRIVMSG");
//! assert_eq!(msg.source_nick(), Some("alice"));
//! assert_eq!(msg.params, ["#lobby", "hi all"]);
//!
//! let reply = Message::new("PRIVMSG").with_source("bob").with_params(["#lobby", "hello"]);
//! assert_eq!(reply.to_wire(), ":bob PRIVMSG #lobby hello\r\n");
//! # Ok::<(), natter_protocol::ParseError>(())
//! ```

pub mod caps;
pub mod casemap;
pub mod channel;
pub mod ctcp;
pub mod discovery;
pub mod fingerprint;
pub mod formatting;
pub mod isupport;
pub mod lookalike;
pub mod mask;
pub mod message;
mod names;
pub mod nick;
pub mod numeric;
pub mod tags;

pub use caps::{CapItem, parse_cap_items, parse_cap_list};
pub use casemap::Casemapping;
pub use channel::{ChannelName, ChannelNameError, is_channel_name, is_valid_channel};
pub use ctcp::{Ctcp, action, is_action, parse_ctcp};
pub use fingerprint::{Fingerprint, FingerprintError};
pub use formatting::{
    Color, Span, Style, is_bidi_control, parse_formatting, strip_controls, strip_formatting,
};
pub use isupport::{ChanModes, IsupportToken, parse_chanmodes, parse_prefix, parse_token};
pub use lookalike::Skeleton;
pub use mask::wildcard_match;
pub use message::line::{LineWriter, SourceWord};
pub use message::{LINE_BODY_MAX, Message, MessageRef, ParseError, Tag};
pub use nick::{Nick, NickError, is_valid_nick};
