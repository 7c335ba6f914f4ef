//! The fast path writes what the general path writes, line cut included.

use super::super::general::encode_event;
use super::super::{IRC_ENCODER, MAX_LINE, variant};
use super::{envelope, privmsg};
use crate::hub::client::Source;
use crate::hub::event::{Encoder, Event, MessageKind};
use proptest::prelude::*;
use std::sync::Arc;

fn piece(max: usize) -> impl Strategy<Value = String> {
    // Spaces, line breaks, NUL, ':' and multi-byte characters exercise
    // every escaping rule and the cut at a character boundary.
    proptest::string::string_regex(&format!("[a-z0-9 :;=\\\\\r\n\0é日@!#+-]{{0,{max}}}")).unwrap()
}

proptest! {
    /// PRIVMSG and NOTICE take the fast path; it must write exactly
    /// what the general path (through a `Message`) writes, cut included.
    #[test]
    fn text_messages_encode_as_the_general_path_does(
        nick in piece(12),
        user in piece(8),
        host in piece(20),
        account in proptest::option::of(piece(10)),
        target in piece(12),
        text in prop_oneof![piece(40), piece(600)],
        notice in any::<bool>(),
        msgid in piece(8),
        client_tags in proptest::collection::vec(("\\+[a-z/]{1,6}", proptest::option::of(piece(8))), 0..3),
        variant in 0u8..64,
    ) {
        let envelope = envelope(Event::Message {
            source: Arc::new(Source { nick, user, host, account, realname: String::new(), prefix_word: Default::default() }),
            target,
            private: false,
            kind: if notice { MessageKind::Notice } else { MessageKind::Privmsg },
            text,
            msgid,
            client_tags: client_tags
                .into_iter()
                .map(|(key, value)| natter_protocol::Tag::new(key, value))
                .collect(),
        });
        prop_assert_eq!(IRC_ENCODER.encode(&envelope, variant), encode_event(&envelope, variant));
    }
}

#[test]
fn a_long_text_is_cut_to_the_line_limit_at_a_character_boundary() {
    let mut message = privmsg();
    if let Event::Message {
        text, client_tags, ..
    } = &mut message.event
    {
        *text = "日".repeat(300);
        client_tags.push(natter_protocol::Tag::new(
            "+draft/reply",
            Some("again".into()),
        ));
    }
    let plain = IRC_ENCODER.encode(&message, 0).unwrap();
    assert!(
        plain.len() <= MAX_LINE && plain.len() > MAX_LINE - 3,
        "{}",
        plain.len()
    );
    assert!(std::str::from_utf8(&plain).is_ok());
    // Duplicate client tags take the general path, which keeps the last.
    let tagged = IRC_ENCODER.encode(&message, variant::MESSAGE_TAGS).unwrap();
    assert!(
        std::str::from_utf8(&tagged)
            .unwrap()
            .contains("+draft/reply=again :alice")
    );
}
