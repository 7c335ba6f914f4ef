//! Round trips between hub and wire events.

use super::*;
use crate::cluster::wire;
use crate::hub::Folded;
use crate::hub::bus::{Published, Scope};
use crate::hub::client::Source;
use crate::hub::event::{Envelope, Event, MessageKind};
use natter_protocol::Tag;
use std::sync::Arc;

fn alice() -> Arc<Source> {
    Arc::new(Source {
        nick: "Alice".into(),
        user: "al".into(),
        host: "10.0.0.1".into(),
        account: None,
        realname: "Alice A".into(),
        prefix_word: Default::default(),
    })
}

fn published(scope: Scope, event: Event) -> Published {
    Published {
        scope,
        envelope: Arc::new(Envelope {
            event,
            time: hub_time(1_700_000_000_000),
        }),
    }
}

#[test]
fn a_channel_message_goes_to_its_room_and_comes_back_the_same() {
    let event = Event::Message {
        source: alice(),
        target: "#Lobby".into(),
        private: false,
        kind: MessageKind::Privmsg,
        text: "hi there".into(),
        msgid: "m1".into(),
        client_tags: vec![Tag::new("+draft/reply", Some("a b;c".into()))],
    };
    let out = outgoing(&published(
        Scope::Channel(Folded::from_folded("#lobby".into())),
        event,
    ));
    let [Outgoing::Room { room, event }] = &out[..] else {
        panic!("{out:?}");
    };
    assert_eq!(room, "#lobby");
    let envelope = wire::Envelope::new("a", 1, event.clone());
    let back = wire::Envelope::decode(&envelope.encode().unwrap()).unwrap();
    let delivered = channel_message(&back.event).unwrap();
    let Event::Message {
        source,
        target,
        text,
        client_tags,
        msgid,
        ..
    } = &delivered.event
    else {
        panic!();
    };
    assert_eq!(source.prefix(), "Alice!al@10.0.0.1");
    assert_eq!((target.as_str(), text.as_str()), ("#Lobby", "hi there"));
    assert_eq!(msgid, "m1");
    assert_eq!(
        client_tags,
        &[Tag::new("+draft/reply", Some("a b;c".into()))]
    );
    assert_eq!(delivered.time.timestamp_millis(), 1_700_000_000_000);
}

#[test]
fn quits_go_to_every_room_whispers_to_the_user_and_modes_nowhere() {
    let rooms = vec![
        Folded::from_folded("#a".into()),
        Folded::from_folded("#b".into()),
    ];
    let quit = Event::Quit {
        source: alice(),
        reason: "bye".into(),
    };
    let out = outgoing(&published(Scope::Peers(rooms), quit));
    assert_eq!(out.len(), 2);
    assert!(out.iter().all(|o| matches!(
        o,
        Outgoing::Room {
            event: wire::Event::Quit { .. },
            ..
        }
    )));
    let whisper_event = Event::Message {
        source: alice(),
        target: "Bob".into(),
        private: true,
        kind: MessageKind::Notice,
        text: "psst".into(),
        msgid: "m2".into(),
        client_tags: Vec::new(),
    };
    let out = outgoing(&published(
        Scope::User(Folded::from_folded("bob".into())),
        whisper_event,
    ));
    let [Outgoing::Whisper { to, event }] = &out[..] else {
        panic!("{out:?}");
    };
    assert_eq!(to, "bob");
    let back = whisper(event).unwrap();
    assert!(
        matches!(&back.event, Event::Message { private: true, kind: MessageKind::Notice, text, .. } if text == "psst")
    );
    let mode = Event::Mode {
        source: alice(),
        target: "#a".into(),
        changes: "+o".into(),
        args: vec!["Bob".into()],
    };
    assert!(
        outgoing(&published(
            Scope::Channel(Folded::from_folded("#a".into())),
            mode
        ))
        .is_empty()
    );
}

#[test]
fn only_client_tags_come_in() {
    let tags = hub_tags(&["+typing=active".into(), "time=x".into(), "+x".into()]);
    assert_eq!(
        tags,
        [
            Tag::new("+typing", Some("active".into())),
            Tag::new("+x", None)
        ]
    );
}
