//! The IRC message serialiser, on messages built any way at all (as a
//! careless caller might): it writes exactly one line, with no NUL, CR or LF
//! before its CRLF and as many bytes as `serialized_len` says; a receiver
//! sees as many params as were given; and a message that IRC can represent
//! (see `representable`) parses back unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use natter_protocol::{Message, Tag};

type Parts = (
    Vec<(String, Option<String>)>,
    Option<String>,
    String,
    Vec<String>,
);

fn valid_command(command: &str) -> bool {
    let letters = !command.is_empty() && command.bytes().all(|b| b.is_ascii_alphabetic());
    let numeric = command.len() == 3 && command.bytes().all(|b| b.is_ascii_digit());
    letters || numeric
}

fn breaks(text: &str) -> bool {
    text.contains(['\r', '\n', '\0'])
}

/// Whether the wire form can carry this message unchanged: an upper-case
/// command, a source and tag keys that are single words, distinct tag keys,
/// tag values without NUL (IRCv3 has no escape for it) and never `Some("")`
/// (the same as no value), and params a line can hold.
fn representable(message: &Message) -> bool {
    let command =
        valid_command(&message.command) && message.command == message.command.to_ascii_uppercase();
    let source = message
        .source
        .as_deref()
        .is_none_or(|source| !source.is_empty() && !source.contains(' ') && !breaks(source));
    let tags = message.tags.iter().enumerate().all(|(index, tag)| {
        let key = !tag.key.is_empty() && !tag.key.contains([' ', ';', '=']) && !breaks(&tag.key);
        let unique = message.tags[..index]
            .iter()
            .all(|earlier| earlier.key != tag.key);
        let value = tag
            .value
            .as_deref()
            .is_none_or(|value| !value.is_empty() && !value.contains('\0'));
        key && unique && value
    });
    let last = message.params.last().is_none_or(|last| !breaks(last));
    command && source && tags && message.has_encodable_params() && last
}

fuzz_target!(|parts: Parts| {
    let (tags, source, command, params) = parts;
    let message = Message {
        tags: tags
            .into_iter()
            .map(|(key, value)| Tag::new(key, value))
            .collect(),
        source,
        command,
        params,
    };
    let wire = message.to_wire();
    assert_eq!(message.serialized_len() + 2, wire.len(), "{wire:?}");
    let line = wire
        .strip_suffix("\r\n")
        .unwrap_or_else(|| panic!("{wire:?} does not end in CRLF"));
    assert!(!line.contains(['\r', '\n', '\0']), "{wire:?}");
    if !valid_command(&message.command) {
        return;
    }
    let back = Message::parse(line)
        .unwrap_or_else(|error| panic!("{wire:?} does not parse back: {error}"));
    assert_eq!(back.params.len(), message.params.len(), "{wire:?}");
    if representable(&message) {
        assert_eq!(back, message, "{wire:?}");
    }
});
