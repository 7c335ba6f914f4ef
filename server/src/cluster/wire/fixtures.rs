//! Events for the wire tests.

use super::{Envelope, Event, Kind, Source};

/// A user on node-a.
pub(super) fn alice() -> Source {
    Source {
        nick: "alice".into(),
        user: "al".into(),
        host: "node-a".into(),
        account: None,
    }
}

/// A channel message from [`alice`].
pub(super) fn message(text: &str) -> Envelope {
    Envelope::new(
        "node-a",
        7,
        Event::Message {
            channel: "#lobby".into(),
            from: alice(),
            kind: Kind::Privmsg,
            text: text.into(),
            msgid: "m1".into(),
            time_ms: 1_700_000_000_000,
            tags: vec!["+typing=active".into()],
        },
    )
}
