//! The borrowed parser against the owned one it replaced: the same lines accepted, the same
//! errors, the same parts.

use super::*;
use crate::Tag;
use proptest::prelude::*;

/// `Message::parse` as it was before it was built on [`MessageRef`], kept verbatim as the
/// reference the borrowed parser must agree with.
fn reference_parse(line: &str) -> Result<Message, ParseError> {
    let line = line.trim_end_matches(['\r', '\n']);
    if let Some(offset) = line.find(['\0', '\r', '\n']) {
        let character = char::from(line.as_bytes()[offset]);
        return Err(ParseError::ForbiddenCharacter { character, offset });
    }
    let mut rest = line.trim_start_matches(' ');
    if rest
        .trim_matches(|c: char| c.is_ascii_whitespace())
        .is_empty()
    {
        return Err(ParseError::Empty);
    }

    let mut tags = Vec::new();
    if let Some(after_at) = rest.strip_prefix('@') {
        let (raw_tags, after) = split_word(after_at);
        tags = parse_tags(raw_tags)?;
        rest = after;
    }

    let mut source = None;
    rest = rest.trim_start_matches(' ');
    if let Some(after_colon) = rest.strip_prefix(':') {
        let (raw_source, after) = split_word(after_colon);
        if !raw_source.is_empty() {
            source = Some(raw_source.to_owned());
        }
        rest = after;
    }

    let (raw_command, mut rest) = split_word(rest.trim_start_matches(' '));
    if raw_command.is_empty() {
        return Err(ParseError::MissingCommand);
    }
    if !super::super::is_valid_command(raw_command) {
        return Err(ParseError::InvalidCommand(raw_command.to_owned()));
    }
    let command = raw_command.to_ascii_uppercase();

    let mut params = Vec::new();
    loop {
        rest = rest.trim_start_matches(' ');
        if rest.is_empty() {
            break;
        }
        if let Some(trailing) = rest.strip_prefix(':') {
            params.push(trailing.to_owned());
            break;
        }
        let (param, after) = split_word(rest);
        params.push(param.to_owned());
        rest = after;
    }

    Ok(Message {
        tags,
        source,
        command,
        params,
    })
}

/// Checks every accessor of the borrowed parse against the reference's message.
fn agrees(line: &str) -> Result<(), TestCaseError> {
    let expected = reference_parse(line);
    let borrowed = MessageRef::parse(line);
    prop_assert_eq!(&Message::parse(line), &expected);
    let (borrowed, expected) = match (borrowed, expected) {
        (Ok(borrowed), Ok(expected)) => (borrowed, expected),
        (borrowed, expected) => {
            prop_assert_eq!(borrowed.err(), expected.err());
            return Ok(());
        }
    };
    prop_assert_eq!(borrowed.to_message(), expected.clone());
    prop_assert!(borrowed.is_command(&expected.command));
    prop_assert_eq!(
        borrowed.command().to_ascii_uppercase(),
        expected.command.clone()
    );
    prop_assert_eq!(borrowed.source(), expected.source.as_deref());
    prop_assert_eq!(
        borrowed.params().collect::<Vec<_>>(),
        expected.params.clone()
    );
    for index in 0..=expected.params.len() {
        prop_assert_eq!(borrowed.arg(index), expected.arg(index));
    }
    prop_assert_eq!(
        borrowed.has_tags(),
        line.trim_start_matches(' ').starts_with('@')
    );
    let keys = expected.tags.iter().map(|tag| tag.key.as_str());
    for key in keys.chain(["", "label", "+x", "a", "missing"]) {
        let value = borrowed.tag_value(key);
        prop_assert_eq!(value.as_deref(), expected.tag_value(key));
    }
    Ok(())
}

/// Lines made of the characters that matter to the grammar, in any order.
fn line_like() -> impl Strategy<Value = String> {
    proptest::string::string_regex("[@:;= a-cA-C0-9\\\\\r\n\0é+_-]{0,40}").unwrap()
}

/// Lines shaped like messages (tags, source, command, params), with tricky pieces in each.
fn message_like() -> impl Strategy<Value = String> {
    let piece = "[a-cA-C0-9:;=\\\\é+ ]{0,8}";
    (
        proptest::option::of(piece),
        proptest::option::of(piece),
        prop_oneof!["[a-zA-Z]{1,8}", "[0-9]{3}", "[a-z0-9_]{0,4}"],
        proptest::collection::vec(piece, 0..4),
        proptest::option::of(piece),
        "[ \r\n]{0,3}",
    )
        .prop_map(|(tags, source, command, middles, trailing, end)| {
            let mut line = String::new();
            if let Some(tags) = tags {
                line.push('@');
                line.push_str(&tags);
                line.push(' ');
            }
            if let Some(source) = source {
                line.push(':');
                line.push_str(&source);
                line.push(' ');
            }
            line.push_str(&command);
            for middle in middles {
                line.push(' ');
                line.push_str(&middle);
            }
            if let Some(trailing) = trailing {
                line.push_str(" :");
                line.push_str(&trailing);
            }
            line.push_str(&end);
            line
        })
}

proptest! {
    #[test]
    fn agrees_with_the_owned_parser_on_any_line(line in line_like()) {
        agrees(&line)?;
    }

    #[test]
    fn agrees_with_the_owned_parser_on_message_shaped_lines(line in message_like()) {
        agrees(&line)?;
    }

    #[test]
    fn agrees_with_the_owned_parser_on_arbitrary_text(line in any::<String>()) {
        agrees(&line)?;
    }
}

#[test]
fn agrees_on_the_edge_cases() -> Result<(), TestCaseError> {
    for line in [
        "",
        " ",
        "\r\n",
        "@",
        "@ PING",
        "@=x PING",
        "@a;;b= PING",
        "@a=1;a PING",
        "@a;a=2 PING",
        "@a=\\s\\:;b=x\\ PING",
        ": PING",
        ":src",
        "privmsg  #a   b  :c d ",
        "PRIVMSG #a ::x",
        "PRIVMSG #a :",
        "001 x",
        "01 x",
        "NO_SUCH x",
        "PING a\0b",
        "PING a\rb\r\n",
    ] {
        agrees(line)?;
    }
    Ok(())
}

#[test]
fn reads_a_whisper_without_copying() {
    let message = MessageRef::parse("@+draft/reply=x;label=l1 privmsg bob :hi there\r\n");
    let message = message.unwrap();
    assert!(message.is_command("PRIVMSG"));
    assert_eq!(message.arg(0), Some("bob"));
    assert_eq!(message.arg(1), Some("hi there"));
    assert_eq!(message.arg(2), None);
    assert!(matches!(
        message.tag_value("label"),
        Some(Cow::Borrowed("l1"))
    ));
    assert_eq!(
        message.to_message().tags,
        [
            Tag::new("+draft/reply", Some("x".to_owned())),
            Tag::new("label", Some("l1".to_owned()))
        ]
    );
}
