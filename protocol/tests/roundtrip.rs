//! Property tests: serializing then parsing gives back the same message, parsing never panics,
//! and nothing a peer sends can put a line break or a terminal control on the wire or screen.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use natter_protocol::{
    Casemapping, Message, Nick, ParseError, Tag, parse_formatting, strip_formatting,
};
use proptest::prelude::*;

/// Characters that make escaping and framing interesting, mixed with arbitrary ones.
fn tricky_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => any::<char>(),
        1 => prop::sample::select(vec![';', '\\', ' ', '\r', '\n', ':', '=', '@', 's', '小', '\u{1b}']),
    ]
}

fn string_of(
    chars: impl Strategy<Value = char>,
    len: std::ops::Range<usize>,
) -> impl Strategy<Value = String> {
    prop::collection::vec(chars, len).prop_map(|chars| chars.into_iter().collect())
}

fn tag_key() -> impl Strategy<Value = String> {
    "\\+?([a-z][a-z0-9.-]{0,8}/)?[a-zA-Z0-9-]{1,12}"
}

/// Tag values as `parse` returns them: no NUL (which no line carries), never `Some("")`.
fn tag_value() -> impl Strategy<Value = Option<String>> {
    prop::option::of(string_of(
        tricky_char().prop_filter("no NUL", |&c| c != '\0'),
        1..20,
    ))
}

fn tags() -> impl Strategy<Value = Vec<Tag>> {
    prop::collection::vec((tag_key(), tag_value()), 0..5).prop_map(|pairs| {
        let mut tags: Vec<Tag> = Vec::new();
        for (key, value) in pairs {
            if tags.iter().all(|tag| tag.key != key) {
                tags.push(Tag { key, value });
            }
        }
        tags
    })
}

fn no_framing_char(c: &char) -> bool {
    !matches!(c, ' ' | '\r' | '\n' | '\0')
}

fn source() -> impl Strategy<Value = Option<String>> {
    prop::option::of(string_of(
        tricky_char().prop_filter("word char", no_framing_char),
        1..24,
    ))
}

fn command() -> impl Strategy<Value = String> {
    prop_oneof!["[A-Z]{1,12}", "[0-9]{3}"]
}

fn middle_param() -> impl Strategy<Value = String> {
    string_of(
        tricky_char().prop_filter("word char", no_framing_char),
        1..16,
    )
    .prop_filter("no leading ':'", |param| !param.starts_with(':'))
}

fn last_param() -> impl Strategy<Value = String> {
    string_of(
        tricky_char().prop_filter("no line break", |c| !matches!(c, '\r' | '\n' | '\0')),
        0..40,
    )
}

fn valid_message() -> impl Strategy<Value = Message> {
    (
        tags(),
        source(),
        command(),
        prop::collection::vec(middle_param(), 0..6),
        prop::option::of(last_param()),
    )
        .prop_map(|(tags, source, command, mut params, last)| {
            params.extend(last);
            Message {
                tags,
                source,
                command,
                params,
            }
        })
}

/// Any message at all, including ones a careless caller might build.
fn arbitrary_message() -> impl Strategy<Value = Message> {
    (
        prop::collection::vec(
            (
                string_of(tricky_char(), 0..8),
                prop::option::of(string_of(tricky_char(), 0..8)),
            ),
            0..3,
        ),
        prop::option::of(string_of(tricky_char(), 0..10)),
        string_of(tricky_char(), 0..10),
        prop::collection::vec(string_of(tricky_char(), 0..10), 0..5),
    )
        .prop_map(|(tags, source, command, params)| Message {
            tags: tags
                .into_iter()
                .map(|(key, value)| Tag { key, value })
                .collect(),
            source,
            command,
            params,
        })
}

/// A message with a valid command and every other part any string at all
/// (NUL in tag values, line breaks, duplicate keys, empty params...).
fn hand_built_message() -> impl Strategy<Value = Message> {
    let text = |len| string_of(tricky_char(), len);
    (
        prop::collection::vec((text(1..6), prop::option::of(text(0..8))), 0..3),
        prop::option::of(text(0..10)),
        command(),
        prop::collection::vec(text(0..10), 0..5),
    )
        .prop_map(|(tags, source, command, params)| Message {
            tags: tags
                .into_iter()
                .map(|(key, value)| Tag { key, value })
                .collect(),
            source,
            command,
            params,
        })
}

fn breaks(text: &str) -> bool {
    text.contains(['\r', '\n', '\0'])
}

/// Whether the wire form can carry `message` unchanged: an upper-case
/// command, a source and tag keys that are single words, distinct tag keys,
/// tag values without NUL (IRCv3 has no escape for it) and never `Some("")`
/// (the same as no value), and params a line can hold.
fn representable(message: &Message) -> bool {
    let command = &message.command;
    let command_ok = (!command.is_empty() && command.bytes().all(|b| b.is_ascii_uppercase()))
        || (command.len() == 3 && command.bytes().all(|b| b.is_ascii_digit()));
    let source_ok = message
        .source
        .as_deref()
        .is_none_or(|source| !source.is_empty() && !source.contains(' ') && !breaks(source));
    let tags_ok = message.tags.iter().enumerate().all(|(index, tag)| {
        !tag.key.is_empty()
            && !tag.key.contains([' ', ';', '='])
            && !breaks(&tag.key)
            && message.tags[..index]
                .iter()
                .all(|earlier| earlier.key != tag.key)
            && tag
                .value
                .as_deref()
                .is_none_or(|value| !value.is_empty() && !value.contains('\0'))
    });
    let last_ok = message.params.last().is_none_or(|last| !breaks(last));
    command_ok && source_ok && tags_ok && message.has_encodable_params() && last_ok
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn serialize_then_parse_is_identity(msg in valid_message()) {
        prop_assert!(msg.has_encodable_params());
        let line = msg.to_string();
        prop_assert_eq!(Message::parse(&line), Ok(msg.clone()), "line: {:?}", line);
        prop_assert_eq!(Message::parse(&msg.to_wire()), Ok(msg));
    }

    #[test]
    fn parse_never_panics(line in string_of(tricky_char(), 0..80)) {
        let _ = Message::parse(&line);
    }

    #[test]
    fn parse_never_panics_on_irc_shaped_lines(
        line in "(@[a-z=;\\\\ ]{0,10} )?(:[^ ]{0,8} )? *[A-Za-z0-9]{0,5}( +:?[^\r\n]{0,8}){0,4}\r?\n?"
    ) {
        let _ = Message::parse(&line);
    }

    #[test]
    fn a_line_with_nul_or_an_inner_line_break_is_refused(
        head in string_of(tricky_char(), 0..30),
        bad in prop::sample::select(vec!['\0', '\r', '\n']),
        tail in string_of(tricky_char(), 0..30),
    ) {
        let line = format!("{head}{bad}{tail}");
        let trimmed = line.trim_end_matches(['\r', '\n']);
        if trimmed.contains(['\0', '\r', '\n']) {
            let refused = matches!(Message::parse(&line), Err(ParseError::ForbiddenCharacter { .. }));
            prop_assert!(refused, "{:?}", line);
        }
    }

    #[test]
    fn every_parsed_line_round_trips_exactly(line in string_of(tricky_char(), 0..60)) {
        if let Ok(msg) = Message::parse(&line) {
            prop_assert!(msg.has_encodable_params());
            prop_assert_eq!(Message::parse(&msg.to_wire()), Ok(msg));
        }
    }

    #[test]
    fn parsed_lines_reserialize_to_a_fixpoint(line in string_of(tricky_char().prop_filter("no line break", |c| !matches!(c, '\r' | '\n' | '\0')), 0..60)) {
        if let Ok(msg) = Message::parse(&line) {
            prop_assert_eq!(Message::parse(&msg.to_string()), Ok(msg));
        }
    }

    #[test]
    fn serialization_never_emits_a_line_break(msg in arbitrary_message()) {
        let line = msg.to_string();
        prop_assert!(!line.contains(['\r', '\n', '\0']), "{:?}", line);
        prop_assert_eq!(msg.serialized_len(), line.len());
        let wire = msg.to_wire();
        prop_assert_eq!(wire.matches('\n').count(), 1);
        prop_assert!(wire.ends_with("\r\n"));
    }

    #[test]
    fn arbitrary_messages_keep_their_param_count(msg in arbitrary_message()) {
        // Whatever a caller puts in, the receiver sees the same number of params.
        let command_ok = !msg.command.is_empty() && msg.command.chars().all(|c| c.is_ascii_alphabetic());
        let tags_ok = msg.tags.iter().all(|tag| !tag.key.is_empty());
        if command_ok && tags_ok {
            let parsed = Message::parse(&msg.to_string()).unwrap();
            prop_assert_eq!(parsed.params.len(), msg.params.len());
        }
    }

    #[test]
    fn hand_built_messages_that_irc_can_represent_parse_back_unchanged(msg in hand_built_message()) {
        // The same oracle as the `protocol_serialise` fuzz target.
        if representable(&msg) {
            prop_assert_eq!(Message::parse(&msg.to_wire()), Ok(msg));
        } else {
            prop_assert_eq!(Message::parse(&msg.to_wire()).map(|back| back.params.len()), Ok(msg.params.len()));
        }
    }

    #[test]
    fn formatted_text_never_contains_controls(text in string_of(tricky_char(), 0..60)) {
        for span in parse_formatting(&text) {
            prop_assert!(!span.text.is_empty());
            prop_assert!(!span.text.chars().any(char::is_control), "{:?}", span.text);
        }
        prop_assert!(!strip_formatting(&text).chars().any(char::is_control));
    }

    #[test]
    fn valid_nicks_have_no_separators_or_controls(text in string_of(tricky_char(), 0..12)) {
        if let Ok(nick) = Nick::parse(&text, 30) {
            prop_assert!(!nick.as_str().chars().any(|c| c.is_control() || " ,!@:*#".contains(c)));
            prop_assert!(nick.as_str().chars().count() <= 30);
        }
    }

    #[test]
    fn casefolding_is_idempotent_and_matches_eq(a in "[a-zA-Z\\[\\]\\\\~^{}|小]{0,8}", b in "[a-zA-Z\\[\\]\\\\~^{}|小]{0,8}") {
        for mapping in [Casemapping::Ascii, Casemapping::Rfc1459, Casemapping::Rfc1459Strict] {
            let folded = mapping.fold(&a);
            prop_assert_eq!(mapping.fold(&folded), folded.clone());
            prop_assert_eq!(mapping.eq(&a, &b), folded == mapping.fold(&b));
            prop_assert!(mapping.eq(&a, &a.to_ascii_uppercase()));
        }
    }
}

/// Found by the `protocol_parse` fuzz target: the parser used to take NUL (or
/// CR) in a source or a tag value, which no line may carry and the serialiser
/// cannot write back; such lines are now refused, so every parsed message
/// round-trips exactly.
#[test]
fn lines_the_fuzzer_found_with_nul_or_cr_are_refused() {
    for line in [
        ":sr!\0\0.3 me = #c :@a +b c",
        "@a=\0 PING",
        "@A\r;A\0 PING",
        "PRIVMSG #a :x\ry",
    ] {
        assert!(
            matches!(
                Message::parse(line),
                Err(ParseError::ForbiddenCharacter { .. })
            ),
            "{line:?}"
        );
    }
}
