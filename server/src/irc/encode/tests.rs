//! The encoder's variants: each capability adds exactly its tag or line.

mod fast_path;

use super::*;
use crate::hub::client::Source;
use chrono::{DateTime, Utc};
use std::sync::Arc;

pub(super) fn alice() -> Arc<Source> {
    Arc::new(Source {
        nick: "alice".into(),
        user: "a".into(),
        host: "127.0.0.1".into(),
        account: None,
        realname: String::new(),
        prefix_word: Default::default(),
    })
}

pub(super) fn envelope(event: Event) -> Envelope {
    let time = DateTime::parse_from_rfc3339("2026-11-21T10:00:00.250Z")
        .unwrap()
        .with_timezone(&Utc);
    Envelope { event, time }
}

pub(super) fn privmsg() -> Envelope {
    envelope(Event::Message {
        source: alice(),
        target: "#lobby".into(),
        private: false,
        kind: MessageKind::Privmsg,
        text: "hello there".into(),
        msgid: "abc".into(),
        client_tags: vec![natter_protocol::Tag::new(
            "+draft/reply",
            Some("xyz".into()),
        )],
    })
}

#[test]
fn plain_irc_clients_get_no_tags() {
    let bytes = IRC_ENCODER.encode(&privmsg(), 0).unwrap();
    assert_eq!(
        &bytes[..],
        b":alice!a@127.0.0.1 PRIVMSG #lobby :hello there\r\n"
    );
}

#[test]
fn server_time_adds_the_time_tag_only() {
    let bytes = IRC_ENCODER
        .encode(&privmsg(), variant::SERVER_TIME)
        .unwrap();
    assert_eq!(
        &bytes[..],
        b"@time=2026-11-21T10:00:00.250Z :alice!a@127.0.0.1 PRIVMSG #lobby :hello there\r\n"
    );
}

#[test]
fn message_tags_add_msgid_and_client_tags() {
    let bytes = IRC_ENCODER
        .encode(&privmsg(), variant::MESSAGE_TAGS)
        .unwrap();
    let text = std::str::from_utf8(&bytes).unwrap();
    assert!(
        text.starts_with("@time=2026-11-21T10:00:00.250Z;msgid=abc;+draft/reply=xyz :alice"),
        "{text}"
    );
}

#[test]
fn account_tag_account_notify_and_extended_join() {
    let logged_in = Arc::new(Source {
        account: Some("Alice".into()),
        realname: "Alice L".into(),
        ..(*alice()).clone()
    });
    let join = envelope(Event::Join {
        source: logged_in.clone(),
        channel: "#lobby".into(),
    });
    assert_eq!(
        &IRC_ENCODER.encode(&join, 0).unwrap()[..],
        b":alice!a@127.0.0.1 JOIN #lobby\r\n"
    );
    assert_eq!(
        &IRC_ENCODER
            .encode(&join, variant::EXTENDED_JOIN | variant::ACCOUNT_TAG)
            .unwrap()[..],
        b"@account=Alice :alice!a@127.0.0.1 JOIN #lobby Alice :Alice L\r\n"
    );
    let anonymous = envelope(Event::Join {
        source: alice(),
        channel: "#lobby".into(),
    });
    assert_eq!(
        &IRC_ENCODER
            .encode(&anonymous, variant::EXTENDED_JOIN | variant::ACCOUNT_TAG)
            .unwrap()[..],
        b":alice!a@127.0.0.1 JOIN #lobby * :\r\n"
    );
    let notify = envelope(Event::Account {
        source: alice(),
        account: None,
    });
    assert!(IRC_ENCODER.encode(&notify, 0).is_none());
    assert_eq!(
        &IRC_ENCODER
            .encode(&notify, variant::ACCOUNT_NOTIFY)
            .unwrap()[..],
        b":alice!a@127.0.0.1 ACCOUNT *\r\n"
    );
}

#[test]
fn away_and_tagmsg_only_reach_clients_that_asked() {
    let away = envelope(Event::Away {
        source: alice(),
        message: Some("lunch".into()),
    });
    assert!(IRC_ENCODER.encode(&away, 0).is_none());
    assert_eq!(
        &IRC_ENCODER.encode(&away, variant::AWAY_NOTIFY).unwrap()[..],
        b":alice!a@127.0.0.1 AWAY lunch\r\n"
    );
    let tagmsg = envelope(Event::Message {
        source: alice(),
        target: "#lobby".into(),
        private: false,
        kind: MessageKind::Tagmsg,
        text: String::new(),
        msgid: "m".into(),
        client_tags: vec![natter_protocol::Tag::new("+typing", Some("active".into()))],
    });
    assert!(IRC_ENCODER.encode(&tagmsg, variant::SERVER_TIME).is_none());
    assert!(IRC_ENCODER.encode(&tagmsg, variant::MESSAGE_TAGS).is_some());
}
