//! The IRC message parser: never panics, and what it parses serialises to
//! one well-formed line that parses back to the same message.
//!
//! The parser is tolerant: a line may carry CR or NUL in a word (LF cannot
//! occur, the codec splits on it). The serialiser never writes a line break
//! (it writes those as `_` in the source, command and tag keys, and as
//! spaces in params, see `Message::write_to`; tag values are escaped), so for
//! such a message the round trip is exact only from the re-parsed form on:
//! serialising it and parsing again gives the same line (line breaks become
//! `_`, so two tag keys may become one).
#![no_main]

use libfuzzer_sys::fuzz_target;
use natter_protocol::Message;

fn has_line_break(message: &Message) -> bool {
    let breaks = |text: &str| text.contains(['\r', '\n', '\0']);
    message.source.as_deref().is_some_and(breaks)
        || breaks(&message.command)
        || message.params.iter().any(|param| breaks(param))
        || message.tags.iter().any(|tag| breaks(&tag.key))
}

/// IRCv3 has no escape for NUL; the serialiser writes `\0`, which parses
/// back as `0` (found by this target and left as it is: no line natterd
/// accepts carries NUL), so for such a message only "no NUL on the wire and
/// it parses" holds.
fn has_nul_in_tag_value(message: &Message) -> bool {
    message.tags.iter().any(|tag| {
        tag.value
            .as_deref()
            .is_some_and(|value| value.contains('\0'))
    })
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Ok(message) = Message::parse(&text) else {
        return;
    };
    let wire = message.to_wire();
    assert_eq!(message.serialized_len() + 2, wire.len(), "{wire:?}");
    if !message.has_encodable_params() {
        return;
    }
    let line = wire
        .strip_suffix("\r\n")
        .unwrap_or_else(|| panic!("{wire:?} does not end in CRLF"));
    assert!(!line.contains(['\r', '\n', '\0']), "{wire:?}");
    let again = Message::parse(line)
        .unwrap_or_else(|error| panic!("{wire:?} does not parse back: {error}"));
    if has_nul_in_tag_value(&message) {
        return;
    }
    if has_line_break(&message) {
        // Two tag keys that differ only in a line break (`A\r`, `A\0`)
        // serialise alike (`A_`), and the parser keeps one tag per key; so
        // the form is stable from the re-parsed message on.
        let settled = again.to_wire();
        let line = settled.strip_suffix("\r\n").unwrap_or(&settled);
        let third = Message::parse(line)
            .unwrap_or_else(|error| panic!("{settled:?} does not parse back: {error}"));
        assert_eq!(third.to_wire(), settled, "{message:?}");
    } else {
        assert_eq!(again, message, "{wire:?}");
    }
});
