//! The fields hub and wire events share (sources, kinds, tags, times),
//! converted one way and back.

use crate::cluster::wire::{self, Kind, RosterMember};
use crate::hub::client::Source;
use crate::hub::event::MessageKind;
use chrono::{DateTime, TimeZone, Utc};
use natter_protocol::Tag;
use std::sync::Arc;

/// A hub source as the wire carries it.
pub fn wire_source(source: &Source) -> wire::Source {
    wire::Source {
        nick: source.nick.clone(),
        user: source.user.clone(),
        host: source.host.clone(),
        account: source.account.clone(),
    }
}

/// A local member as other nodes' rosters keep them.
pub fn roster_member(source: &Source, away: Option<String>) -> RosterMember {
    RosterMember {
        member: wire_source(source),
        realname: source.realname.clone(),
        away,
    }
}

/// A wire source as the hub shows it (`realname` when known).
pub fn hub_source(source: &wire::Source, realname: &str) -> Arc<Source> {
    Arc::new(Source {
        nick: source.nick.clone(),
        user: source.user.clone(),
        host: source.host.clone(),
        account: source.account.clone(),
        realname: realname.to_string(),
        prefix_word: Default::default(),
    })
}

pub(super) fn wire_kind(kind: MessageKind) -> Kind {
    match kind {
        MessageKind::Privmsg => Kind::Privmsg,
        MessageKind::Notice => Kind::Notice,
        MessageKind::Tagmsg => Kind::Tagmsg,
    }
}

/// The hub's kind of message for a wire kind.
pub fn hub_kind(kind: Kind) -> MessageKind {
    match kind {
        Kind::Privmsg => MessageKind::Privmsg,
        Kind::Notice => MessageKind::Notice,
        Kind::Tagmsg => MessageKind::Tagmsg,
    }
}

/// A client tag as `key` or `key=value`, the value escaped as on IRC (so
/// it holds no space, CR, LF or NUL).
pub(super) fn wire_tag(tag: &Tag) -> String {
    match &tag.value {
        Some(value) => format!(
            "{}={}",
            tag.key,
            natter_protocol::tags::escaped_tag_value(value)
        ),
        None => tag.key.clone(),
    }
}

/// A wire tag back as a client tag; only client-only tags (`+...`) are
/// taken, so a node cannot make another attach server tags.
pub fn hub_tags(tags: &[String]) -> Vec<Tag> {
    tags.iter()
        .filter(|tag| tag.starts_with('+'))
        .map(|tag| match tag.split_once('=') {
            Some((key, value)) => {
                Tag::new(key, Some(natter_protocol::tags::unescape_tag_value(value)))
            }
            None => Tag::new(tag.clone(), None),
        })
        .collect()
}

/// A wire timestamp as the hub's time (now, if out of range).
pub fn hub_time(time_ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(time_ms)
        .single()
        .unwrap_or_else(Utc::now)
}
