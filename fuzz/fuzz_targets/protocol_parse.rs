//! The IRC message parser: never panics; refuses exactly the lines that carry
//! NUL, or CR/LF before their end, naming the first such character; and what
//! it parses serialises to one well-formed line that parses back to the very
//! same message.
#![no_main]

use libfuzzer_sys::fuzz_target;
use natter_protocol::{Message, ParseError};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let parsed = Message::parse(&text);
    let body = text.trim_end_matches(['\r', '\n']);
    if let Some(offset) = body.find(['\0', '\r', '\n']) {
        let character = char::from(body.as_bytes()[offset]);
        assert_eq!(
            parsed,
            Err(ParseError::ForbiddenCharacter { character, offset }),
            "{text:?}"
        );
        return;
    }
    let Ok(message) = parsed else {
        return;
    };
    assert!(message.has_encodable_params(), "{message:?}");
    let wire = message.to_wire();
    assert_eq!(message.serialized_len() + 2, wire.len(), "{wire:?}");
    let line = wire
        .strip_suffix("\r\n")
        .unwrap_or_else(|| panic!("{wire:?} does not end in CRLF"));
    assert!(!line.contains(['\r', '\n', '\0']), "{wire:?}");
    assert_eq!(Message::parse(line), Ok(message), "{wire:?}");
});
