//! Wire to hub: the hub event a message, whisper or invitation from
//! another node becomes.

use super::fields::{hub_kind, hub_source, hub_tags, hub_time};
use crate::cluster::wire;
use crate::hub::event::{Envelope, Event};
use chrono::Utc;

/// A channel message another node published, as the hub delivers it.
pub fn channel_message(event: &wire::Event) -> Option<Envelope> {
    let wire::Event::Message {
        channel,
        from,
        kind,
        text,
        msgid,
        time_ms,
        tags,
    } = event
    else {
        return None;
    };
    Some(Envelope {
        event: Event::Message {
            source: hub_source(from, ""),
            target: channel.clone(),
            private: false,
            kind: hub_kind(*kind),
            text: text.clone(),
            msgid: msgid.clone(),
            client_tags: hub_tags(tags),
        },
        time: hub_time(*time_ms),
    })
}

/// A whisper from another node, as the hub delivers it.
pub fn whisper(event: &wire::Event) -> Option<Envelope> {
    let wire::Event::Whisper {
        to,
        from,
        kind,
        text,
        msgid,
        time_ms,
    } = event
    else {
        return None;
    };
    Some(Envelope {
        event: Event::Message {
            source: hub_source(from, ""),
            target: to.clone(),
            private: true,
            kind: hub_kind(*kind),
            text: text.clone(),
            msgid: msgid.clone(),
            client_tags: Vec::new(),
        },
        time: hub_time(*time_ms),
    })
}

/// An invitation from another node, as the hub delivers it.
pub fn invite(event: &wire::Event) -> Option<Envelope> {
    let wire::Event::Invite { to, channel, by } = event else {
        return None;
    };
    Some(Envelope {
        event: Event::Invite {
            source: hub_source(by, ""),
            target: to.clone(),
            channel: channel.clone(),
        },
        time: Utc::now(),
    })
}
